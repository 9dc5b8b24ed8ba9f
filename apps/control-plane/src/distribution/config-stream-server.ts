import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { Server, ServerOptions } from '@grpc/grpc-js';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  ConfigDistribution,
  type ApprovalStatusRequest,
  type ApprovalStatusSchema,
  type ConsumeApprovalRequest,
  type ConsumeApprovalResponseSchema,
  type LeaseRequest,
  type SubscribeRequest,
  type SubscribeResponseSchema,
} from '@thoth/contracts';
import { addService, GrpcError, type HandlerContext, type ServiceHandlers } from '@thoth/grpc';
import { CONTROL_PLANE_INSTANCE, receiptKeyProblem, tokenSha256, type ReceiptKeyAnnouncement } from '@thoth/snapshot';
import { randomUUID } from 'node:crypto';
import type { EnforcerAuthenticator, EnforcerIdentity, EnforcerStatusSink } from '../modules/enforcers/index.js';
import { refuse, type LeaseCoordinator } from './leases/lease-coordinator.js';
import type { SnapshotCache, TenantSnapshot } from './snapshot-cache.js';

type Response = MessageInitShape<typeof SubscribeResponseSchema>;

/** ConsumeApproval and GetApprovalStatus once the caller is authenticated for the request's tenant (the approvals context's ApprovalDesk). */
export interface ApprovalService {
  consume(request: ConsumeApprovalRequest): Promise<MessageInitShape<typeof ConsumeApprovalResponseSchema>>;
  status(request: ApprovalStatusRequest): Promise<MessageInitShape<typeof ApprovalStatusSchema>>;
}

/**
 * The config stream's gRPC server settings. grpc-js sets no limit on concurrent streams or session
 * memory by default; anyone who reaches the port, before any token is checked, could hold
 * thousands of streams on one connection. An enforcer process holds one Subscribe stream, so a
 * few per connection are plenty; a Hello, ACK, NACK or heartbeat is well under a kilobyte.
 */
export const CONFIG_STREAM_SERVER_OPTIONS: ServerOptions = {
  'grpc.max_concurrent_streams': 16,
  'grpc-node.max_session_memory': 16,
  'grpc.max_receive_message_length': 64 * 1024,
};

export interface ConfigStreamServerOptions {
  readonly cache: SnapshotCache;
  readonly authenticator: EnforcerAuthenticator;
  readonly status: EnforcerStatusSink;
  /** Strict limits' budgets (LeaseBudget); absent: answered UNIMPLEMENTED. */
  readonly leases?: LeaseCoordinator;
  /** Approvals (ConsumeApproval, GetApprovalStatus); absent: answered UNIMPLEMENTED. */
  readonly approvals?: ApprovalService;
  /** How often the server sends a heartbeat. Default 10 s. */
  readonly heartbeatIntervalMs?: number;
  /** A stream whose enforcer sent nothing (not even a heartbeat) this long is closed. Default 3 heartbeats. */
  readonly clientTimeoutMs?: number;
  /** Time allowed for the first message (Hello). Default 10 s. */
  readonly helloTimeoutMs?: number;
  readonly clock?: () => number;
  /** Errors no one awaits (a failing status sink); default: ignored. */
  readonly onError?: (error: unknown, context: string) => void;
  /** Tracing on (docs/telemetry.md): a span per snapshot pushed; absent: none. */
  readonly tracer?: Tracer;
}

/** What one stream tracks per tenant: what the enforcer holds, what it was sent, and its answer. */
interface TenantTrack {
  held?: { version: bigint; contentHash: string };
  sent?: { version: bigint; nonce: string };
  /** Pushes not answered yet, by nonce (a few: an answer may cross a newer push). */
  outstanding: Map<string, bigint>;
}
const MAX_OUTSTANDING = 8;
const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * One subscribed enforcer. Snapshots are never queued: a publish only marks the tenant
 * pending (latest wins), and the push taken when the transport is ready carries whatever
 * version is newest then. A slow enforcer therefore costs one flag per tenant, and the
 * fan-out to every stream is a loop that only sets flags.
 */
