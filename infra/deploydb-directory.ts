import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import { deploydbKinds, type DeploydbDocument } from '../domain/deploydb-config.js';

// Reads a DeployDB configuration directory as DeployDB laid it out: one subdirectory per kind, one
// YAML file per ident (the file name without .yml/.yaml). A missing subdirectory is an empty kind.

export interface DirectoryRead {
  documents: DeploydbDocument[];
  errors: string[];
}

/** `directory` as configured (relative to the Slipway file's directory when not absolute). */
export function readDeploydbDirectory(directory: string, relativeTo: string): DirectoryRead {
  const root = isAbsolute(directory) ? directory : resolve(relativeTo, directory);
  const documents: DeploydbDocument[] = [];
  const errors: string[] = [];
  try {
    readdirSync(root);
  } catch (err) {
    return {
      documents,
      errors: [`${directory}: cannot read the DeployDB configuration directory: ${(err as Error).message}`],
    };
  }
  for (const kind of deploydbKinds) {
    let names: string[];
    try {
      names = readdirSync(join(root, kind)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!['.yml', '.yaml'].includes(extname(name))) continue;
      const file = join(directory, kind, name);
      try {
        documents.push({
          kind,
          ident: basename(name, extname(name)),
          file,
          doc: parse(readFileSync(join(root, kind, name), 'utf8')),
        });
      } catch (err) {
        const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(yaml)';
        errors.push(`${file}: ${where}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }
  return { documents, errors };
}

/** Where a file watch must look besides the Slipway file itself. */
export function deploydbRoot(directory: string, relativeTo: string): string {
  return isAbsolute(directory) ? directory : resolve(relativeTo, directory);
}
