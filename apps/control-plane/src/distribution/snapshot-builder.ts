import type { Logger } from 'pino';
import { enforcerConfigOf, type TenantState } from './enforcer-config.js';
import type { SnapshotCache, TenantSnapshot } from './snapshot-cache.js';

export interface SnapshotBuilderOptions {
  readonly cache: SnapshotCache;
  /** The version to publish under: the tenant's last relevant event position. */
  readonly version: (tenantId: string) => Promise<bigint | undefined>;
  /** The tenant's read models; undefined when the tenant does not exist. */
  readonly read: (tenantId: string) => Promise<TenantState | undefined>;
  readonly logger: Logger;
  /** Changes closer together than this are built once. Default 5 ms. */
  readonly debounceMs?: number;
}

interface Build {
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  again: boolean;
}

/**
 * Keeps the SnapshotCache current for the tenants this replica serves: a tenant is taken
 * on at its first subscription (`ensure`), then rebuilt whenever one of its events that
 * matters is heard of (`changed`: this replica's EventBus or any replica's NOTIFY), at
 * most one build at a time per tenant, changes a few ms apart coalesced. Builds read the
 * version first and the read models after, so a snapshot is never older than its version.
 */
export class SnapshotBuilder {
  readonly #o: SnapshotBuilderOptions;
  readonly #builds = new Map<string, Build>();
  readonly #tracked = new Set<string>();
  #closed = false;

  constructor(options: SnapshotBuilderOptions) {
    this.#o = options;
  }

  /** The tenant's snapshot, built now if this replica does not serve it yet. */
  async ensure(tenantId: string): Promise<TenantSnapshot | undefined> {
    this.#tracked.add(tenantId);
    const cached = this.#o.cache.get(tenantId);
    if (cached) return cached;
    await this.#run(tenantId);
    return this.#o.cache.get(tenantId);
  }

  /** One of the tenant's events changed what its enforcers run. Ignored for tenants not served here. */
  changed(tenantId: string): void {
    if (this.#closed || !this.#tracked.has(tenantId)) return;
    const build = this.#build(tenantId);
    if (build.timer) return;
    build.timer = setTimeout(() => {
      build.timer = undefined;
      void this.#run(tenantId);
    }, this.#o.debounceMs ?? 5);
  }

  /** Rebuilds every served tenant (after notifications may have been missed). */
  resync(): void {
    for (const tenantId of this.#tracked) this.changed(tenantId);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const build of this.#builds.values()) clearTimeout(build.timer);
    await Promise.allSettled([...this.#builds.values()].map((b) => b.running));
  }

  #build(tenantId: string): Build {
    let build = this.#builds.get(tenantId);
    if (!build) this.#builds.set(tenantId, (build = { again: false }));
    return build;
  }

  #run(tenantId: string): Promise<void> {
    const build = this.#build(tenantId);
    if (build.running) {
      // A change during a build may not be in what it read: build once more after it.
      build.again = true;
      return build.running;
    }
    build.running = this.#publish(tenantId)
      .catch((error: unknown) => this.#o.logger.error({ err: error, tenantId }, 'snapshot build failed; enforcers keep the previous one'))
      .finally(() => {
        build.running = undefined;
        if (build.again && !this.#closed) {
          build.again = false;
          void this.#run(tenantId);
        }
      });
    return build.running;
  }

  async #publish(tenantId: string): Promise<void> {
    const { cache, logger } = this.#o;
    const version = await this.#o.version(tenantId);
    const state = version === undefined ? undefined : await this.#o.read(tenantId);
    if (version === undefined || !state) {
      logger.warn({ tenantId }, 'no such tenant: nothing to distribute');
      return;
    }
    const config = enforcerConfigOf(state);
    let result = cache.setSnapshot(tenantId, config, { version });
    if (!result.ok && result.code === 'STALE_VERSION') {
      // Not out-of-order commits (a tenant's appends hold its advisory lock, positions are
      // taken inside it): the version and the read models are read in separate transactions,
      // so a rebuild with nothing new (an event heard twice, the resync) can read version v,
      // then see an event after v commit. The content is newer than v; current + 1 is still
      // at most that event's position, whose own build relabels it.
      const next = (cache.get(tenantId)?.version ?? version) + 1n;
      logger.warn({ tenantId, version: String(version), published: String(next) }, 'snapshot content changed under an unchanged version; publishing the next one');
      result = cache.setSnapshot(tenantId, config, { version: next });
    }
    if (!result.ok) {
      logger.error({ tenantId, code: result.code, reason: result.message, errors: result.errors }, 'snapshot not published; enforcers keep the previous one');
      return;
    }
    if (!result.changed) return;
    logger.info(
      { tenantId, version: String(result.snapshot.version), contentHash: result.snapshot.contentHash, policyVersion: String(config.policy?.version ?? 0n) },
      'snapshot published',
    );
  }
}