class Session {
  readonly pending = new Set<string>();
  readonly tracks = new Map<string, TenantTrack>();
  heartbeatDue = false;
  closed = false;
  /** Why the server ended the stream with an error (the enforcer was decommissioned). */
  revoked: string | undefined;
  lastContact: number;
  #wake: (() => void) | undefined;

  constructor(
    readonly identity: EnforcerIdentity,
    readonly instanceId: string,
    readonly tenantIds: readonly string[],
    now: number,
    /** The receipt key the Hello announced, its proof checked. */
    readonly receiptKey: ReceiptKeyAnnouncement | undefined,
  ) {
    this.lastContact = now;
  }

  mark(tenantId: string): void {
    this.pending.add(tenantId);
    this.wake();
  }

  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  wait(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }
}

/**
 * `ConfigDistribution.Subscribe`: authenticates the Hello (and the proof of the receipt key it
 * announces, reported with the connection for the enforcer to record), sends each subscribed tenant's
 * snapshot whenever the enforcer's version differs from the published one (a full
 * snapshot on any gap), each push with a fresh nonce; matches ACK/NACK to any push not
 * answered yet and reports them to the status sink; heartbeats both ways. Tracks versions,
 * nonces and answers only: what a snapshot holds is the SnapshotCache's business.
 */
export class ConfigStreamServer {
  readonly #options: Required<Omit<ConfigStreamServerOptions, 'onError' | 'leases' | 'approvals' | 'tracer'>> & Pick<ConfigStreamServerOptions, 'onError' | 'leases' | 'approvals' | 'tracer'>;
  readonly #sessions = new Set<Session>();
  /**
   * Registrations decommissioned since this replica started: a Hello authenticated just before
   * the decommission committed is refused here rather than streamed to (replicas started later
   * find the registration decommissioned in the database).
   */
  readonly #decommissioned = new Set<string>();
  #pushes = 0;

