import { createControlPlane, loadConfig as loadControlPlaneConfig, type ControlPlaneConfig } from '@thoth/control-plane';
import { PlaintextRefusedError } from '@thoth/tls';
import { migrate, openDatabase, redactUrl } from '@thoth/db';
import { InProcessDecisionLog, KafkaDecisionLog, startEnforcer, type DecisionLog, type RunningEnforcer } from '@thoth/enforcer/embedded';
import { InProcessReceiptKeys, inProcessSource, startLedger, type LedgerConfig } from '@thoth/ledger';
import { generateSignerKey, parseSignerKey, verifierFromSigner } from '@thoth/merkle';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ThothConfig } from './config/config.js';
import { readDemoKeys, writeDemoFile, type DemoFile, type DemoKeys } from './demo/demo-file.js';
import { demoKeysValid, seedDemoTenant } from './demo/seed.js';
import { ensureDecisionsTopic, StartupError } from './kafka/decisions-topic.js';
import { createLogger, logFormat } from './log/logger.js';
import { startLauncherOps } from './ops/launcher-ops.js';

// The one-process Thoth: control plane, an enforcer and the ledger. With no configuration:
// PGlite under .thoth/ and the enforcer's in-process decision log feeding the ledger's fold in
// place of Kafka, seeded with a demo tenant. With DATABASE_URL and KAFKA_BROKERS set, the same
// code runs on Postgres with decisions through Kafka, and no demo tenant (each app can also run alone:
// apps/*/src/main.ts).

/** Stops before anything started, with one line that says why (no stack trace). */
function stopAtStart(error: Error): never {
  process.stderr.write(`thoth: ${error.message}\n`);
  process.exit(1);
}

let config: ThothConfig;
let controlPlaneConfig: ControlPlaneConfig;
try {
  config = loadConfig();
  controlPlaneConfig = loadControlPlaneConfig();
} catch (error) {
  const invalid = error instanceof Error && (error as { code?: unknown }).code === 'config.invalid';
  if (invalid || error instanceof ConfigError || error instanceof PlaintextRefusedError) stopAtStart(error as Error);
  throw error;
}
const log = createLogger({ level: config.logLevel, format: logFormat(config.logFormat, process.stdout) });

// With Kafka, the decisions topic exists before the ledger and the control plane subscribe.
if (config.kafka) {
  await ensureDecisionsTopic(config.kafka, { topic: config.decisionsTopic, ...config.decisionsTopicSpec }, log).catch((error: unknown) => {
    if (error instanceof StartupError) stopAtStart(error);
    throw error;
  });
}

mkdirSync(config.dataDir, { recursive: true });
const database = await openDatabase({ url: config.databaseUrl });
const migrations = await migrate(database.sql);
log.info({ database: redactUrl(config.databaseUrl), kind: database.kind, ...migrations }, 'database ready');

// Decisions leave the enforcer through Kafka (KAFKA_BROKERS) or the in-process log; the ledger
// and the control plane's decision read model both subscribe, before anything is decided.
const enforcerLog = log.child({ component: 'enforcer' });
const decisionLog: DecisionLog = config.kafka
  ? new KafkaDecisionLog({ connection: config.kafka, topic: config.decisionsTopic, bufferSize: 100_000, clientId: 'thoth-embedded-enforcer', logger: enforcerLog })
  : new InProcessDecisionLog({ capacity: 100_000, onDrop: (dropped) => enforcerLog.error({ dropped }, 'in-process decision log full: decision dropped') });

// Without Kafka the control plane hands its signed receipt key directory to the ledger in this
// process; the ledger checks each record's signature as it would the topic's.
const receiptKeys = decisionLog instanceof InProcessDecisionLog ? new InProcessReceiptKeys() : undefined;
const controlPlane = await createControlPlane(
  // The control plane's own operations listener is replaced by the launcher's one (below).
  { ...controlPlaneConfig, databaseUrl: config.databaseUrl, migrate: false, ops: undefined },
  {
    database,
    processMetrics: false,
    logger: log.child({ component: 'control-plane' }),
    // With Kafka the control plane consumes thoth.decisions itself (KAFKA_BROKERS is in its config too).
    ...(decisionLog instanceof InProcessDecisionLog ? { decisionFeed: decisionLog } : {}),
    ...(receiptKeys ? { receiptKeySink: receiptKeys } : {}),
  },
);
// The key the control plane signs snapshots and the receipt key directory with (loadConfig always configures distribution).
const controlPlanePublicKey = controlPlane.snapshotPublicKey;
if (controlPlanePublicKey === undefined) throw new Error('the control plane has no snapshot key: distribution is not configured');

