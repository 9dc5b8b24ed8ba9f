import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Metadata } from '@grpc/grpc-js';
import type { LeaseRequest, LeaseSchema } from '@thoth/contracts';
import { ERROR_CODE_HEADER, GrpcError, type GrpcCode } from '@thoth/grpc';
import { windowKeyTenant, type StrictLimit } from '@thoth/policy';
import type { EnforcerIdentity } from '../../modules/enforcers/index.js';
import type { SnapshotCache } from '../snapshot-cache.js';
import type { GrantInput, GrantResult } from './strict-limit-lease.repository.js';

/**
 * Why a LeaseBudget request was refused: the gRPC status, and the code sent in trailing metadata
 * (`thoth-error-code`).
 */
export const LEASE_ERRORS = {
  /** The token's registration does not serve the request's tenant. */
  TENANT_NOT_ALLOWED: 'PERMISSION_DENIED',
  /** The key names another tenant than the request (windowKeyTenant). */
  KEY_NOT_OF_TENANT: 'PERMISSION_DENIED',
  /** The key is not one of the limit's (`L\0<limit id>\0<tenant>…`). */
  KEY_NOT_OF_LIMIT: 'INVALID_ARGUMENT',
  /** previous_lease_id is not a lease id (a UUID). */
  LEASE_ID_INVALID: 'INVALID_ARGUMENT',
  /** The tenant's current policy has no strict limit by that id. */
  LIMIT_NOT_STRICT: 'FAILED_PRECONDITION',
  /** This replica holds no policy of the tenant yet (it is built on the enforcer's subscription). */
  POLICY_NOT_LOADED: 'UNAVAILABLE',
} as const satisfies Record<string, GrpcCode>;
export type LeaseErrorCode = keyof typeof LEASE_ERRORS;


/** Longest window key accepted (the engine's keys are ids, a tenant and a scope: far shorter). */
const MAX_KEY_LENGTH = 2_048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DEFAULT_LEASE_TTL_MS = 10_000;

export interface LeaseCoordinatorOptions {
  /** The tenant's current policy's strict limit by id; null: no policy loaded here. */
  readonly strictLimit: (tenantId: string, limitId: string) => StrictLimit | undefined | null;
  readonly grant: (input: GrantInput) => Promise<GrantResult>;
  /** How long a lease is good for (THOTH_LEASE_TTL_MS). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
  /** Each grant's transaction time, ms (measured around the database work). */
  readonly onGrant?: (ms: number, result: GrantResult) => void;
}

/**
 * `ConfigDistribution.LeaseBudget` once the caller is authenticated: checks that the request is
 * about one of its tenants and a key of that tenant's strict limit, reads the limit from the
 * tenant's current policy (never from the request), settles the previous lease and grants what
 * the budget allows (StrictLimitLeaseRepository; the invariant is in strict-budget.ts).
 */
export class LeaseCoordinator {
  readonly #o: LeaseCoordinatorOptions;
  readonly #clock: () => number;
  readonly #ttlMs: number;
  #grants = 0;
  #grantMs = 0;
  #maxGrantMs = 0;

  constructor(options: LeaseCoordinatorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  async lease(identity: EnforcerIdentity, request: LeaseRequest): Promise<MessageInitShape<typeof LeaseSchema>> {
    const { tenantId, limitId, key } = request;
    if (!identity.tenantIds.includes(tenantId)) refuse('TENANT_NOT_ALLOWED', `enforcer ${identity.enforcerId} does not serve tenant ${tenantId}`);
    if (key.length > MAX_KEY_LENGTH || windowKeyTenant(key) !== tenantId) refuse('KEY_NOT_OF_TENANT', `the key is not a window key of tenant ${tenantId}`);
    const prefix = `L\u0000${limitId}\u0000${tenantId}`;
    if (limitId === '' || !key.startsWith(prefix) || (key.length > prefix.length && key.charCodeAt(prefix.length) !== 0)) {
      refuse('KEY_NOT_OF_LIMIT', `the key is not a window key of limit '${limitId}'`);
    }
    if (request.previousLeaseId !== '' && !UUID.test(request.previousLeaseId)) refuse('LEASE_ID_INVALID', 'previous_lease_id is not a lease id this coordinator grants');
    const limit = this.#o.strictLimit(tenantId, limitId);
    if (limit === null) refuse('POLICY_NOT_LOADED', `the policy of tenant ${tenantId} is not loaded on this control plane yet; retry`);
    if (limit === undefined) refuse('LIMIT_NOT_STRICT', `tenant ${tenantId}'s current policy has no strict limit '${limitId}'`);
    const cap = (want: bigint, max: number | undefined) => (max === undefined ? 0 : Number(want > BigInt(max) ? BigInt(max) : want));
    const now = this.#clock();
    const started = performance.now();
    const result = await this.#o.grant({
      tenantId,
      key,
      limit,
      enforcerId: identity.enforcerId,
      instanceId: request.enforcerId || identity.enforcerId,
      want: { calls: cap(request.wantCalls, limit.maxCalls), records: cap(request.wantRecords, limit.maxRecords) },
      ...(request.previousLeaseId !== ''
        ? { settle: { leaseId: request.previousLeaseId, usedCalls: cap(request.usedCalls, Number.MAX_SAFE_INTEGER), usedRecords: cap(request.usedRecords, Number.MAX_SAFE_INTEGER) } }
        : {}),
      ttlMs: this.#ttlMs,
      now,
    });
    const ms = performance.now() - started;
    this.#grants++;
    this.#grantMs += ms;
    this.#maxGrantMs = Math.max(this.#maxGrantMs, ms);
    this.#o.onGrant?.(ms, result);
    return {
      leaseId: result.leaseId ?? '',
      calls: BigInt(result.calls),
      records: BigInt(result.records),
      expiresAt: timestampFromMs(result.expiresAt),
      windowMs: BigInt(limit.windowMs),
      maxCalls: BigInt(limit.maxCalls ?? 0),
      maxRecords: BigInt(limit.maxRecords ?? 0),
      ...(result.retryAt !== undefined ? { retryAt: timestampFromMs(result.retryAt) } : {}),
    };
  }

  /** Grants served by this replica, and their transactions' mean and longest time. */
  stats(): { grants: number; meanMs: number; maxMs: number } {
    return { grants: this.#grants, meanMs: this.#grants === 0 ? 0 : this.#grantMs / this.#grants, maxMs: this.#maxGrantMs };
  }
}

/** A refusal with its stable code in trailing metadata. */
export function refuse(code: LeaseErrorCode | 'UNAUTHENTICATED', message: string): never {
  const metadata = new Metadata();
  metadata.set(ERROR_CODE_HEADER, code);
  throw new GrpcError(code === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : LEASE_ERRORS[code], `${code}: ${message}`, { metadata });
}

/** A strict limit of the tenant's published policy (null: none published on this replica yet). */
export function leaseLimit(cache: SnapshotCache, tenantId: string, limitId: string): StrictLimit | undefined | null {
  const policy = cache.policy(tenantId);
  if (policy === undefined) return null;
  return policy?.strictLimits.get(limitId);
}
