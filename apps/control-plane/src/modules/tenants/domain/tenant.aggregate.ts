import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { DomainError } from '../../../shared/domain/domain-error.js';
import { ApiKeyIssued, ApiKeyRevoked, type TenantEvent, TenantFailModeChosen, TenantModeSwitched, TenantRetentionSet, TenantSignedUp } from './events/index.js';
import { checkRetention, DEFAULT_RETENTION } from './retention.js';
import type { ApiKeyRole, FailMode, Retention, TenantMode } from './tenant-settings.js';

export const tenantNotFound = (): DomainError => new DomainError('tenant.not_found', 'not_found', 'no such tenant');

/** Every tenant starts in shadow mode for this long: decided and recorded, nothing blocked. */
export const TRIAL_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export const tenantStreamId = (tenantId: string): string => `tenant-${tenantId}`;

export interface NewApiKey {
  keyId: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
  keyHash: string;
}

interface KeyState {
  role: ApiKeyRole;
  revoked: boolean;
}

/** The Tenant: its mode, its fail mode, its retention, its API keys. */
export class Tenant extends AggregateRoot<TenantEvent> {
  #id = '';
  #mode: TenantMode = 'shadow';
  #failMode: FailMode = 'closed';
  #retention: Retention = DEFAULT_RETENTION;
  #keys = new Map<string, KeyState>();

  get id(): string {
    return this.#id;
  }
  get mode(): TenantMode {
    return this.#mode;
  }
  get failMode(): FailMode {
    return this.#failMode;
  }
  get retention(): Retention {
    return this.#retention;
  }

  /** Self-serve sign-up: a shadow trial of TRIAL_DAYS from `now`, fail-closed, and a first admin key. */
  static signUp(input: { tenantId: string; name: string; email: string; now: Date; firstKey: NewApiKey }): Tenant {
    const tenant = new Tenant();
    tenant.raise(
      new TenantSignedUp({
        tenantId: input.tenantId,
        name: input.name,
        email: input.email,
        mode: 'shadow',
        failMode: 'closed',
        signedUpAt: input.now.toISOString(),
        trialEndsAt: new Date(input.now.getTime() + TRIAL_DAYS * DAY_MS).toISOString(),
      }),
    );
    tenant.issueApiKey(input.firstKey, input.now);
    return tenant;
  }

  static fromHistory(history: readonly RecordedEvent[]): Tenant {
    if (history.length === 0) throw tenantNotFound();
    return new Tenant().loadFrom(history);
  }

  switchMode(mode: TenantMode): void {
    if (mode === this.#mode) return;
    this.raise(new TenantModeSwitched({ mode, from: this.#mode }));
  }

  chooseFailMode(failMode: FailMode): void {
    if (failMode === this.#failMode) return;
    this.raise(new TenantFailModeChosen({ failMode, from: this.#failMode }));
  }

  setRetention(retention: Retention): void {
    checkRetention(retention);
    if (retention.decisionDays === this.#retention.decisionDays && retention.argumentDays === this.#retention.argumentDays) return;
    this.raise(new TenantRetentionSet({ decisionDays: retention.decisionDays, argumentDays: retention.argumentDays, from: this.#retention }));
  }

  issueApiKey(key: NewApiKey, now: Date): void {
    if (this.#keys.has(key.keyId)) throw new DomainError('tenant.api_key_exists', 'conflict', `API key ${key.keyId} exists`);
    this.raise(new ApiKeyIssued({ ...key, issuedAt: now.toISOString() }));
  }

  revokeApiKey(keyId: string, now: Date): void {
    const key = this.#keys.get(keyId);
    if (!key) throw new DomainError('tenant.api_key_not_found', 'not_found', `no API key ${keyId}`);
    if (key.revoked) throw new DomainError('tenant.api_key_already_revoked', 'conflict', `API key ${keyId} is already revoked`);
    const otherAdmins = [...this.#keys].filter(([id, k]) => id !== keyId && k.role === 'admin' && !k.revoked).length;
    if (key.role === 'admin' && otherAdmins === 0) {
      throw new DomainError('tenant.last_admin_key', 'conflict', 'this is the last active admin key: issue another admin key first');
    }
    this.raise(new ApiKeyRevoked({ keyId, revokedAt: now.toISOString() }));
  }

  protected apply(event: TenantEvent): void {
    switch (event.type) {
      case 'tenant.signed_up':
        this.#id = event.payload.tenantId;
        this.#mode = event.payload.mode;
        this.#failMode = event.payload.failMode;
        return;
      case 'tenant.mode_switched':
        this.#mode = event.payload.mode;
        return;
      case 'tenant.fail_mode_chosen':
        this.#failMode = event.payload.failMode;
        return;
      case 'tenant.retention_set':
        this.#retention = { decisionDays: event.payload.decisionDays, argumentDays: event.payload.argumentDays };
        return;
      case 'tenant.api_key_issued':
        this.#keys.set(event.payload.keyId, { role: event.payload.role, revoked: false });
        return;
      case 'tenant.api_key_revoked': {
        const key = this.#keys.get(event.payload.keyId);
        if (key) key.revoked = true;
        return;
      }
    }
  }
}
