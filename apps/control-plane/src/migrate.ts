import { migrate, openDatabase, redactUrl } from '@thoth/db';
import { pino } from 'pino';
import { loadMigrateConfig } from './config/migrate-config.js';

// The migration step on its own (the image's migrate.js, the chart's migration Job): every
// committed migration applied, then exit 0; the services then start with THOTH_MIGRATE=false.
const config = loadMigrateConfig();
const logger = pino({ level: config.logLevel, base: { service: 'control-plane', component: 'migrate' } });
const database = await openDatabase({ url: config.databaseUrl, maxConnections: 1 });
try {
  const report = await migrate(database.sql);
  logger.info({ database: redactUrl(config.databaseUrl), ...report }, 'migrations applied');
} finally {
  await database.close();
}
