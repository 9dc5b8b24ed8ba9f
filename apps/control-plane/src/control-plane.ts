import 'reflect-metadata';
import type { Tracer } from '@opentelemetry/api';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { migrate, openDatabase, redactUrl, type DatabaseHandle } from '@thoth/db';
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { AppModule } from './app.module.js';
import { ConfigDistribution } from '@thoth/contracts';
import { HealthService, startOpsServer, type OpsServer } from '@thoth/ops';
import { ConfigStreamListener, ConfigStreamServer, SnapshotCache, type ReceiptKeySink } from './distribution/index.js';
import type { ControlPlaneConfig } from './config/config.js';
import { EventNotifications } from './event-store/event-notifications.js';
import { DecisionIngestion, type InProcessDecisionFeed } from './modules/decisions/index.js';
import { ControlPlaneMetrics } from './ops/control-plane-metrics.js';
import { ControlPlaneReadiness, type ControlPlaneStatus } from './ops/readiness.js';
import { ProjectionRebuilder, type RebuildReport } from './event-store/projection-rebuilder.js';
import { type Clock, SystemClock } from './platform/clock/clock.js';
import { inspectLoginRole } from './platform/database/login-role.js';
import { limitByAddress, NestPinoLogger } from '@thoth/http';
import { secureServerOptions } from '@thoth/tls';
import { API_PREFIX } from './platform/openapi/openapi-document.js';
import { traceRequests } from './platform/telemetry/http-spans.js';

export type { ControlPlaneConfig } from './config/config.js';
export { loadConfig } from './config/config.js';
export { Clock } from './platform/clock/clock.js';
// For alert receivers: check a webhook alert's Thoth-Signature (docs/alerts.md).
export { verifyAlertSignature, type AlertSignatureCheck } from './modules/alerts/index.js';
export type { InProcessDecisionFeed } from './modules/decisions/index.js';
export type { ReceiptKeySink } from './distribution/index.js';

export interface ControlPlaneOptions {
  /** Share a database the caller opened (the embedded launcher's PGlite); closed by the caller. */
  database?: DatabaseHandle;
  clock?: Clock;
  logger?: Logger;
  /** Embedded mode: feed the decision read model from this in-process decision log instead of Kafka. */
  decisionFeed?: InProcessDecisionFeed;
  /** Embedded mode: publish the signed receipt key directory to the ledger in this process instead of Kafka. */
  receiptKeySink?: ReceiptKeySink;
  /** Default process metrics on its registry; default: when it serves an operations listener (the one-process launcher collects them once, on its own). */
  processMetrics?: boolean;
  /** Tracing on (docs/telemetry.md): spans of the HTTP API, the config stream and database calls; absent: none. */
  tracer?: Tracer;
}

