import { migrate, openDatabase, redactUrl } from '@thoth/db';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { pino } from 'pino';
import { loadConfig } from './config/config.js';

// The one-process Thoth. Today it brings up what exists — the database with its
// migrations — and reports the rest as not built yet; the control plane, enforcer and
// ledger join this process as their issues land.
const config = loadConfig();
const log = pino({ level: config.logLevel, base: { service: 'thoth' } });

if (config.mode === 'embedded') mkdirSync(config.dataDir, { recursive: true });
const database = await openDatabase({ url: config.databaseUrl });
const migrations = await migrate(database.sql);
log.info({ database: redactUrl(config.databaseUrl), kind: database.kind, ...migrations }, 'database ready');

const status = {
  mode: config.mode,
  database: database.kind,
  decisionLog: config.kafkaBrokers ? 'kafka' : 'in-process',
  components: { controlPlane: 'not built yet', enforcer: 'not built yet', ledger: 'not built yet' },
};

const server = createServer((request, response) => {
  const healthy = request.url === '/healthz';
  response.writeHead(healthy ? 200 : 404, { 'content-type': 'application/json' });
  response.end(JSON.stringify(healthy ? { status: 'ok', ...status } : { code: 'not_found' }));
});
server.listen(config.http.port, config.http.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  log.info({ url: `http://${config.http.host}:${port}`, ...status }, 'thoth is up');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    server.close();
    void database.close().then(() => process.exit(0));
  });
}
