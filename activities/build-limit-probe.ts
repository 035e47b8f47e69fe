// After a step failed or timed out: which of its container's limits it hit (out of memory, pids,
// a full /workspace or /tmp), so that the build says why rather than only "exit code 137".
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { LIMITS_PROBE, limitReason } from './build-confinement.js';
import { within } from './docker-engine.js';
import { FrameText } from './docker-frames.js';

const PROBE_WAIT_MS = 5_000;

/** The probe's output (run as root: it keeps what it saw where the build's user cannot rewrite it). */
async function probe(container: Docker.Container): Promise<string> {
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', LIMITS_PROBE],
    User: '0',
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
  const frames = new FrameText();
  let text = '';
  const done = (async () => {
    for await (const chunk of stream as AsyncIterable<Buffer>) text += frames.push(chunk);
    text += frames.end();
  })();
  await within(done, PROBE_WAIT_MS);
  stream.destroy();
  return text;
}

/** The limit the step just hit, as a reason for its log; null when none was, or the probe could not tell. */
export async function limitHit(container: Docker.Container): Promise<string | null> {
  try {
    const [info, text] = await Promise.all([container.inspect(), probe(container)]);
    return limitReason(text, {
      memoryBytes: info.HostConfig.Memory || undefined,
      pids: info.HostConfig.PidsLimit ?? undefined,
    });
  } catch {
    return null; // the exit code stays the only reason (an image without /bin/sh, a container gone)
  }
}