export interface ControlPlane {
  /** `http(s)://host:port` the API listens on (`/v1/…`). */
  url: string;
  /** `host:port` of the config stream enforcers subscribe to (undefined: distribution not configured). */
  grpcAddress: string | undefined;
  /** Base64 of the public key snapshots and the receipt key directory are signed with (undefined: distribution not configured). */
  snapshotPublicKey: string | undefined;
  app: NestFastifyApplication;
  database: DatabaseHandle;
  notifications: EventNotifications;
  /** Its Prometheus metrics (served on the operations listener, or merged by the one-process launcher). */
  metrics: ControlPlaneMetrics;
  /** What /readyz answers: ready when the database answers. */
  status(): Promise<ControlPlaneStatus>;
  /** `http://host:port` of the operations listener (undefined: config.ops absent). */
  opsUrl: string | undefined;
  /** Rebuilds every read model from the event store (all tenants, or those named). */
  rebuildProjections(tenantIds?: readonly string[]): Promise<RebuildReport>;
  close(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Boots the control plane on an HTTP listener (port 0 picks a free one). */
export async function createControlPlane(config: ControlPlaneConfig, options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'control-plane' } });
  const database = options.database ?? (await openOwnDatabase(config.databaseUrl, options.tracer));
  if (config.migrate) {
    const report = await migrate(database.sql);
    logger.info({ database: redactUrl(config.databaseUrl), ...report }, 'migrations applied');
  }
  if (database.kind === 'postgres') {
    const login = await inspectLoginRole(database);
    if (login.concerns.length > 0) {
      logger.warn(
        { role: login.role, concerns: login.concerns },
        'the database login role is more than the app needs (queries still run as thoth_app); in production log in as a role that is only a member of thoth_app',
      );
    }
  }

  const adapter = new FastifyAdapter({
    ...(config.http.tls ? { https: secureServerOptions(config.http.tls) } : {}),
    bodyLimit: config.limits.bodyBytes,
    loggerInstance: logger.child({ component: 'http' }) as never,
    requestIdHeader: false,
    genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  if (options.tracer) traceRequests(adapter.getInstance() as never, options.tracer);
  adapter.getInstance().addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const clock = options.clock ?? new SystemClock();
  // The process's own metrics where they are served: a process of its own (tests start many control planes in one).
  const metrics = new ControlPlaneMetrics({ processMetrics: options.processMetrics ?? config.ops !== undefined });
  // Route templates (`/v1/agents/:agentId`), never raw paths: a bounded label.
  adapter.getInstance().addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
  const health = new HealthService([ConfigDistribution.typeName]);
  const readiness = new ControlPlaneReadiness(database, health);
  // Every request, per client address (IPv6 by /64), before routing and the API key's lookup.
  limitByAddress(adapter.getInstance(), { perMinute: config.rateLimit.perAddressPerMinute, now: () => clock.now().getTime() });
  // Secrets in query strings (report view links: ?token=thoth_vl.…) never reach the request log.
  adapter.getInstance().addHook('onRoute', (route) => {
    route.logSerializers = { ...route.logSerializers, req: loggedRequest };
  });

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({
      config,
      database,
      clock,
      logger,
      health,
      tracer: options.tracer,
      ...(options.decisionFeed ? { decisionFeed: options.decisionFeed } : {}),
      ...(options.receiptKeySink ? { receiptKeySink: options.receiptKeySink } : {}),
    }),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.setGlobalPrefix(API_PREFIX);
  metrics.attach({
    ...(config.distribution ? { snapshots: app.get(SnapshotCache), streams: app.get(ConfigStreamServer) } : {}),
    ingestion: app.get(DecisionIngestion),
    ready: () => readiness.ready,
    onLagError: (error) => logger.warn({ err: error }, 'could not measure the decision ingestion lag'),
  });
  // Listening before the API: an orchestrator sees the replica alive, and not ready until the database answers.
  let ops: OpsServer | undefined;
  if (config.ops) ops = await startOpsServer({ host: config.ops.host, port: config.ops.port, registry: metrics.registry, status: () => readiness.status() });
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await ops?.close();
    throw error;
  }
  readiness.start();
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `${config.http.tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const grpcAddress = config.distribution ? app.get(ConfigStreamListener).address : undefined;
  const snapshotPublicKey = config.distribution ? app.get(SnapshotCache).publicKey : undefined;
  logger.info({ url, grpc: grpcAddress, ops: ops?.url, database: database.kind }, 'control plane listening');

  const notifications = app.get(EventNotifications);
  return {
    url,
    grpcAddress,
    snapshotPublicKey,
    app,
    database,
    notifications,
    metrics,
    status: () => readiness.status(),
    opsUrl: ops?.url,
    rebuildProjections: (tenantIds) => app.get(ProjectionRebuilder).rebuildProjections(tenantIds),
    async close() {
      readiness.stop();
      await app.close();
      await ops?.close();
      await notifications.close();
      if (!options.database) await database.close();
    },
  };
}

/** Fastify's request log fields, with the values of `token` query parameters redacted. */
function loggedRequest(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

async function openOwnDatabase(url: string, tracer: Tracer | undefined): Promise<DatabaseHandle> {
  const dir = url.startsWith('pglite:') ? url.slice('pglite:'.length) : '';
  if (dir !== '' && dir !== 'memory') mkdirSync(dir, { recursive: true });
  return openDatabase({ url, tracer });
}
