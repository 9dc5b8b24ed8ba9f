import { keyIdOf, receiptKeyProblem, type ReceiptKeyAnnouncement } from '@thoth/snapshot';
import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { issueToken } from '../../../shared/domain/secret-token.js';
import { EnforcerError, enforcerNotFound } from './enforcer.errors.js';
import {
  EnforcerConfigActivated,
  EnforcerConfigRejected,
  EnforcerDecommissioned,
  EnforcerReceiptKeyAnnounced,
  EnforcerRegistered,
  EnforcerSeen,
  type EnforcerEvent,
} from './events/index.js';

export type EnforcerStatus = 'active' | 'decommissioned';

/** Heartbeats closer together than this are not worth an event. */
export const SEEN_RESOLUTION_MS = 60_000;

const ENFORCER_NAME = /^[a-z0-9]([a-z0-9._-]{0,62})$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** Stream of one enforcer in the event store. */
export const enforcerStreamId = (enforcerId: string): string => `enforcer-${enforcerId}`;
/** The enforcer whose stream `streamId` is, or undefined when it is not an enforcer's. */
export const enforcerOfStream = (streamId: string): string | undefined => (streamId.startsWith('enforcer-') ? streamId.slice('enforcer-'.length) : undefined);

export interface EnforcerActivation {
  readonly configVersion: number;
  readonly contentHash: string | null;
  readonly activatedAt: Date;
  /** The process that reported it (`Hello.enforcer_id`); several may share one registration. */
  readonly instanceId: string | null;
}

/** A key a process of this enforcer signs its receipts with. */
export interface EnforcerReceiptKey {
  readonly keyId: string;
  /** Base64 of the raw 32-byte Ed25519 public key. */
  readonly publicKey: string;
  /** The process that announced it: the enforcer_id of its receipts. */
  readonly instanceId: string;
  readonly announcedAt: Date;
}

export interface EnforcerRejection {
  readonly configVersion: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly rejectedAt: Date;
  readonly instanceId: string | null;
}

/**
 * An enforcer process registered by a tenant: it authenticates with its token on the config
 * stream, and reports which config version it activated, so a rollout's progress is visible.
 */
export class Enforcer extends AggregateRoot<EnforcerEvent> {
  #id = '';
  #tenantId = '';
  #name = '';
  #tokenHash = '';
  #tokenHint = '';
  #status: EnforcerStatus = 'active';
  #activation: EnforcerActivation | null = null;
  #lastRejection: EnforcerRejection | null = null;
  #lastSeenAt: Date | null = null;
  #receiptKeys: EnforcerReceiptKey[] = [];

  private constructor() {
    super();
  }

  static register(input: { enforcerId: string; tenantId: string; name: string }, now: Date): { enforcer: Enforcer; token: string } {
    if (!ENFORCER_NAME.test(input.name)) {
      throw new EnforcerError(
        'enforcer.invalid_name',
        'invalid',
        `enforcer name '${input.name}' must be 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit`,
        '/name',
      );
    }
    const token = issueToken('enforcer');
    const enforcer = new Enforcer();
    enforcer.raise(
      new EnforcerRegistered({
        enforcerId: input.enforcerId,
        tenantId: input.tenantId,
        name: input.name,
        tokenHash: token.hash,
        tokenHint: token.hint,
        registeredAt: now.toISOString(),
      }),
    );
    return { enforcer, token: token.secret };
  }

  /** Loads an enforcer from its stream; an empty stream is an enforcer that does not exist (404). */
  static fromHistory(history: readonly RecordedEvent[]): Enforcer {
    if (history.length === 0) throw enforcerNotFound();
    return new Enforcer().loadFrom(history);
  }

