import { mapDeploydbDirectory, mergeDeploydbSections } from '../domain/deploydb-config.js';
import { ConfigError } from './config-loader.js';
import { readDeploydbDirectory } from './deploydb-directory.js';

// `deploydb: { configDirectory }` in the Slipway file: the directory's sections are added to the
// raw configuration before it is validated, so one validation names every problem's path.

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `raw` with the DeployDB directory it names merged in; a malformed `deploydb:` is left to the schema. */
export function withDeploydbDirectory(raw: unknown, file: string, relativeTo: string): unknown {
  if (!isRecord(raw) || !isRecord(raw.deploydb) || typeof raw.deploydb.configDirectory !== 'string') return raw;
  const options = raw.deploydb;
  const read = readDeploydbDirectory(options.configDirectory as string, relativeTo);
  if (read.errors.length > 0)
    throw new ConfigError(
      read.errors.map((e) =>
        e.startsWith(`${options.configDirectory}:`) ? `${file}: deploydb.configDirectory: ${e}` : e,
      ),
    );
  const mapped = mapDeploydbDirectory(read.documents, {
    webhookBaseUrl: typeof options.webhookBaseUrl === 'string' ? options.webhookBaseUrl : undefined,
    webhookSecretEnv:
      typeof options.webhookSecretEnv === 'string' ? options.webhookSecretEnv : 'SLIPWAY_DEPLOYDB_WEBHOOK_SECRET',
    jenkinsServer: typeof options.jenkinsServer === 'string' ? options.jenkinsServer : undefined,
  });
  if (!mapped.ok) throw new ConfigError(mapped.errors);
  return mergeDeploydbSections(raw, mapped.sections);
}
