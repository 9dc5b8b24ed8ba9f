import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { PolicyModeChanged, PolicyRolledBack, PolicyVersionPublished, type PolicyEvent } from './events/index.js';
import { PolicyError, StalePolicyVersionError } from './policy.errors.js';
import type { PolicyMode } from './policy-mode.js';
import { assertValidPolicySource, type PolicyFormat } from './policy-source.js';

export type { PolicyMode } from './policy-mode.js';

/** One tenant has one policy document, so its stream is named by the tenant. */
export const policyStreamId = (tenantId: string): string => `policy-${tenantId}`;

/** A published version as the aggregate remembers it (enough to roll back to it). */
export interface PolicyVersion {
  readonly version: number;
  readonly format: PolicyFormat;
  readonly source: string;
  readonly contentHash: string;
  readonly rolledBackTo: number | null;
  readonly publishedAt: string;
}

export interface PublishPolicyInput {
  readonly source: string;
  readonly format: PolicyFormat;
  /**
   * The version the author edited (If-Match); 0 when publishing the first. Undefined
   * publishes unconditionally — the API never does that.
   */
  readonly expectedVersion?: number;
}

/**
 * A tenant's policy: the ordered, immutable versions of its one document, and its mode.
 * Versions only go up (a rollback publishes a copy of an old one); publishing checks the
 * version the author started from, so two authors cannot silently overwrite each other.
 */
export class Policy extends AggregateRoot<PolicyEvent> {
  #tenantId = '';
  #versions: PolicyVersion[] = [];
  #mode: PolicyMode = 'enforce';

  private constructor() {
    super();
  }

  /** A tenant that never published starts here. */
  static empty(tenantId: string): Policy {
    const policy = new Policy();
    policy.#tenantId = tenantId;
    return policy;
  }

  static fromHistory(tenantId: string, history: readonly RecordedEvent[]): Policy {
    const policy = Policy.empty(tenantId);
    return policy.loadFrom(history);
  }

  get tenantId(): string {
    return this.#tenantId;
  }
  /** 0 before the first publish. */
  get currentVersion(): number {
    return this.#versions.length;
  }
  get current(): PolicyVersion | undefined {
    return this.#versions.at(-1);
  }
  get versions(): readonly PolicyVersion[] {
    return this.#versions;
  }
  get mode(): PolicyMode {
    return this.#mode;
  }

  /** Publishes the next version if the source compiles, differs from the current one, and `expectedVersion` is current. */
  publish(input: PublishPolicyInput, now: Date): PolicyVersion {
    this.#assertExpected(input.expectedVersion);
    const valid = assertValidPolicySource(input.source, input.format);
    this.#assertChanged(valid.contentHash);
    this.raise(
      new PolicyVersionPublished({
        tenantId: this.#tenantId,
        version: this.currentVersion + 1,
        format: input.format,
        source: input.source,
        contentHash: valid.contentHash,
        documentName: valid.document.name,
        documentVersion: valid.document.version,
        publishedAt: now.toISOString(),
      }),
    );
    return this.current as PolicyVersion;
  }

  /**
   * Publishes a new version with the content of `toVersion`. The old source is compiled
   * again: an engine upgrade may have made it invalid, and enforcers would NACK it.
   */
  rollBack(input: { readonly toVersion: number; readonly expectedVersion?: number }, now: Date): PolicyVersion {
    this.#assertExpected(input.expectedVersion);
    const target = this.#versions[input.toVersion - 1];
    if (target === undefined || !Number.isInteger(input.toVersion)) {
      throw new PolicyError('policy.version_not_found', 'not_found', `policy version ${input.toVersion} does not exist`);
    }
    const valid = assertValidPolicySource(target.source, target.format);
    this.#assertChanged(valid.contentHash);
    this.raise(
      new PolicyRolledBack({
        tenantId: this.#tenantId,
        version: this.currentVersion + 1,
        rolledBackTo: target.version,
        format: target.format,
        source: target.source,
        contentHash: valid.contentHash,
        documentName: valid.document.name,
        documentVersion: valid.document.version,
        publishedAt: now.toISOString(),
      }),
    );
    return this.current as PolicyVersion;
  }

  /** Shadow observes, enforce blocks. Setting the mode it already has records nothing. */
  setMode(mode: PolicyMode, now: Date): void {
    if (this.currentVersion === 0) throw new PolicyError('policy.not_found', 'not_found', 'no policy has been published yet');
    if (mode === this.#mode) return;
    this.raise(new PolicyModeChanged({ tenantId: this.#tenantId, mode, previousMode: this.#mode, changedAt: now.toISOString() }));
  }

  /** A published version, or `policy.version_not_found`. */
  versionAt(n: number): PolicyVersion {
    const v = this.#versions[n - 1];
    if (v === undefined) throw new PolicyError('policy.version_not_found', 'not_found', `policy version ${n} does not exist`);
    return v;
  }

  protected apply(event: PolicyEvent): void {
    switch (event.type) {
      case PolicyVersionPublished.type:
      case PolicyRolledBack.type: {
        const p = event.payload;
        this.#tenantId = p.tenantId;
        this.#versions.push({
          version: p.version,
          format: p.format,
          source: p.source,
          contentHash: p.contentHash,
          rolledBackTo: 'rolledBackTo' in p ? p.rolledBackTo : null,
          publishedAt: p.publishedAt,
        });
        break;
      }
      case PolicyModeChanged.type:
        this.#mode = event.payload.mode;
        break;
    }
  }

  #assertExpected(expected: number | undefined): void {
    if (expected !== undefined && expected !== this.currentVersion) throw new StalePolicyVersionError(expected, this.currentVersion);
  }

  #assertChanged(contentHash: string): void {
    if (this.current?.contentHash === contentHash) {
      throw new PolicyError('policy.unchanged', 'conflict', `version ${this.currentVersion} already has this content; nothing to publish`);
    }
  }
}
