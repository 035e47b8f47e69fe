import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ConfigHolder } from './config-holder.js';
import { watchConfig, type ConfigWatch } from './config-watch.js';

const service = (name: string) =>
  `services:\n  ${name}: { deploy: { "*": { type: docker, image: busybox, command: "true" } } }\n`;

let watch: ConfigWatch | null = null;
afterEach(() => watch?.close());

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('reloads once per burst of changes, also when an editor renames a new file over the old one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-watch-'));
  const file = join(dir, 'slipway.yml');
  writeFileSync(file, service('checkout'));
  const holder = new ConfigHolder(file);
  let reloads = 0;
  watch = watchConfig(
    holder,
    async () => {
      reloads++;
      holder.reload();
    },
    { debounceMs: 100 },
  );
  for (let i = 0; i < 5; i++) writeFileSync(file, service('search'));
  await until(() => Object.keys(holder.config.services).includes('search'), 'the reload');
  await new Promise((r) => setTimeout(r, 300));
  expect(reloads).toBe(1);

  writeFileSync(join(dir, 'slipway.yml.tmp'), service('payments'));
  renameSync(join(dir, 'slipway.yml.tmp'), file);
  await until(() => Object.keys(holder.config.services).includes('payments'), 'the reload after a rename');
});

it('keeps the configuration when the changed file is invalid', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-watch-'));
  const file = join(dir, 'slipway.yml');
  writeFileSync(file, service('checkout'));
  const holder = new ConfigHolder(file);
  const outcomes: unknown[] = [];
  watch = watchConfig(holder, async () => outcomes.push(holder.reload()), { debounceMs: 50 });
  writeFileSync(file, 'services: { checkout: { pipeline: nowhere } }\n');
  await until(() => outcomes.length === 1, 'the reload');
  expect(outcomes[0]).toMatchObject({ ok: false, kept: holder.current.version });
  expect(Object.keys(holder.config.services)).toEqual(['checkout']);
});
