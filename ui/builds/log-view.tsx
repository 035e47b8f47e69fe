import type { LogChunk } from '../../db/build-logs.js';
import { logAnchor } from '../jobs/links.js';
import { createAnsiParser, type AnsiParser, type LogSegment } from './ansi.js';

// A build's output on its page: one section per command (stage/step or hook), in the order they
// ran, each a <pre> of escaped text spans. log.js appends live chunks to the same structure.

export interface CommandLog {
  key: string;
  segments: LogSegment[];
}

/** Chunks grouped by command, each command's text through its own ANSI parser. */
export function groupLog(chunks: LogChunk[]): CommandLog[] {
  const groups = new Map<string, CommandLog & { parser: AnsiParser }>();
  for (const chunk of chunks) {
    let group = groups.get(chunk.commandKey);
    if (!group)
      groups.set(chunk.commandKey, (group = { key: chunk.commandKey, segments: [], parser: createAnsiParser() }));
    group.segments.push(...group.parser.feed(chunk.text));
  }
  return [...groups.values()].map(({ key, segments }) => ({ key, segments }));
}

export function Segments(props: { segments: LogSegment[] }) {
  return <>{props.segments.map(([text, classes]) => (classes ? <span class={classes}>{text}</span> : text))}</>;
}

export function LogView(props: { commands: CommandLog[] }) {
  return (
    <>
      {props.commands.map((command) => (
        <section class="log-command" id={logAnchor(command.key)} data-command={command.key}>
          <h3>{command.key}</h3>
          <pre class="log">
            <Segments segments={command.segments} />
          </pre>
        </section>
      ))}
    </>
  );
}
