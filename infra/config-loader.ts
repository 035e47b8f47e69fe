import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import type { SlipwayConfig } from '../domain/config.js';
import { validateConfig } from '../domain/config-validate.js';
import { withDeploydbDirectory } from './deploydb-load.js';

export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid configuration:\n  ${errors.join('\n  ')}`);
  }
}

/** Reads and validates SLIPWAY_CONFIG; errors name the file, the path in it and the problem. */
export function loadConfig(file: string): SlipwayConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read: ${(err as Error).message}`]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): SlipwayConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(yaml)';
    throw new ConfigError([`${file}: ${where}: ${(err as Error).message.split('\n')[0]}`]);
  }
  const result = validateConfig(withDeploydbDirectory(raw, file, dirname(file)), file);
  if (!result.ok) throw new ConfigError(result.errors);
  return result.config;
}

/** For entry points: a bad configuration ends the process with its errors, not a stack trace. */
export function loadConfigOrExit(file: string): SlipwayConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
