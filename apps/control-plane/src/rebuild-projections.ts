import { redactUrl } from '@thoth/db';
import { pino } from 'pino';
import { loadConfig } from './config/config.js';
import { loadMigrateConfig } from './config/migrate-config.js';
import { createControlPlane } from './control-plane.js';

// After a restore (docs/backup-restore.md), or whenever a read model is in doubt: every tenant's
// read models emptied and replayed from the event store, tenant by tenant, then exit 0. It needs
// only DATABASE_URL (a member of thoth_app: the rebuild runs under each tenant's RLS scope) and
// optionally THOTH_LOG_LEVEL, like the migration step; its listeners are loopback-only, on free ports.
const { databaseUrl, logLevel } = loadMigrateConfig();
const logger = pino({ level: logLevel, base: { service: 'control-plane', component: 'rebuild-projections' } });
const config = loadConfig({
  DATABASE_URL: databaseUrl,
  THOTH_LOG_LEVEL: logLevel,
  THOTH_MIGRATE: 'false',
  THOTH_HTTP_HOST: '127.0.0.1',
  THOTH_HTTP_PORT: '0',
  THOTH_OPS_HOST: '127.0.0.1',
  THOTH_OPS_PORT: '0',
});
const controlPlane = await createControlPlane(config, { logger });
try {
  const report = await controlPlane.rebuildProjections();
  logger.info({ database: redactUrl(databaseUrl), ...report }, 'projections rebuilt from the event store');
} finally {
  await controlPlane.close();
}
