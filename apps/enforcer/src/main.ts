// The enforcer as its own process: configuration first (fail fast), then serve.
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { channelCredentials } from '@thoth/grpc';
import { collectProcessMetrics } from '@thoth/ops';
import { startTracing } from '@thoth/telemetry';
import { secureServerOptions } from '@thoth/tls';
import { hostname } from 'node:os';
import { pino } from 'pino';
import { loadConfig } from './config/enforcer.config.js';
import type { DecisionLog } from './emit/decision-log.js';
import { InProcessDecisionLog } from './emit/in-process-decision-log.js';
import { KafkaDecisionLog } from './emit/kafka-decision-log.js';
import { startEnforcer } from './enforcer.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel, base: { app: 'enforcer' } });
const enforcerId = config.enforcerId ?? `${hostname()}-${process.pid}`;

let signingKey = config.signingKey;
if (!signingKey) {
  signingKey = generateSigningKey();
  logger.warn('THOTH_ENFORCER_SIGNING_KEY is not set: receipts are signed with a key generated for this process only');
}
const signer = signerFromSeed(signingKey);
const tracing = startTracing(config.tracing, '@thoth/enforcer');

const decisionLog: DecisionLog = config.kafka
  ? new KafkaDecisionLog({ connection: config.kafka.connection, topic: config.kafka.topic, bufferSize: config.decisionBufferSize, clientId: `thoth-enforcer-${enforcerId}`, logger, ...(tracing.tracer ? { tracer: tracing.tracer } : {}) })
  : new InProcessDecisionLog({ capacity: config.decisionBufferSize });

// TLS when configured (plaintext off loopback was refused by loadConfig); the config stream is
// mutual when a client certificate is given and the control plane asks for one.
const enforcer = await startEnforcer({
  enforcerId,
  listen: { host: config.grpc.host, port: config.grpc.port, ...(config.grpc.tls ? { tls: secureServerOptions(config.grpc.tls) } : {}) },
  http: config.http,
  ...(config.controlPlane
    ? {
        controlPlane: {
          address: config.controlPlane.address,
          token: config.controlPlane.token,
          tenantIds: config.controlPlane.tenantIds,
          credentials: channelCredentials(config.controlPlane.tls),
        },
      }
    : {}),
  trustedKeys: keyring(config.configPublicKeys.map((k) => verifierFromPublicKey(k))),
  signer,
  decisionLog,
  ...(config.snapshotDir ? { snapshotDir: config.snapshotDir } : {}),
  maxStalenessMs: config.maxStalenessMs,
  leaseWaitMs: config.leaseWaitMs,
  approvalTimeoutMs: config.approvalTimeoutMs,
  maxArgumentsBytes: config.maxArgumentsBytes,
  windowMaxKeys: config.windowMaxKeys,
  windowMaxKeysPerTenant: config.windowMaxKeysPerTenant,
  windowMaxKeysPerAgent: config.windowMaxKeysPerAgent,
  idempotency: config.idempotency,
  refusalsPerPeerPerMinute: config.refusalsPerPeerPerMinute,
  refusalLogLinesPerMinute: config.refusalLogLinesPerMinute,
  http2: config.http2,
  ...(config.kafka && config.fleet ? { fleet: { connection: config.kafka.connection, ...config.fleet } } : {}),
  logger,
  ...(tracing.tracer ? { tracer: tracing.tracer } : {}),
});
// The process's own (CPU, memory, event loop): once per process, so here rather than in startEnforcer.
collectProcessMetrics(enforcer.metrics.registry);
logger.info(
  { address: enforcer.address, tls: config.grpc.tls ? (config.grpc.tls.clientCa ? 'mutual' : 'server') : 'off', http: enforcer.httpUrl, receiptKeyId: signer.keyId },
  'enforcer ready to serve',
);

// Drills and tests pause the fleet fold on purpose, with no network surface: SIGUSR2 toggles it.
process.on('SIGUSR2', () => {
  if (enforcer.fleet?.togglePause() === undefined) logger.warn('SIGUSR2: no fleet consumer to pause');
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    enforcer
      .stop()
      .then(() => tracing.shutdown())
      .then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  });
}
