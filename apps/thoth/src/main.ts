import { createControlPlane, loadConfig as loadControlPlaneConfig } from '@thoth/control-plane';
import { migrate, openDatabase, redactUrl } from '@thoth/db';
import { mkdirSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from './config/config.js';

// The one-process Thoth. With no configuration: PGlite under .thoth/ and the control
// plane's REST API; the enforcer and the ledger join this process as their issues land.
// With DATABASE_URL set, the same code runs against Postgres.
const config = loadConfig();
const log = pino({ level: config.logLevel, base: { service: 'thoth' } });

if (config.mode === 'embedded') mkdirSync(config.dataDir, { recursive: true });
const database = await openDatabase({ url: config.databaseUrl });
const migrations = await migrate(database.sql);
log.info({ database: redactUrl(config.databaseUrl), kind: database.kind, ...migrations }, 'database ready');

const controlPlane = await createControlPlane(
  { ...loadControlPlaneConfig(), databaseUrl: config.databaseUrl, migrate: false },
  { database, logger: log.child({ component: 'control-plane' }) },
);
log.info(
  {
    mode: config.mode,
    api: `${controlPlane.url}/v1`,
    openapi: `${controlPlane.url}/v1/openapi.json`,
    decisionLog: config.kafkaBrokers ? 'kafka' : 'in-process',
  },
  'thoth is up',
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    void controlPlane
      .close()
      .then(() => database.close())
      .then(() => process.exit(0));
  });
}
