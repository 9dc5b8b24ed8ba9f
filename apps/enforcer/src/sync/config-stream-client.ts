import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Client, credentials as grpcCredentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import {
  ConfigDistribution,
  type ApprovalStatus,
  type ApprovalStatusRequestSchema,
  type ConsumeApprovalRequestSchema,
  type ConsumeApprovalResponse,
  type Lease,
  type LeaseRequestSchema,
  type SnapshotPush,
} from '@thoth/contracts';
import { createClient, type BidiStream, type ServiceClient } from '@thoth/grpc';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { SubscribeRequestSchema, SubscribeResponse } from '@thoth/contracts';
import type { Keyring, ReceiptKeyAnnouncement } from '@thoth/snapshot';
import type { Logger } from '../logger.js';
import { activate, type Activation } from './activate.js';
import type { ActiveSnapshots } from './active-snapshots.js';
import { fullJitterDelay } from './backoff.js';
import type { SnapshotDisk } from './snapshot-disk.js';

export interface ConfigStreamClientOptions {
  /** `host:port` of a control plane's gRPC listener. */
  readonly address: string;
  readonly token: string;
  readonly enforcerId: string;
  /** Tenants to subscribe to; empty: every tenant the token allows. */
  readonly tenantIds?: readonly string[];
  readonly trustedKeys: Keyring;
  /** The key this process signs receipts with, announced in every Hello (`announceReceiptKey`). */
  readonly receiptKey?: ReceiptKeyAnnouncement;
  readonly store: ActiveSnapshots;
  readonly disk?: SnapshotDisk;
  /** How often to send a heartbeat. Default 10 s. */
  readonly heartbeatIntervalMs?: number;
  /** A stream the server has been silent on this long is dropped and reopened. Default 3 heartbeats. */
  readonly serverTimeoutMs?: number;
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly credentials?: ChannelCredentials;
  readonly clock?: () => number;
  readonly logger?: Logger;
  /** Every activation attempt's result (metrics, tests). */
  readonly onActivation?: (push: SnapshotPush, result: Activation) => void;
}

export interface SyncStatus {
  readonly connected: boolean;
  /** Epoch ms of the last message from the control plane (undefined: never). */
  readonly lastContactAt: number | undefined;
  /** Epoch ms of the last snapshot activated. */
  readonly lastActivationAt: number | undefined;
  readonly connects: number;
  readonly acks: number;
  readonly nacks: number;
}

type Request = MessageInitShape<typeof SubscribeRequestSchema>;

/**
 * The enforcer's end of the config stream: Hello with the versions it holds (and its receipt
 * key, so the control plane records which key its decisions are signed with), then for
 * each push verify → compile → swap and ACK the activated version, or NACK with the
 * reason and keep the previous one. Heartbeats; a silent or broken stream is reopened
 * with exponential backoff and full jitter. Never throws out of `start`: without a
 * control plane the enforcer keeps deciding on what it has, and its staleness grows.
 */
export class ConfigStreamClient {
  readonly #options: ConfigStreamClientOptions;
  readonly #clock: () => number;
  readonly #channel: Client;
  /** Unary calls on the channel (LeaseBudget, approvals). */
  readonly #calls: ServiceClient<typeof ConfigDistribution>;
  #stopped = false;
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #sleep: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  #startedAt: number | undefined;
  #status = { connected: false, lastContactAt: undefined as number | undefined, lastActivationAt: undefined as number | undefined, connects: 0, acks: 0, nacks: 0 };