  constructor(options: ConfigStreamServerOptions) {
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 10_000;
    this.#options = {
      heartbeatIntervalMs,
      clientTimeoutMs: options.clientTimeoutMs ?? 3 * heartbeatIntervalMs,
      helloTimeoutMs: options.helloTimeoutMs ?? 10_000,
      clock: options.clock ?? Date.now,
      ...options,
    };
  }

  /** Registers ConfigDistribution on a grpc-js server. */
  register(server: Server): void {
    addService(server, ConfigDistribution, this.handlers(), {
      onUnexpectedError: (error, method) => this.#options.onError?.(error, `ConfigDistribution.${method.name}`),
    });
  }

  handlers(): ServiceHandlers<typeof ConfigDistribution> {
    return {
      subscribe: (requests, context) => this.#subscribe(requests, context),
      leaseBudget: (request, context) => this.#leaseBudget(request, context),
      consumeApproval: async (request, context) => (await this.#approvalsFor(request.tenantId, context)).consume(request),
      getApprovalStatus: async (request, context) => (await this.#approvalsFor(request.tenantId, context)).status(request),
    };
  }

  /** Open streams and pushes sent so far. */
  stats(): { streams: number; pushes: number } {
    return { streams: this.#sessions.size, pushes: this.#pushes };
  }

  /**
   * Each open stream's subscribed tenants, counted by what the enforcer holds against what is
   * published here: `current` (it activated the published version), `behind` (it holds an older one,
   * or none while one is published), `unpublished` (nothing is published here for the tenant yet).
   * Counts, not enforcer ids or versions: bounded, and they name no tenant (docs/telemetry-metrics.md).
   */
  configStates(): { current: number; behind: number; unpublished: number } {
    const counts = { current: 0, behind: 0, unpublished: 0 };
    for (const session of this.#sessions) {
      if (session.closed) continue;
      for (const tenantId of session.tenantIds) {
        const published = this.#options.cache.versionOf(tenantId);
        const held = session.tracks.get(tenantId)?.held?.version;
        if (published === undefined) counts.unpublished += 1;
        else if (held !== undefined && held >= published) counts.current += 1;
        else counts.behind += 1;
      }
    }
    return counts;
  }

  /** Ends every open stream (the enforcers reconnect, e.g. to another replica). */
  closeAll(): void {
    for (const session of this.#sessions) session.close();
  }

  /**
   * Ends at once, with UNAUTHENTICATED, every stream of a decommissioned registration (each of
   * its processes), on this replica; every replica hears of the decommission and does the same.
   */
  decommissioned(enforcerId: string): void {
    this.#decommissioned.add(enforcerId);
    for (const session of this.#sessions) {
      if (session.identity.enforcerId !== enforcerId) continue;
      session.revoked = `enforcer ${enforcerId} was decommissioned`;
      session.close();
    }
  }

  /**
   * Strict limits' budgets (docs/fleet-state.md, "Strict limits"): the enforcer's token in
   * `authorization: Bearer`, checked as a Hello's is; the coordinator checks the rest.
   */
  async #leaseBudget(request: LeaseRequest, context: HandlerContext) {
    const coordinator = this.#options.leases;
    if (!coordinator) throw new GrpcError('UNIMPLEMENTED', 'LeaseBudget is not served by this control plane');
    return coordinator.lease(await this.#authenticated(context), request);
  }

  /**
   * Approvals (docs/approvals.md), authenticated as LeaseBudget is: the enforcer's token, and only
   * for a tenant its registration serves; the desk scopes everything to that tenant and the agent.
   */
  async #approvalsFor(tenantId: string, context: HandlerContext): Promise<ApprovalService> {
    const approvals = this.#options.approvals;
    if (!approvals) throw new GrpcError('UNIMPLEMENTED', 'approvals are not served by this control plane');
    const identity = await this.#authenticated(context);
    if (!identity.tenantIds.includes(tenantId)) refuse('TENANT_NOT_ALLOWED', `enforcer ${identity.enforcerId} does not serve tenant ${tenantId}`);
    return approvals;
  }

  async #authenticated(context: HandlerContext): Promise<EnforcerIdentity> {
    const token = BEARER.exec(String(context.metadata.get('authorization')[0] ?? '').trim())?.[1];
    const identity = token ? await this.#options.authenticator.authenticate(token) : undefined;
    if (!identity || this.#decommissioned.has(identity.enforcerId)) refuse('UNAUTHENTICATED', 'unknown or revoked enforcer token');
    return identity;
  }

  async *#subscribe(requests: AsyncIterable<SubscribeRequest>, context: HandlerContext): AsyncIterable<Response> {
    const { cache, status, clock } = this.#options;
    const iterator = requests[Symbol.asyncIterator]();
    const session = await this.#hello(iterator);
    const { identity, instanceId } = session;
    if (this.#decommissioned.has(identity.enforcerId)) throw new GrpcError('UNAUTHENTICATED', 'unknown or revoked enforcer token');
    const who = { enforcerId: identity.enforcerId, instanceId };
    this.#sessions.add(session);
    const receiptKey = session.receiptKey ? { receiptKey: session.receiptKey } : {};
    this.#report(() => status.connected({ ...who, at: clock(), tenantIds: session.tenantIds, peer: context.peer, ...receiptKey }), 'connected');

    const unwatch = session.tenantIds.map((tenantId) => cache.watch(tenantId, () => session.mark(tenantId)));
    for (const tenantId of session.tenantIds) session.pending.add(tenantId);
    const onAbort = () => session.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    const heartbeat = setInterval(() => {
      session.heartbeatDue = true;
      session.wake();
    }, this.#options.heartbeatIntervalMs);
    heartbeat.unref();
    let reason = 'server closed the stream';
    const reader = this.#read(iterator, session).then(
      () => (reason = 'enforcer closed the stream'),
      (error: unknown) => (reason = error instanceof Error ? error.message : String(error)),
    );
    void reader.finally(() => session.close());

    try {
      while (!session.closed) {
        const tenantId = first(session.pending);
        if (tenantId !== undefined) {
          session.pending.delete(tenantId);
          const push = this.#pushFor(session, tenantId, cache.get(tenantId));
          if (push) {
            this.#pushes++;
            const span = this.#options.tracer?.startSpan('thoth.config.v1.ConfigDistribution/Subscribe push', {
              kind: SpanKind.SERVER,
              attributes: { 'rpc.system': 'grpc', 'rpc.service': 'thoth.config.v1.ConfigDistribution', 'rpc.method': 'Subscribe', 'thoth.tenant.id': tenantId, 'thoth.enforcer.id': identity.enforcerId, 'thoth.config.version': String(cache.get(tenantId)?.version ?? '') },
            });
            try {
              yield push;
            } finally {
              span?.end();
            }
          }
          continue;
        }
        if (session.heartbeatDue) {
          session.heartbeatDue = false;
          if (clock() - session.lastContact > this.#options.clientTimeoutMs) {
            reason = `no message from the enforcer in ${this.#options.clientTimeoutMs} ms`;
            throw new GrpcError('UNAVAILABLE', reason);
          }
          yield { kind: { case: 'heartbeat', value: { sentAt: timestampFromMs(clock()) } } };
          continue;
        }
        await session.wait();
      }
      if (session.revoked !== undefined) {
        reason = session.revoked;
        throw new GrpcError('UNAUTHENTICATED', reason);
      }
    } finally {
      clearInterval(heartbeat);
      context.signal.removeEventListener('abort', onAbort);
      for (const stop of unwatch) stop();
      this.#sessions.delete(session);
      session.close();
      this.#report(() => status.disconnected({ ...who, at: clock(), reason }), 'disconnected');
    }
  }

  async #hello(iterator: AsyncIterator<SubscribeRequest>): Promise<Session> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new GrpcError('DEADLINE_EXCEEDED', `no Hello within ${this.#options.helloTimeoutMs} ms`)),
        this.#options.helloTimeoutMs,
      );
    });
    try {
      const first = await Promise.race([iterator.next(), timeout]);
      if (first.done || first.value.kind.case !== 'hello') {
        throw new GrpcError('INVALID_ARGUMENT', 'the first message on a config stream must be a Hello');
      }
      const hello = first.value.kind.value;
      const identity = hello.enforcerToken ? await this.#options.authenticator.authenticate(hello.enforcerToken) : undefined;
      if (!identity) throw new GrpcError('UNAUTHENTICATED', 'unknown or revoked enforcer token');
      const tenantIds = hello.tenantIds.length > 0 ? [...new Set(hello.tenantIds)] : [...identity.tenantIds];
      const denied = tenantIds.filter((t) => !identity.tenantIds.includes(t));
      if (denied.length > 0) throw new GrpcError('PERMISSION_DENIED', `enforcer ${identity.enforcerId} may not subscribe to tenant(s) ${denied.join(', ')}`);
      const instanceId = hello.enforcerId || identity.enforcerId;
      // The control plane signs its own decisions (a person's approval) under this name: no enforcer may take it.
      if (instanceId === CONTROL_PLANE_INSTANCE) throw new GrpcError('INVALID_ARGUMENT', `enforcer_id ${CONTROL_PLANE_INSTANCE} is reserved for the control plane`);
      // A key whose proof does not hold for this token is refused with the stream: its decisions
      // could never be believed, and the enforcer says so in its log at once.
      const receiptKey = hello.receiptKey;
      const problem = receiptKey && receiptKeyProblem(receiptKey, tokenSha256(hello.enforcerToken), instanceId);
      if (problem !== undefined) throw new GrpcError('INVALID_ARGUMENT', `receipt key refused: ${problem}`);
      const session = new Session(identity, instanceId, tenantIds, this.#options.clock(), receiptKey);
      for (const held of hello.heldVersions) {
        if (tenantIds.includes(held.tenantId)) {
          session.tracks.set(held.tenantId, { held: { version: held.version, contentHash: held.contentHash }, outstanding: new Map() });
        }
      }
      return session;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A full snapshot when the enforcer neither holds nor was just sent the published version. */
  #pushFor(session: Session, tenantId: string, snapshot: TenantSnapshot | undefined): Response | undefined {
    if (!snapshot) return undefined;
    const track: TenantTrack = session.tracks.get(tenantId) ?? { outstanding: new Map<string, bigint>() };
    session.tracks.set(tenantId, track);
    if (track.held && track.held.version === snapshot.version && (track.held.contentHash === '' || track.held.contentHash === snapshot.contentHash)) return undefined;
    if (track.sent && track.sent.version === snapshot.version) return undefined;
    const nonce = randomUUID();
    track.sent = { version: snapshot.version, nonce };
    track.outstanding.set(nonce, snapshot.version);
    if (track.outstanding.size > MAX_OUTSTANDING) track.outstanding.delete(first(track.outstanding.keys()) as string);
    return {
      kind: {
        case: 'snapshot',
        value: { nonce, tenantId, version: snapshot.version, snapshot: snapshot.signed, baseVersion: 0n },
      },
    };
  }

  async #read(iterator: AsyncIterator<SubscribeRequest>, session: Session): Promise<void> {
    const { status, clock } = this.#options;
    const who = { enforcerId: session.identity.enforcerId, instanceId: session.instanceId };
    for (;;) {
      const next = await iterator.next();
      if (next.done || session.closed) return;
      const now = clock();
      session.lastContact = now;
      const message = next.value.kind;
      switch (message.case) {
        case 'ack': {
          const { tenantId, version, nonce } = message.value;
          const track = session.tracks.get(tenantId);
          // Only answers to our pushes count; one may cross a newer push and still be
          // true (it names the version activated), so any outstanding nonce is accepted.
          const pushed = track?.outstanding.get(nonce);
          if (!track || pushed === undefined) break;
          for (const [n, v] of track.outstanding) if (v <= pushed) track.outstanding.delete(n);
          if (!track.held || version >= track.held.version) track.held = { version, contentHash: '' };
          this.#report(() => status.acked({ ...who, at: now, tenantId, version, nonce }), 'acked');
          break;
        }
        case 'nack': {
          const { tenantId, version, nonce, errorCode, errorMessage } = message.value;
          const track = session.tracks.get(tenantId);
          if (!track?.outstanding.delete(nonce)) break;
          // The same version is not sent again; the next published one will be.
          this.#report(() => status.nacked({ ...who, at: now, tenantId, version, nonce, errorCode, errorMessage }), 'nacked');
          if (errorCode === 'BASE_VERSION_MISSING') {
            track.sent = undefined;
            track.held = undefined;
            session.mark(tenantId);
          }
          break;
        }
        case 'heartbeat':
          this.#report(() => status.contact({ ...who, at: now }), 'contact');
          break;
        case 'hello':
          throw new GrpcError('INVALID_ARGUMENT', 'Hello may only be the first message');
        default:
          break;
      }
    }
  }

  #report(call: () => void | Promise<void>, what: string): void {
    try {
      const result = call();
      if (result instanceof Promise) result.catch((error: unknown) => this.#options.onError?.(error, `status sink ${what}`));
    } catch (error) {
      this.#options.onError?.(error, `status sink ${what}`);
    }
  }
}

function first<T>(values: Iterable<T>): T | undefined {
  for (const value of values) return value;
  return undefined;
}

