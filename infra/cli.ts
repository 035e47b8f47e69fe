// `npm run slipway -- <command>`: administration that works without the API running.
import { Command } from 'commander';
import { openDatabase } from '../db/client.js';
import { rebuildEnvironmentRecord } from '../db/record-rebuild.js';
import { createToken, listTokens, revokeToken } from '../db/tokens.js';
import { isValidScope } from '../domain/scopes.js';
import { loadConfig } from './config-loader.js';
import { readEnv } from './env.js';

const env = readEnv();
const program = new Command('slipway').description('Slipway administration');
const withDb = async <T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>) => {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.SLIPWAY_DATA_DIR, max: 1 });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
};

const token = program.command('token').description('API tokens');
token
  .command('create')
  .requiredOption('--name <name>', 'who uses it (shown as the actor)')
  .requiredOption(
    '--scopes <scopes>',
    'comma-separated: read, deploy:request, deploy:report, deploy:approve[:<service>], admin',
  )
  .action(async (opts: { name: string; scopes: string }) => {
    const scopes = opts.scopes
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = scopes.filter((s) => !isValidScope(s));
    if (bad.length) program.error(`--scopes: unknown scope ${bad.join(', ')}`);
    const { token: secret, info } = await withDb((db) => createToken(db, opts.name, scopes, 'cli'));
    process.stdout.write(`${JSON.stringify({ id: info.id, name: info.name, scopes: info.scopes, token: secret })}\n`);
  });
token.command('list').action(async () => {
  for (const t of await withDb(listTokens))
    process.stdout.write(`${t.id}  ${t.name}  ${t.scopes.join(',')}  ${t.revokedAt ? 'revoked' : 'active'}\n`);
});
token
  .command('revoke')
  .argument('<id>')
  .action(async (id: string) => {
    if (!(await withDb((db) => revokeToken(db, id, 'cli')))) program.error(`no active token ${id}`);
    process.stdout.write(`revoked ${id}\n`);
  });
program
  .command('check-config')
  .argument('[file]', 'configuration file', env.SLIPWAY_CONFIG)
  .action((file: string) => {
    loadConfig(file);
    process.stdout.write(`${file}: ok\n`);
  });

program
  .command('rebuild-record')
  .description('rebuild the environment x version record (/v1/matrix) from the stored deployments; idempotent')
  .action(async () => {
    const count = await withDb(rebuildEnvironmentRecord);
    process.stdout.write(`record rebuilt from ${count} deployments\n`);
  });

await program.parseAsync();
