import { startTracing } from '@thoth/telemetry';
import { pino } from 'pino';
import { loadConfig } from './config/config.js';
import { startLedger } from './ledger.js';

// The ledger worker as its own process: DATABASE_URL, KAFKA_BROKERS and THOTH_LEDGER_SIGNING_KEY set.
const config = loadConfig();
const log = pino({ level: config.logLevel, base: { service: 'ledger' } });
const tracing = startTracing(config.tracing, '@thoth/ledger');
const ledger = await startLedger(config, log, {}, tracing.tracer ? { tracer: tracing.tracer } : {});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'shutting down');
    void ledger
      .stop()
      .then(() => tracing.shutdown())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
