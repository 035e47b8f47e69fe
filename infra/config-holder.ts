import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { SlipwayConfig } from '../domain/config.js';
import { ConfigError, loadConfig } from './config-loader.js';
import { deploydbRoot } from './deploydb-directory.js';

// The one place a process reads its configuration from. The API and the worker hold the holder,
// not a configuration: a reload swaps what `config` returns for every request that starts after
// it. Running deployments are not affected: each carries the plan it was requested with.

export interface LoadedConfig {
  config: SlipwayConfig;
  /** Content hash of the validated configuration (the DeployDB directory's content included). */
  version: string;
  /** The file, and the DeployDB directory it names. */
  source: string;
  loadedAt: string;
}

export type ReloadOutcome =
  { ok: true; changed: boolean; before: string; after: string } | { ok: false; errors: string[]; kept: string };

/** Object keys sorted at every level, so equal configurations hash alike whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
  );
}

export function configVersion(config: SlipwayConfig): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, 16);
}

function sourceOf(file: string, config: SlipwayConfig): string {
  const dir = config.deploydb?.configDirectory;
  return dir ? `${file} + ${deploydbRoot(dir, dirname(file))}` : file;
}

export class ConfigHolder {
  private loaded: LoadedConfig;

  /** Loads `file`; a bad file throws ConfigError (entry points exit, as before). */
  constructor(readonly file: string) {
    this.loaded = ConfigHolder.read(file);
  }

  private static read(file: string): LoadedConfig {
    const config = loadConfig(file);
    return {
      config,
      version: configVersion(config),
      source: sourceOf(file, config),
      loadedAt: new Date().toISOString(),
    };
  }

  get current(): LoadedConfig {
    return this.loaded;
  }

  get config(): SlipwayConfig {
    return this.loaded.config;
  }

  /** Where a file watch must look: the Slipway file and the DeployDB directory it names. */
  watchedPaths(): string[] {
    const dir = this.loaded.config.deploydb?.configDirectory;
    return dir ? [this.file, deploydbRoot(dir, dirname(this.file))] : [this.file];
  }

  /** Reads the file again; a refused file leaves the current configuration in place. */
  reload(): ReloadOutcome {
    const before = this.loaded.version;
    let next: LoadedConfig;
    try {
      next = ConfigHolder.read(this.file);
    } catch (err) {
      if (err instanceof ConfigError) return { ok: false, errors: err.errors, kept: before };
      throw err;
    }
    if (next.version === before) return { ok: true, changed: false, before, after: before };
    this.loaded = next;
    return { ok: true, changed: true, before, after: next.version };
  }
}

/** For entry points: a bad configuration ends the process with its errors, not a stack trace. */
export function loadConfigHolderOrExit(file: string): ConfigHolder {
  try {
    return new ConfigHolder(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
