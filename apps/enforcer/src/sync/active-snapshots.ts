import { FailMode, type EnforcerConfig, type HeldVersion } from '@thoth/contracts';
import type { CompiledPolicy } from '@thoth/policy';

export interface ActiveAgent {
  /** Lowercase hex SHA-256 of each valid token. */
  readonly tokens: ReadonlySet<string>;
  readonly revokedTokens: ReadonlySet<string>;
}

/**
 * One tenant's activated snapshot: everything a decision reads, swapped in whole. Neither
 * the signed bytes nor the decoded config are kept (a persisted snapshot is written from
 * the push itself): only what decisions read, so 1,000 tenants cost what their compiled
 * policies cost.
 */
export interface ActiveTenant {
  readonly tenantId: string;
  readonly version: bigint;
  readonly contentHash: string;
  readonly policy: CompiledPolicy;
  /** PolicyDocument.version and content_hash: what receipts cite. */
  readonly policyVersion: bigint;
  readonly policyHash: string;
  readonly agents: ReadonlyMap<string, ActiveAgent>;
  readonly failOpen: boolean;
  readonly retainArguments: boolean;
  /** Epoch ms. */
  readonly activatedAt: number;
}

export function activeTenant(config: EnforcerConfig, policy: CompiledPolicy, now: number): ActiveTenant {
  return {
    tenantId: config.tenantId,
    version: config.version,
    contentHash: config.contentHash,
    policy,
    policyVersion: config.policy?.version ?? 0n,
    policyHash: config.policy?.contentHash ?? '',
    agents: new Map(config.agents.map((a) => [a.agentId, { tokens: hashSet(a.tokenSha256), revokedTokens: hashSet(a.revokedTokenSha256) }])),
    // Fail closed unless the tenant chose open.
    failOpen: config.failMode === FailMode.OPEN,
    retainArguments: config.retainArguments,
    activatedAt: now,
  };
}

const NO_HASHES: ReadonlySet<string> = new Set();

/** Agents have one or two token hashes and rarely a revoked one: share the empty set. */
function hashSet(hashes: readonly string[]): ReadonlySet<string> {
  return hashes.length === 0 ? NO_HASHES : new Set(hashes);
}

/**
 * The snapshots this enforcer decides on, one per tenant. Activation replaces a tenant's
 * entry in one assignment, so a decision sees either the old snapshot or the new one whole.
 */
export class ActiveSnapshots {
  readonly #tenants = new Map<string, ActiveTenant>();
  readonly #listeners = new Set<(tenant: ActiveTenant) => void>();
  /** Compiled policies by document (format + content hash), shared by tenants that publish the same one. */
  readonly #policies = new Map<string, WeakRef<CompiledPolicy>>();
  readonly #collected = new FinalizationRegistry<string>((key) => {
    if (this.#policies.get(key)?.deref() === undefined) this.#policies.delete(key);
  });

  /** A policy compiled from the same document for any tenant, to re-bind instead of recompiling. */
  compiledPolicy(documentKey: string): CompiledPolicy | undefined {
    return this.#policies.get(documentKey)?.deref();
  }

  rememberPolicy(documentKey: string, policy: CompiledPolicy): void {
    if (this.#policies.get(documentKey)?.deref() !== undefined) return;
    this.#policies.set(documentKey, new WeakRef(policy));
    this.#collected.register(policy, documentKey);
  }

  get(tenantId: string): ActiveTenant | undefined {
    return this.#tenants.get(tenantId);
  }

  get size(): number {
    return this.#tenants.size;
  }

  tenants(): IterableIterator<ActiveTenant> {
    return this.#tenants.values();
  }

  swap(tenant: ActiveTenant): void {
    this.#tenants.set(tenant.tenantId, tenant);
    for (const listener of this.#listeners) listener(tenant);
  }

  /** What a Hello names on reconnect. */
  held(): HeldVersion[] {
    return [...this.#tenants.values()].map((t) => ({ $typeName: 'thoth.config.v1.HeldVersion', tenantId: t.tenantId, version: t.version, contentHash: t.contentHash }));
  }

  onActivated(listener: (tenant: ActiveTenant) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
