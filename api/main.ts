// An API process for production: stateless, any number of replicas behind a load balancer.
import { openDatabase } from '../db/client.js';
import { ensureAdminToken } from '../db/tokens.js';
import { loadConfigHolderOrExit } from '../infra/config-holder.js';
import { recordConfigAtStart, reloadConfig } from '../infra/config-record.js';
import { watchConfig } from '../infra/config-watch.js';
import { readEnv } from '../infra/env.js';
import { logger } from '../infra/logger.js';
import { apiDepsFromEnv, connectTemporal, serveApi } from '../infra/runtime.js';
import { setupTelemetry } from '../infra/telemetry.js';

const env = readEnv();
setupTelemetry({ serviceName: 'slipway-api', otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
const configHolder = loadConfigHolderOrExit(env.SLIPWAY_CONFIG);
if (!env.TEMPORAL_ADDRESS)
  throw new Error('TEMPORAL_ADDRESS is required for a separate API process (npm start runs an embedded one)');
const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.SLIPWAY_DATA_DIR });
const admin = await ensureAdminToken(database.db, env.SLIPWAY_ADMIN_TOKEN);
if (admin.created && admin.token && !env.SLIPWAY_ADMIN_TOKEN)
  logger.warn('an admin token was generated; create your own with `npm run slipway -- token create` and revoke it');
if (admin.revokedValue) logger.warn('SLIPWAY_ADMIN_TOKEN names a revoked token: it is not accepted; set a new value');
await recordConfigAtStart(database.db, configHolder);
const configWatch = watchConfig(configHolder, () => reloadConfig(database.db, configHolder, 'file-watch'));
const temporal = await connectTemporal(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE);
const api = await serveApi(
  apiDepsFromEnv(env, { database, temporal, configHolder, temporalUiUrl: env.TEMPORAL_UI_URL ?? null }),
  env.PORT,
  env.HOST,
);
logger.info({ url: api.url }, 'API listening');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(
    signal,
    () =>
      void api
        .close()
        .then(() => configWatch.close())
        .then(() => Promise.all([database.close(), temporal.close()]))
        .then(() => process.exit(0)),
  );
}