  constructor(options: ConfigStreamClientOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#channel = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure(), {
      'grpc.keepalive_time_ms': 20_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      // Reconnection is ours (with jitter); keep grpc-js' own quick.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2_000,
      'grpc.max_receive_message_length': 64 << 20,
    });
    this.#calls = createClient(ConfigDistribution, this.#channel);
  }

  start(): void {
    this.#startedAt ??= this.#clock();
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#sleep) {
      clearTimeout(this.#sleep.timer);
      this.#sleep.resolve();
    }
    await this.#loop;
    this.#channel.close();
  }

  /**
   * ConfigDistribution.LeaseBudget (strict limits' budgets) on the config stream's channel, so
   * with its TLS, client certificate and token (`authorization: Bearer`).
   */
  leaseBudget(request: MessageInitShape<typeof LeaseRequestSchema>, deadlineMs: number): Promise<Lease> {
    return this.#calls.leaseBudget(request, { metadata: this.#metadata(), deadlineMs });
  }

  /** ConfigDistribution.ConsumeApproval (docs/approvals.md), authenticated as LeaseBudget is. */
  consumeApproval(request: MessageInitShape<typeof ConsumeApprovalRequestSchema>, deadlineMs: number): Promise<ConsumeApprovalResponse> {
    return this.#calls.consumeApproval(request, { metadata: this.#metadata(), deadlineMs });
  }

  /** ConfigDistribution.GetApprovalStatus, authenticated as LeaseBudget is. */
  getApprovalStatus(request: MessageInitShape<typeof ApprovalStatusRequestSchema>, deadlineMs: number): Promise<ApprovalStatus> {
    return this.#calls.getApprovalStatus(request, { metadata: this.#metadata(), deadlineMs });
  }

  #metadata(): Metadata {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.#options.token}`);
    // While the channel reconnects, a call waits (its deadline and the caller's wait bound it)
    // rather than failing at once.
    metadata.setOptions({ waitForReady: true });
    return metadata;
  }

  status(): SyncStatus {
    return { ...this.#status };
  }

  /** Milliseconds since the last message from the control plane and since the last activation. */
  staleness(now = this.#clock()): { sinceContactMs: number | undefined; sinceActivationMs: number | undefined } {
    const { lastContactAt, lastActivationAt } = this.#status;
    return {
      sinceContactMs: lastContactAt === undefined ? undefined : now - lastContactAt,
      sinceActivationMs: lastActivationAt === undefined ? undefined : now - lastActivationAt,
    };
  }

  /**
   * Milliseconds the snapshots held have gone unconfirmed: since the last message from the control
   * plane (a push, or a heartbeat, which it sends only when it has nothing to push), or since
   * `start` while it has not spoken (snapshots restored from disk get one maximum staleness).
   */
  unconfirmedMs(now = this.#clock()): number {
    return now - (this.#status.lastContactAt ?? this.#startedAt ?? now);
  }

  async #run(): Promise<void> {
    const initialMs = this.#options.backoff?.initialMs ?? 250;
    const maxMs = this.#options.backoff?.maxMs ?? 30_000;
    let attempt = 0;
    while (!this.#stopped) {
      const gotMessages = await this.#session().catch((error: unknown) => {
        if (!this.#stopped) this.#options.logger?.warn({ err: error }, 'config stream failed');
        return false;
      });
      this.#status.connected = false;
      if (this.#stopped) return;
      attempt = gotMessages ? 0 : attempt + 1;
      await this.#pause(fullJitterDelay(attempt, initialMs, maxMs));
    }
  }

  #pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#sleep = undefined;
        resolve();
      }, ms);
      this.#sleep = { timer, resolve };
    });
  }

  /** One stream, until it ends; true when the control plane sent anything on it. */
  async #session(): Promise<boolean> {
    const { store, trustedKeys, logger } = this.#options;
    const heartbeatMs = this.#options.heartbeatIntervalMs ?? 10_000;
    const serverTimeoutMs = this.#options.serverTimeoutMs ?? 3 * heartbeatMs;
    const client = createClient(ConfigDistribution, this.#channel);
    const session = new AbortController();
    const onStop = () => session.abort();
    this.#abort.signal.addEventListener('abort', onStop, { once: true });
    const stream: BidiStream<Request, SubscribeResponse> = client.subscribe({ signal: session.signal });
    let received = false;
    let lastFromServer = this.#clock();
    const send = (request: Request) => stream.send(request).catch(() => {});
    const heartbeat = setInterval(() => {
      if (this.#clock() - lastFromServer > serverTimeoutMs) {
        logger?.warn({ silentMs: this.#clock() - lastFromServer }, 'control plane silent; reopening the config stream');
        session.abort();
        return;
      }
      void send({ kind: { case: 'heartbeat', value: { sentAt: timestampFromMs(this.#clock()) } } });
    }, heartbeatMs);
    heartbeat.unref();
    try {
      this.#status.connects++;
      await send({
        kind: {
          case: 'hello',
          value: {
            enforcerId: this.#options.enforcerId,
            enforcerToken: this.#options.token,
            tenantIds: [...(this.#options.tenantIds ?? [])],
            heldVersions: store.held(),
            ...(this.#options.receiptKey ? { receiptKey: this.#options.receiptKey } : {}),
          },
        },
      });
      for await (const message of stream) {
        const now = this.#clock();
        received = true;
        lastFromServer = now;
        this.#status.connected = true;
        this.#status.lastContactAt = now;
        if (message.kind.case !== 'snapshot') continue;
        const push = message.kind.value;
        const result = push.snapshot
          ? activate(store, push.snapshot, trustedKeys, now, { tenantId: push.tenantId, version: push.version })
          : ({ ok: false, code: 'MALFORMED_SNAPSHOT', message: 'push without a snapshot' } as const);
        this.#options.onActivation?.(push, result);
        if (result.ok) {
          this.#status.acks++;
          if (!result.unchanged) this.#status.lastActivationAt = now;
          void send({ kind: { case: 'ack', value: { tenantId: push.tenantId, version: result.tenant.version, nonce: push.nonce } } });
          if (!result.unchanged && this.#options.disk && push.snapshot) {
            this.#options.disk.save(push.tenantId, push.snapshot).catch((error: unknown) => logger?.warn({ err: error, tenantId: push.tenantId }, 'could not persist snapshot'));
          }
          if (!result.unchanged) logger?.info({ tenantId: push.tenantId, version: String(result.tenant.version) }, 'snapshot activated');
        } else {
          this.#status.nacks++;
          logger?.warn({ tenantId: push.tenantId, version: String(push.version), code: result.code, reason: result.message }, 'snapshot refused');
          void send({
            kind: {
              case: 'nack',
              value: { tenantId: push.tenantId, version: push.version, nonce: push.nonce, errorCode: result.code, errorMessage: result.message },
            },
          });
        }
      }
      return received;
    } catch (error) {
      if (session.signal.aborted && !this.#stopped) return received;
      if (received) {
        logger?.warn({ err: error }, 'config stream ended');
        return true;
      }
      throw error;
    } finally {
      clearInterval(heartbeat);
      this.#abort.signal.removeEventListener('abort', onStop);
      session.abort();
    }
  }
}

