import type { Tracer } from '@opentelemetry/api';
import { type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { EventsHandler, type IEventHandler, QueryBus } from '@nestjs/cqrs';
import { Server } from '@grpc/grpc-js';
import { Health } from '@thoth/contracts/health';
import { addService, serverCredentials } from '@thoth/grpc';
import type { HealthService } from '@thoth/ops';
import type { Signer } from '@thoth/snapshot';
import type { ListenerTls } from '@thoth/tls';
import type { Logger } from 'pino';
import type { DistributionConfig } from '../config/config.js';
import { EventNotifications } from '../event-store/event-notifications.js';
import { EventRecorded } from '../event-store/event-store.js';
import { AgentsModule, AgentsRepository } from '../modules/agents/index.js';
import { ApprovalDesk } from '../modules/approvals/index.js';
import { BaselinesRepository, CredentialGovernanceModule } from '../modules/credential-governance/index.js';
import { CredentialsModule, CredentialsRepository } from '../modules/credentials/index.js';
import {
  EnforcerDecommissioned,
  EnforcerReceiptKeyAnnounced,
  type EnforcerAuthenticator,
  enforcerOfStream,
  EnforcerStatusRecorder,
  EnforcerTokenAuthenticator,
  EnforcersModule,
  ListEnforcersQuery,
} from '../modules/enforcers/index.js';
import { PoliciesModule, PoliciesRepository } from '../modules/policies/index.js';
import { TenantsRepository, TenantsModule } from '../modules/tenants/index.js';
import { TenantDatabase } from '../platform/database/tenant-database.js';
import { CONTROL_PLANE_RECEIPT_KEY, GRPC_HEALTH, LOGGER, TRACER } from '../platform/tokens.js';
import type { AnnouncedKey } from '@thoth/snapshot';
import { DistributionController } from './api/distribution.controller.js';
import { CONFIG_STREAM_SERVER_OPTIONS, ConfigStreamServer } from './config-stream-server.js';
import { LeaseCoordinator, leaseLimit } from './leases/lease-coordinator.js';
import { StrictLimitLeaseRepository } from './leases/strict-limit-lease.repository.js';
import { QueuedStatusSink } from './queued-status-sink.js';
import { kafkaReceiptKeySink, ReceiptKeyPublisher, type ReceiptKeySink } from './receipt-key-publisher.js';
import { SnapshotBuilder } from './snapshot-builder.js';
import { SnapshotCache } from './snapshot-cache.js';
import { loadSnapshotSigner, SNAPSHOT_SIGNER } from './snapshot-signing-key.js';
import { affectsSnapshot, SnapshotVersionRepository } from './snapshot-version.repository.js';

const DISTRIBUTION_CONFIG = Symbol('DistributionConfig');
/** Served tenants are rebuilt this often anyway, in case a NOTIFY was lost on a reconnect. */
const RESYNC_INTERVAL_MS = 60_000;

/** This replica's own appends: rebuild at once (other replicas hear of them through NOTIFY). */
@EventsHandler(EventRecorded)
export class SnapshotTrigger implements IEventHandler<EventRecorded> {
  constructor(@Inject(SnapshotBuilder) private readonly builder: SnapshotBuilder) {}

  handle({ record }: EventRecorded): void {
    if (affectsSnapshot(record.type)) this.builder.changed(record.tenantId);
  }
}

/** The gRPC listener of the config stream, started with the app and stopped before it. */
@Injectable()
export class ConfigStreamListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #server: Server | undefined;
  #address: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(
    @Inject(DISTRIBUTION_CONFIG) private readonly config: DistributionConfig,
    @Inject(ConfigStreamServer) private readonly streams: ConfigStreamServer,
    @Inject(SnapshotBuilder) private readonly builder: SnapshotBuilder,
    @Inject(QueuedStatusSink) private readonly status: QueuedStatusSink,
    @Inject(EventNotifications) private readonly notifications: EventNotifications,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(GRPC_HEALTH) private readonly health: HealthService | null,
  ) {}

  /** `host:port` enforcers connect to (THOTH_CONTROL_PLANE_GRPC). */
  get address(): string {
    if (!this.#address) throw new Error('the config stream listener is not started');
    return this.#address;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Every replica hears of every event, its own included (LISTEN/NOTIFY).
    this.#unsubscribe = this.notifications.subscribe((n) => {
      if (affectsSnapshot(n.type)) this.builder.changed(n.tenantId);
      const enforcerId = n.type === EnforcerDecommissioned.type ? enforcerOfStream(n.streamId) : undefined;
      if (enforcerId !== undefined) this.streams.decommissioned(enforcerId);
    });
    this.#resync = setInterval(() => this.builder.resync(), RESYNC_INTERVAL_MS);
    this.#resync.unref();
    const server = new Server(CONFIG_STREAM_SERVER_OPTIONS);
    this.streams.register(server);
    // grpc.health.v1 beside it, as on the enforcer's server: SERVING while the database answers.
    if (this.health) addService(server, Health, this.health.handlers(), { onUnexpectedError: (error) => this.logger.error({ err: error }, 'health service: unexpected error') });
    const { host, port } = this.config.grpc;
    // With a client CA, an enforcer without a certificate it signed fails the handshake, before its
    // token is read (docs/security.md, "Transport security (TLS)").
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${port}`, serverCredentials(this.config.grpc.tls), (error, p) => (error ? reject(error) : resolve(p))),
    );
    this.#server = server;
    this.#address = `${host.includes(':') ? `[${host}]` : host}:${bound}`;
    this.logger.info({ grpc: this.#address, tls: tlsMode(this.config.grpc.tls) }, 'config stream listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#unsubscribe?.();
    clearInterval(this.#resync);
    const server = this.#server;
    this.#server = undefined;
    if (server) {
      // Ending the streams lets each enforcer reconnect (elsewhere) and keep its last good snapshot.
      this.streams.closeAll();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    await this.builder.close();
    // Reports already taken (ACKs) are written before the database closes, within reason.
    await Promise.race([this.status.idle(), new Promise((r) => setTimeout(r, 2_000).unref())]);
  }
}

const tlsMode = (tls: ListenerTls | undefined) => (tls ? (tls.clientCa ? 'mutual' : 'server') : 'off');

/**
 * Keeps the receipt key directory the ledger reads current (ReceiptKeyPublisher): every tenant at
 * start and each resync, a tenant again whenever any replica records a key or a decommission of it.
 * Absent (undefined) when there is nowhere to publish (no Kafka, no embedded ledger).
 */
@Injectable()
export class ReceiptKeyDirectoryListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #unsubscribe: (() => void) | undefined;
  #resync: NodeJS.Timeout | undefined;

  constructor(
    @Inject(ReceiptKeyPublisher) private readonly publisher: ReceiptKeyPublisher | null,
    @Inject(EventNotifications) private readonly notifications: EventNotifications,
  ) {}

  onApplicationBootstrap(): void {
    const publisher = this.publisher;
    if (!publisher) return;
    this.#unsubscribe = this.notifications.subscribe((n) => {
      if (n.type === EnforcerReceiptKeyAnnounced.type || n.type === EnforcerDecommissioned.type) publisher.changed(n.tenantId);
    });
    void publisher.resync();
    this.#resync = setInterval(() => void publisher.resync(), RESYNC_INTERVAL_MS);
    this.#resync.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#unsubscribe?.();
    clearInterval(this.#resync);
    await this.publisher?.close();
  }
}

/**
 * Config distribution (docs/architecture.md, "Config push"): the snapshot builder keeps the cache of
 * the tenants served here current from the read models; the config stream server pushes
 * it over gRPC to enforcers, which authenticate with their token and whose ACK/NACK and
 * heartbeats become the enforcers context's commands. The public key is on the REST API.
 */
@Module({})
export class DistributionModule {
  /** `receiptKeySink`: where the signed receipt key directory goes in embedded mode (the ledger in this process). */
  static forRoot(config: DistributionConfig, options: { receiptKeySink?: ReceiptKeySink } = {}): DynamicModule {
    return {
      module: DistributionModule,
      imports: [TenantsModule, AgentsModule, CredentialsModule, PoliciesModule, EnforcersModule, CredentialGovernanceModule],
      controllers: [DistributionController],
      providers: [
        { provide: DISTRIBUTION_CONFIG, useValue: config },
        { provide: SNAPSHOT_SIGNER, inject: [LOGGER], useFactory: (logger: Logger) => loadSnapshotSigner(config, logger) },
        { provide: SnapshotCache, inject: [SNAPSHOT_SIGNER], useFactory: (signer: Signer) => new SnapshotCache({ signer }) },
        { provide: SnapshotVersionRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new SnapshotVersionRepository(db) },
        {
          provide: SnapshotBuilder,
          inject: [SnapshotCache, SnapshotVersionRepository, TenantsRepository, PoliciesRepository, AgentsRepository, CredentialsRepository, BaselinesRepository, LOGGER],
          useFactory: (
            cache: SnapshotCache,
            versions: SnapshotVersionRepository,
            tenants: TenantsRepository,
            policies: PoliciesRepository,
            agents: AgentsRepository,
            credentials: CredentialsRepository,
            baselines: BaselinesRepository,
            logger: Logger,
          ) =>
            new SnapshotBuilder({
              cache,
              version: (tenantId) => versions.latest(tenantId),
              read: async (tenantId) => {
                const tenant = await tenants.findTenant(tenantId);
                if (!tenant) return undefined;
                const [policy, agentRows, credentialRows, baselineRows] = await Promise.all([
                  policies.findCurrent(tenantId),
                  agents.list(tenantId, {}),
                  credentials.list(tenantId, {}),
                  baselines.list(tenantId),
                ]);
                return { tenant, policy, agents: agentRows, credentials: credentialRows, baselines: baselineRows };
              },
              logger: logger.child({ component: 'distribution' }),
            }),
        },
        { provide: QueuedStatusSink, inject: [EnforcerStatusRecorder], useFactory: (recorder: EnforcerStatusRecorder) => new QueuedStatusSink(recorder) },
        {
          provide: LeaseCoordinator,
          inject: [SnapshotCache, TenantDatabase, LOGGER],
          useFactory: (cache: SnapshotCache, db: TenantDatabase, logger: Logger) => {
            const log = logger.child({ component: 'lease-coordinator' });
            const repository = new StrictLimitLeaseRepository(db);
            return new LeaseCoordinator({
              strictLimit: (tenantId, limitId) => leaseLimit(cache, tenantId, limitId),
              grant: (input) => repository.grant(input),
              ...(config.leaseTtlMs !== undefined ? { ttlMs: config.leaseTtlMs } : {}),
              onGrant: (ms, result) => log.debug({ ms: Math.round(ms * 100) / 100, calls: result.calls, records: result.records, retryAt: result.retryAt }, 'lease granted'),
            });
          },
        },
        {
          provide: ConfigStreamServer,
          inject: [SnapshotCache, EnforcerTokenAuthenticator, QueuedStatusSink, SnapshotBuilder, LeaseCoordinator, LOGGER, TRACER, { token: ApprovalDesk, optional: true }],
          useFactory: (
            cache: SnapshotCache,
            tokens: EnforcerTokenAuthenticator,
            status: QueuedStatusSink,
            builder: SnapshotBuilder,
            leases: LeaseCoordinator,
            logger: Logger,
            tracer: Tracer | null,
            approvals: ApprovalDesk | undefined,
          ) => {
            const log = logger.child({ component: 'config-stream' });
            // A tenant is built here on its first subscription; the stream pushes it once it is.
            const authenticator: EnforcerAuthenticator = {
              authenticate: async (token) => {
                const identity = await tokens.authenticate(token);
                for (const tenantId of identity?.tenantIds ?? []) void builder.ensure(tenantId);
                return identity;
              },
            };
            return new ConfigStreamServer({
              cache,
              authenticator,
              status,
              leases,
              ...(approvals ? { approvals } : {}),
              ...(tracer ? { tracer } : {}),
              onError: (error, context) => log.error({ err: error, context }, 'config stream: unexpected error'),
            });
          },
        },
        {
          provide: ReceiptKeyPublisher,
          inject: [SNAPSHOT_SIGNER, BaselinesRepository, QueryBus, LOGGER, { token: CONTROL_PLANE_RECEIPT_KEY, optional: true }],
          useFactory: (signer: Signer, baselines: BaselinesRepository, queries: QueryBus, logger: Logger, ownKey: AnnouncedKey | undefined) => {
            const log = logger.child({ component: 'receipt-key-directory' });
            const sink = options.receiptKeySink ?? (config.receiptKeys ? kafkaReceiptKeySink(config.receiptKeys, log) : undefined);
            if (!sink) return null;
            return new ReceiptKeyPublisher({
              signer,
              sink,
              // Every tenant the event store knows (the same SECURITY DEFINER listing the projection rebuild uses).
              tenants: () => baselines.tenants(),
              enforcers: (tenantId) => queries.execute(new ListEnforcersQuery(tenantId)),
              log,
              ...(ownKey ? { ownKey } : {}),
            });
          },
        },
        SnapshotTrigger,
        ConfigStreamListener,
        ReceiptKeyDirectoryListener,
      ],
    };
  }
}
