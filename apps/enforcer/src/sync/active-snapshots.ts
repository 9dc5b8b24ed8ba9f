import { FailMode, type EnforcerConfig, type HeldVersion, type SignedSnapshot } from '@thoth/contracts';
import type { CompiledPolicy } from '@thoth/policy';

export interface ActiveAgent {
  /** Lowercase hex SHA-256 of each valid token. */
  readonly tokens: ReadonlySet<string>;
  readonly revokedTokens: ReadonlySet<string>;
}

/** One tenant's activated snapshot: everything a decision reads, swapped in whole. */
export interface ActiveTenant {
  readonly tenantId: string;
  readonly version: bigint;
  readonly contentHash: string;
  readonly signed: SignedSnapshot;
  readonly config: EnforcerConfig;
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

export function activeTenant(config: EnforcerConfig, signed: SignedSnapshot, policy: CompiledPolicy, now: number): ActiveTenant {
  return {
    tenantId: config.tenantId,
    version: config.version,
    contentHash: config.contentHash,
    signed,
    config,
    policy,
    policyVersion: config.policy?.version ?? 0n,
    policyHash: config.policy?.contentHash ?? '',
    agents: new Map(config.agents.map((a) => [a.agentId, { tokens: new Set(a.tokenSha256), revokedTokens: new Set(a.revokedTokenSha256) }])),
    // Fail closed unless the tenant chose open.
    failOpen: config.failMode === FailMode.OPEN,
    retainArguments: config.retainArguments,
    activatedAt: now,
  };
}

/**
 * The snapshots this enforcer decides on, one per tenant. Activation replaces a tenant's
 * entry in one assignment, so a decision sees either the old snapshot or the new one whole.
 */
export class ActiveSnapshots {
  readonly #tenants = new Map<string, ActiveTenant>();
  readonly #listeners = new Set<(tenant: ActiveTenant) => void>();

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