  get id(): string {
    return this.#id;
  }
  get tenantId(): string {
    return this.#tenantId;
  }
  get name(): string {
    return this.#name;
  }
  get tokenHash(): string {
    return this.#tokenHash;
  }
  get tokenHint(): string {
    return this.#tokenHint;
  }
  get status(): EnforcerStatus {
    return this.#status;
  }
  get activation(): EnforcerActivation | null {
    return this.#activation;
  }
  /** The last config it NACKed (it kept running the one before). */
  get lastRejection(): EnforcerRejection | null {
    return this.#lastRejection;
  }
  get lastSeenAt(): Date | null {
    return this.#lastSeenAt;
  }
  /** Every receipt key its processes announced, oldest first; none is ever dropped. */
  get receiptKeys(): readonly EnforcerReceiptKey[] {
    return this.#receiptKeys;
  }

  /**
   * A process announced the key it signs receipts with (its Hello). Recorded once per key and
   * process: a reconnect announces the same key again and changes nothing; a restart with a new
   * key (rotation) adds it, and the keys before stay. The proof must hold for this registration's
   * token (libs/snapshot receipt-key.ts), so that no one records another's key as theirs.
   */
  announceReceiptKey(input: { announcement: ReceiptKeyAnnouncement; instanceId: string; announcedAt: Date }, now: Date): void {
    this.#assertActive();
    const instanceId = instance(input.instanceId);
    if (instanceId === null) throw new EnforcerError('enforcer.invalid_receipt_key', 'invalid', 'instanceId is required', '/instanceId');
    const problem = receiptKeyProblem(input.announcement, this.#tokenHash, instanceId);
    if (problem !== undefined) throw new EnforcerError('enforcer.invalid_receipt_key', 'invalid', problem, '/proof');
    const keyId = keyIdOf(input.announcement.publicKey);
    if (this.#receiptKeys.some((k) => k.keyId === keyId && k.instanceId === instanceId)) return;
    const at = input.announcedAt.getTime() > now.getTime() ? now : input.announcedAt;
    this.raise(
      new EnforcerReceiptKeyAnnounced({
        enforcerId: this.#id,
        keyId,
        publicKey: Buffer.from(input.announcement.publicKey).toString('base64'),
        instanceId,
        proof: Buffer.from(input.announcement.proof).toString('base64'),
        announcedAt: at.toISOString(),
      }),
    );
  }

  /**
   * The enforcer ACKed `configVersion`. A lower version than before is recorded too: an
   * enforcer restarted from its persisted snapshot really does run the older one.
   * Re-ACKing what it already runs (a reconnect) only counts as being seen.
   */
  recordActivation(
    input: { configVersion: number; contentHash?: string | null; activatedAt: Date; instanceId?: string | null },
    now: Date,
  ): void {
    this.#assertActive();
    assertReport(input.configVersion, input.activatedAt, now, '/activatedAt');
    const contentHash = input.contentHash ?? null;
    if (contentHash !== null && !HEX64.test(contentHash)) {
      throw new EnforcerError('enforcer.invalid_activation', 'invalid', 'contentHash must be 64 lowercase hex characters', '/contentHash');
    }
    const instanceId = instance(input.instanceId);
    const current = this.#activation;
    if (current !== null && current.configVersion === input.configVersion && current.contentHash === contentHash && current.instanceId === instanceId) {
      this.markSeen(input.activatedAt);
      return;
    }
    this.raise(
      new EnforcerConfigActivated({
        enforcerId: this.#id,
        configVersion: input.configVersion,
        contentHash,
        activatedAt: input.activatedAt.toISOString(),
        instanceId,
      }),
    );
  }

  /** The enforcer NACKed `configVersion` and keeps deciding on its previous one. */
  recordRejection(
    input: { configVersion: number; errorCode: string; errorMessage: string; rejectedAt: Date; instanceId?: string | null },
    now: Date,
  ): void {
    this.#assertActive();
    assertReport(input.configVersion, input.rejectedAt, now, '/rejectedAt');
    if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(input.errorCode)) {
      throw new EnforcerError('enforcer.invalid_activation', 'invalid', 'errorCode must be UPPER_SNAKE_CASE, at most 64 characters', '/errorCode');
    }
    this.raise(
      new EnforcerConfigRejected({
        enforcerId: this.#id,
        configVersion: input.configVersion,
        errorCode: input.errorCode,
        // An enforcer's message is untrusted text: bounded, so one bad NACK cannot bloat the store.
        errorMessage: input.errorMessage.slice(0, 2_000),
        rejectedAt: input.rejectedAt.toISOString(),
        instanceId: instance(input.instanceId),
      }),
    );
  }

  /** A heartbeat; recorded only when the last one is older than a minute (or older than it). */
  markSeen(at: Date): void {
    this.#assertActive();
    if (this.#lastSeenAt !== null && at.getTime() - this.#lastSeenAt.getTime() < SEEN_RESOLUTION_MS) return;
    this.raise(new EnforcerSeen({ enforcerId: this.#id, seenAt: at.toISOString() }));
  }

  /** Terminal. Decommissioning twice is a no-op. */
  decommission(reason: string | null | undefined, now: Date): void {
    if (this.#status === 'decommissioned') return;
    const text = reason?.trim() ? reason.trim() : null;
    if (text !== null && text.length > 1_000) throw new EnforcerError('enforcer.invalid_field', 'invalid', 'reason is longer than 1000 characters', '/reason');
    this.raise(new EnforcerDecommissioned({ enforcerId: this.#id, reason: text, decommissionedAt: now.toISOString() }));
  }

  protected apply(event: EnforcerEvent): void {
    switch (event.type) {
      case EnforcerRegistered.type: {
        const p = event.payload;
        this.#id = p.enforcerId;
        this.#tenantId = p.tenantId;
        this.#name = p.name;
        this.#tokenHash = p.tokenHash;
        this.#tokenHint = p.tokenHint;
        break;
      }
      case EnforcerConfigActivated.type: {
        const p = event.payload;
        const at = new Date(p.activatedAt);
        this.#activation = { configVersion: p.configVersion, contentHash: p.contentHash, activatedAt: at, instanceId: p.instanceId };
        if (this.#lastSeenAt === null || at > this.#lastSeenAt) this.#lastSeenAt = at;
        break;
      }
      case EnforcerConfigRejected.type: {
        const p = event.payload;
        const at = new Date(p.rejectedAt);
        this.#lastRejection = { configVersion: p.configVersion, errorCode: p.errorCode, errorMessage: p.errorMessage, rejectedAt: at, instanceId: p.instanceId };
        if (this.#lastSeenAt === null || at > this.#lastSeenAt) this.#lastSeenAt = at;
        break;
      }
      case EnforcerSeen.type: {
        const at = new Date(event.payload.seenAt);
        if (this.#lastSeenAt === null || at > this.#lastSeenAt) this.#lastSeenAt = at;
        break;
      }
      case EnforcerReceiptKeyAnnounced.type: {
        const p = event.payload;
        this.#receiptKeys = [...this.#receiptKeys, { keyId: p.keyId, publicKey: p.publicKey, instanceId: p.instanceId, announcedAt: new Date(p.announcedAt) }];
        break;
      }
      case EnforcerDecommissioned.type:
        this.#status = 'decommissioned';
        break;
    }
  }

  #assertActive(): void {
    if (this.#status === 'decommissioned') {
      throw new EnforcerError('enforcer.decommissioned', 'conflict', `enforcer '${this.#name}' is decommissioned`);
    }
  }
}

function assertReport(configVersion: number, at: Date, now: Date, field: string): void {
  if (!Number.isSafeInteger(configVersion) || configVersion < 1) {
    throw new EnforcerError('enforcer.invalid_activation', 'invalid', 'configVersion must be a positive integer', '/configVersion');
  }
  if (Number.isNaN(at.getTime()) || at.getTime() > now.getTime() + SEEN_RESOLUTION_MS) {
    throw new EnforcerError('enforcer.invalid_activation', 'invalid', `${field.slice(1)} must be a valid time, not in the future`, field);
  }
}

function instance(id: string | null | undefined): string | null {
  if (id === undefined || id === null || id === '') return null;
  if (id.length > 200) throw new EnforcerError('enforcer.invalid_activation', 'invalid', 'instanceId is longer than 200 characters', '/instanceId');
  return id;
}
