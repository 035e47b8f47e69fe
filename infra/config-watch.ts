import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ConfigHolder } from './config-holder.js';
import { logger } from './logger.js';

// Reloads the configuration when its file (or the DeployDB directory it names) changes. The file's
// directory is watched, not the file: editors save by renaming a new file over the old one, which
// ends a watch on the file itself. Bursts of events (one save is several) wait for a quiet moment.

export interface ConfigWatch {
  close(): void;
}

export function watchConfig(
  holder: ConfigHolder,
  reload: () => Promise<unknown>,
  opts: { debounceMs?: number } = {},
): ConfigWatch {
  const debounceMs = opts.debounceMs ?? 300;
  let timer: NodeJS.Timeout | null = null;
  let running = Promise.resolve();
  const fire = () => {
    timer = null;
    running = running
      .then(() => reload())
      .then(
        () => rewatch(),
        (err: unknown) => logger.error({ err }, 'configuration reload failed'),
      );
  };
  const changed = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };
  let watchers: FSWatcher[] = [];
  let watched = '';
  // The DeployDB directory may change with the file: watch what the current configuration names.
  function rewatch() {
    const [file, ...dirs] = holder.watchedPaths();
    const key = [file, ...dirs].join('\n');
    if (key === watched) return;
    for (const w of watchers) w.close();
    const name = basename(file!);
    watchers = [
      watch(dirname(file!), (_event, changedName) => {
        if (changedName === null || changedName === name) changed();
      }),
      ...dirs.map((dir) => watch(dir, { recursive: true }, changed)),
    ];
    for (const w of watchers) w.on('error', (err) => logger.warn({ err }, 'configuration watch failed'));
    watched = key;
  }
  rewatch();
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