/** A key kept in the data directory (0600), generated on first start. */
function keyFile(name: string, generate: () => string): string {
  const path = join(config.dataDir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const key = generate();
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return key;
}

// The ledger: subscribed before the enforcer decides anything.
const ledgerSigner = parseSignerKey(config.ledger.signingKey ?? keyFile('ledger-signing.key', () => generateSignerKey('thoth-ledger')));
if (!ledgerSigner.ok) throw new Error(`ledger signing key: ${ledgerSigner.reason}`);
const ledgerConfig: LedgerConfig = {
  databaseUrl: config.databaseUrl,
  databasePoolSize: 6,
  kafka: {
    connection: config.kafka ?? { brokers: [] },
    topic: config.decisionsTopic,
    groupId: config.ledger.group,
    sessionTimeoutMs: 30_000,
    concurrentPartitions: 3,
    receiptKeysTopic: config.receiptKeysTopic,
  },
  configPublicKeys: [controlPlanePublicKey],
  signer: ledgerSigner.value,
  originPrefix: 'thoth.dev/ledger',
  anchorDir: join(config.dataDir, 'anchor'),
  checkpointIntervalMs: 250,
  http: { host: config.host, port: config.ledger.httpPort, ...(config.ledger.tls ? { tls: config.ledger.tls } : {}) },
  logLevel: config.logLevel === 'silent' ? 'fatal' : config.logLevel,
};
const ledger = await startLedger(ledgerConfig, log.child({ component: 'ledger' }), {}, {
  database,
  processMetrics: false,
  ...(decisionLog instanceof InProcessDecisionLog ? { source: inProcessSource(decisionLog) } : {}),
  ...(receiptKeys ? { receiptKeys: receiptKeys.source() } : {}),
});
const ledgerVerifierKey = verifierFromSigner(ledgerSigner.value);

// The demo tenant, created through the API on first start and kept in demo.json.
const demoPath = join(config.dataDir, 'demo.json');
let demo: DemoKeys | undefined;
if (config.seedDemo) {
  const earlier = readDemoKeys(demoPath);
  demo = earlier && (await demoKeysValid(controlPlane.url, earlier)) ? earlier : await seedDemoTenant(controlPlane.url);
  log.info({ tenantId: demo.tenantId, reused: demo === earlier }, earlier === demo ? 'demo tenant reused' : 'demo tenant created');
}

// The enforcer, on the demo tenant's config stream.
let enforcer: RunningEnforcer | undefined;
if (demo && controlPlane.grpcAddress) {
  enforcer = await startEnforcer({
    enforcerId: demo.enforcerRegistration.name,
    listen: { host: config.host, port: config.enforcer.grpcPort },
    controlPlane: { address: controlPlane.grpcAddress, token: demo.enforcerRegistration.token, tenantIds: [] },
    trustedKeys: keyring([verifierFromPublicKey(controlPlanePublicKey)]),
    signer: signerFromSeed(config.enforcer.signingKey ?? keyFile('enforcer-signing.key', generateSigningKey)),
    decisionLog,
    snapshotDir: join(config.dataDir, 'snapshots'),
    logger: enforcerLog,
  });
} else {
  log.warn(
    config.mode === 'production' || config.kafka
      ? 'no enforcer in this process: production wiring has no demo tenant (register an enforcer and run apps/enforcer)'
      : 'no enforcer in this process: THOTH_DEMO=false (register one and run apps/enforcer)',
  );
}

// /healthz, /readyz and /metrics of every part at once, when THOTH_OPS_PORT is set.
const ops = config.ops ? await startLauncherOps(config.ops, { controlPlane, ledger, ...(enforcer ? { enforcer } : {}) }) : undefined;

if (demo && enforcer && ledger.url) {
  const file: DemoFile = { version: 1, api: controlPlane.url, enforcer: enforcer.address, ledger: ledger.url, ledgerVerifierKey, ...demo };
  writeDemoFile(demoPath, file);
}

log.info(
  {
    mode: config.mode,
    api: `${controlPlane.url}/v1`,
    openapi: `${controlPlane.url}/v1/openapi.json`,
    configStream: controlPlane.grpcAddress,
    enforcer: enforcer?.address,
    ledger: ledger.url,
    ops: ops?.url,
    demoTenant: demo?.tenantId,
    decisionLog: config.kafka ? 'kafka' : 'in-process',
    pid: process.pid,
  },
  'thoth is up',
);
process.stdout.write(banner());

function banner(): string {
  const where = config.mode === 'embedded' ? `embedded: PGlite in ${join(config.dataDir, 'pgdata')}` : `production wiring: ${redactUrl(config.databaseUrl)}`;
  const lines = [
    '',
    `  Thoth is up (${where}; decisions via ${config.kafka ? `Kafka topic ${config.decisionsTopic}` : 'the in-process decision log'})`,
    '',
    `  API             ${controlPlane.url}/v1   (OpenAPI at ${controlPlane.url}/v1/openapi.json)`,
    `  Enforcer        ${enforcer?.address ?? '(none)'}   (gRPC Decide / DecideStream for agent SDKs)`,
    `  Ledger API      ${ledger.url ?? '(off)'}/v1`,
    `  Config stream   ${controlPlane.grpcAddress ?? '(off)'}`,
    `  Ledger key      ${ledgerVerifierKey}   (verify evidence offline with it)`,
  ];
  if (demo) {
    lines.push(
      '',
      `  Demo tenant     ${demo.tenantId}   (agent ${demo.agent.name})`,
      // Secrets stay out of what is printed (a log collector keeps it): they are in the file.
      `  Demo keys       ${demoPath}   (mode 0600: the admin API key, the agent token)`,
      '',
      '  Replay the incident, in a second terminal:  bash infra/local/bootstrap.sh pnpm demo',
    );
  }
  return `${lines.join('\n')}\n\n`;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // The enforcer drains its decision log into the ledger before the ledger signs its last checkpoint.
    void (async () => {
      await ops?.close();
      await enforcer?.stop({ drainTimeoutMs: 5_000 });
      await ledger.stop();
      await controlPlane.close();
      await database.close();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
