import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerCommand } from './worker-command.js';

const withScript = (worker: string) => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-worker-command-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { worker } }));
  return dir;
};

describe('workerCommand', () => {
  it('splits the npm script into environment assignments and node arguments', () => {
    expect(
      workerCommand(withScript('MALLOC_ARENA_MAX=2 A_B=x=y node --max-old-space-size=384 --import tsx worker/main.ts')),
    ).toEqual({
      env: { MALLOC_ARENA_MAX: '2', A_B: 'x=y' },
      args: ['--max-old-space-size=384', '--import', 'tsx', 'worker/main.ts'],
    });
  });

  it('refuses a script that starts a wrapper instead of node', () => {
    expect(() => workerCommand(withScript('tsx worker/main.ts'))).toThrow(/run node directly/);
  });

  it("reads the repository's own script", () => {
    expect(workerCommand().args).toContain('worker/main.ts');
  });
});
