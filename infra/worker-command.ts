import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The command line of `npm run worker` (package.json): its leading VAR=value assignments and its
 * `node` arguments. Tests and benches start workers with it, so they run the worker exactly as
 * production starts it (heap bounds, allocator settings).
 */
export function workerCommand(root = process.cwd()): { env: Record<string, string>; args: string[] } {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts.worker;
  if (!script) throw new Error('package.json has no "worker" script');
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  if (words.shift() !== 'node')
    throw new Error(`the "worker" script must run node directly, not through a wrapper process: ${script}`);
  return { env, args: words };
}
