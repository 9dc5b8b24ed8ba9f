import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { EnforcerConfigSchema, type EnforcerConfig, type SignedSnapshot } from '@thoth/contracts';
import type { CompiledPolicy, PolicyError } from '@thoth/policy';
import { compileSnapshot, policyContentHash, publicKeyBase64, signSnapshot, snapshotContentHash, type Signer } from '@thoth/snapshot';

/** One tenant's published snapshot: what every enforcer subscribed to the tenant gets. */
export interface TenantSnapshot {
  readonly tenantId: string;
  readonly version: bigint;
  readonly contentHash: string;
  readonly signed: SignedSnapshot;
  readonly config: EnforcerConfig;
  /** Epoch ms when it was published here (propagation is measured from it). */
  readonly publishedAt: number;
}

export type SetSnapshotResult =
  | { readonly ok: true; readonly snapshot: TenantSnapshot; readonly changed: boolean }
  | {
      readonly ok: false;
      readonly code: 'POLICY_INVALID' | 'STALE_VERSION';
      readonly message: string;
      readonly errors?: readonly PolicyError[];
    };

export type SnapshotListener = (snapshot: TenantSnapshot) => void;

export interface SnapshotCacheOptions {
  readonly signer: Signer;
  readonly clock?: () => number;
}

type ConfigInit = MessageInitShape<typeof EnforcerConfigSchema>;

/**
 * What the control plane distributes, per tenant: a versioned, content-hashed, signed
 * snapshot, published only once its policy compiles against its tenant context (a
 * snapshot an enforcer would NACK never leaves the server). Listeners learn of every new
 * version synchronously and must only take note (ConfigStreamServer marks its streams).
 * Knows nothing of streams, nonces or ACKs (go-control-plane's cache vs server split).
 */
export class SnapshotCache {
  readonly #signer: Signer;
  readonly #clock: () => number;
  readonly #snapshots = new Map<string, TenantSnapshot>();
  // The last compiled document per tenant, so an agent-only change just re-binds.
  readonly #compiled = new Map<string, { policyHash: string; policy: CompiledPolicy }>();
  readonly #listeners = new Map<string, Set<SnapshotListener>>();
  #published = 0;

  constructor(options: SnapshotCacheOptions) {
    this.#signer = options.signer;
    this.#clock = options.clock ?? Date.now;
  }

  get keyId(): string {
    return this.#signer.keyId;
  }

  /** Base64 of the raw public key snapshots are signed with (what enforcers and the ledger trust). */
  get publicKey(): string {
    return publicKeyBase64(this.#signer);
  }

  get(tenantId: string): TenantSnapshot | undefined {
    return this.#snapshots.get(tenantId);
  }

  /**
   * The compiled policy of the tenant's published snapshot, compiled once per policy hash
   * (undefined: nothing published here; null: the snapshot has no policy).
   */
  policy(tenantId: string): CompiledPolicy | null | undefined {
    const snapshot = this.#snapshots.get(tenantId);
    if (!snapshot) return undefined;
    const compiled = this.#compiled.get(tenantId);
    return snapshot.config.policy && compiled?.policyHash === snapshot.config.policy.contentHash ? compiled.policy : null;
  }

  tenantIds(): string[] {
    return [...this.#snapshots.keys()];
  }

  /**
   * Publishes the tenant's new state. Equal content under the same (or no) version is a
   * no-op (`changed: false`); otherwise the version becomes `version` when given (e.g. the
   * tenant's event position, so replicas agree) or the current one plus one.
   */
  setSnapshot(tenantId: string, init: ConfigInit, options: { version?: bigint } = {}): SetSnapshotResult {
    const current = this.#snapshots.get(tenantId);
    const candidate = create(EnforcerConfigSchema, { ...init, tenantId, version: 0n, contentHash: '' } as ConfigInit);
    if (candidate.policy) candidate.policy.contentHash = policyContentHash(candidate.policy.content);
    const contentHash = snapshotContentHash(candidate);
    if (current && current.contentHash === contentHash && (options.version === undefined || options.version === current.version)) {
      return { ok: true, snapshot: current, changed: false };
    }
    const version = options.version ?? (current ? current.version + 1n : 1n);
    if (current && version <= current.version) {
      return { ok: false, code: 'STALE_VERSION', message: `version ${version} is not after the published ${current.version}` };
    }

    const policyHash = candidate.policy?.contentHash ?? '';
    const previous = this.#compiled.get(tenantId);
    const reuse = previous && policyHash !== '' && previous.policyHash === policyHash ? previous.policy : undefined;
    const compiled = compileSnapshot(candidate, reuse);
    if (!compiled.ok) return { ok: false, code: compiled.code, message: compiled.message, errors: compiled.errors };

    const now = this.#clock();
    const { signed, config } = signSnapshot({ ...candidate, version, issuedAt: timestampFromMs(now) }, this.#signer);
    if (config.policy) this.#compiled.set(tenantId, { policyHash: config.policy.contentHash, policy: compiled.policy });
    return { ok: true, snapshot: this.#publish({ tenantId, version, contentHash: config.contentHash, signed, config, publishedAt: now }), changed: true };
  }

  /** Calls `listener` with every snapshot published for the tenant from now on. */
  watch(tenantId: string, listener: SnapshotListener): () => void {
    let set = this.#listeners.get(tenantId);
    if (!set) this.#listeners.set(tenantId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(tenantId) === set) this.#listeners.delete(tenantId);
    };
  }

  /** Snapshots published here since start (thoth_control_plane_snapshots_published_total). */
  get published(): number {
    return this.#published;
  }

  /** The version published here for the tenant (undefined: none). */
  versionOf(tenantId: string): bigint | undefined {
    return this.#snapshots.get(tenantId)?.version;
  }

  #publish(snapshot: TenantSnapshot): TenantSnapshot {
    this.#snapshots.set(snapshot.tenantId, snapshot);
    this.#published += 1;
    for (const listener of this.#listeners.get(snapshot.tenantId) ?? []) {
      try {
        listener(snapshot);
      } catch {
        // A listener only marks its stream; one failing must not keep others from hearing.
      }
    }
    return snapshot;
  }
}
