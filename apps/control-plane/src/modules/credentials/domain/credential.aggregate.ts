import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { CredentialError, credentialNotFound } from './credential.errors.js';
import {
  CredentialAgentLinked,
  CredentialAgentUnlinked,
  CredentialRegistered,
  CredentialRevoked,
  CredentialRotated,
  type CredentialEvent,
  type CredentialKind,
} from './events/index.js';
import type { Fingerprint } from './fingerprint.js';
import { assertCidr, assertRegion } from './allowed-locations.js';

export type CredentialStatus = 'active' | 'revoked';

const PROVIDER = /^[a-z0-9][a-z0-9._-]{0,63}$/;
// Scopes and resource globs: printable, no whitespace (OAuth scope tokens, `crm/*`).
const TOKEN = /^[\x21-\x7e\u00a0-\uffff]+$/;
const MAX_LIST = 100;
const MAX_AGENTS = 1_000;

export interface RegisterCredentialInput {
  readonly credentialId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly kind: CredentialKind;
  readonly provider: string;
  readonly fingerprint: Fingerprint;
  readonly scopes?: readonly string[];
  readonly allowedResources?: readonly string[];
  readonly allowedLocations?: { readonly cidrs?: readonly string[]; readonly regions?: readonly string[] };
  readonly expiresAt?: Date | null;
}

function list(values: readonly string[] | undefined, field: string, check: (v: string, field: string) => void): string[] {
  const items = values ?? [];
  if (items.length > MAX_LIST) throw new CredentialError('credential.invalid_field', 'invalid', `${field} has more than ${MAX_LIST} entries`, field);
  items.forEach((v, i) => check(v, `${field}/${i}`));
  return [...new Set(items)];
}

function printable(code: 'credential.invalid_scope' | 'credential.invalid_resource', what: string, max: number) {
  return (v: string, field: string): void => {
    if (v.length === 0 || v.length > max || !TOKEN.test(v)) {
      throw new CredentialError(code, 'invalid', `${what} '${v}' must be 1-${max} printable characters without spaces`, field);
    }
  };
}

/** Stream of one credential in the event store. */
export const credentialStreamId = (credentialId: string): string => `credential-${credentialId}`;

/**
 * A secret an agent uses against some provider (an OAuth token, an API key), known only by
 * its fingerprint, with what it may touch and from where. The enforcer matches calls to it
 * by fingerprint; `rotate` swaps the fingerprint, `revoke` ends it.
 */
export class Credential extends AggregateRoot<CredentialEvent> {
  #id = '';
  #tenantId = '';
  #name = '';
  #kind: CredentialKind = 'api_key';
  #provider = '';
  #fingerprint = '';
  #rotatedOut: string[] = [];
  #scopes: readonly string[] = [];
  #allowedResources: readonly string[] = [];
  #allowedCidrs: readonly string[] = [];
  #allowedRegions: readonly string[] = [];
  #expiresAt: Date | null = null;
  #agentIds = new Set<string>();
  #status: CredentialStatus = 'active';

  private constructor() {
    super();
  }

  static register(input: RegisterCredentialInput, now: Date): Credential {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) {
      throw new CredentialError('credential.invalid_field', 'invalid', 'name must be 1-200 characters', '/name');
    }
    if (!PROVIDER.test(input.provider)) {
      throw new CredentialError('credential.invalid_field', 'invalid', `provider '${input.provider}' must be 1-64 lowercase letters, digits, '.', '_' or '-' (e.g. salesforce, github)`, '/provider');
    }
    const expiresAt = futureExpiry(input.expiresAt, now);
    const credential = new Credential();
    credential.raise(
      new CredentialRegistered({
        credentialId: input.credentialId,
        tenantId: input.tenantId,
        name,
        kind: input.kind,
        provider: input.provider,
        fingerprint: input.fingerprint,
        scopes: list(input.scopes, '/scopes', printable('credential.invalid_scope', 'scope', 256)),
        allowedResources: list(input.allowedResources, '/allowedResources', printable('credential.invalid_resource', 'resource glob', 512)),
        allowedCidrs: list(input.allowedLocations?.cidrs, '/allowedLocations/cidrs', assertCidr),
        allowedRegions: list(input.allowedLocations?.regions, '/allowedLocations/regions', assertRegion),
        expiresAt: expiresAt?.toISOString() ?? null,
        registeredAt: now.toISOString(),
      }),
    );
    return credential;
  }

  /** Loads a credential from its stream; an empty stream is a credential that does not exist (404). */
  static fromHistory(history: readonly RecordedEvent[]): Credential {
    if (history.length === 0) throw credentialNotFound();
    return new Credential().loadFrom(history);
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
  get kind(): CredentialKind {
    return this.#kind;
  }
  get provider(): string {
    return this.#provider;
  }
  get fingerprint(): string {
    return this.#fingerprint;
  }
  /** Fingerprints this credential had before, oldest first. */
  get rotatedOut(): readonly string[] {
    return this.#rotatedOut;
  }
  get scopes(): readonly string[] {
    return this.#scopes;
  }
  get allowedResources(): readonly string[] {
    return this.#allowedResources;
  }
  get allowedCidrs(): readonly string[] {
    return this.#allowedCidrs;
  }
  get allowedRegions(): readonly string[] {
    return this.#allowedRegions;
  }
  get expiresAt(): Date | null {
    return this.#expiresAt;
  }
  get agentIds(): readonly string[] {
    return [...this.#agentIds].sort();
  }
  get status(): CredentialStatus {
    return this.#status;
  }
  isExpired(now: Date): boolean {
    return this.#expiresAt !== null && this.#expiresAt.getTime() <= now.getTime();
  }

  /** Lets an agent use this credential. The caller has checked the agent exists in the same tenant. */
  linkAgent(agentId: string, now: Date): void {
    this.#assertActive('linked to an agent');
    if (this.isExpired(now)) {
      throw new CredentialError('credential.expired', 'conflict', `credential '${this.#name}' expired at ${this.#expiresAt?.toISOString()}; rotate it first`);
    }
    if (this.#agentIds.has(agentId)) return;
    if (this.#agentIds.size >= MAX_AGENTS) {
      throw new CredentialError('credential.too_many_agents', 'conflict', `a credential is linked to at most ${MAX_AGENTS} agents`);
    }
    this.raise(new CredentialAgentLinked({ credentialId: this.#id, agentId, linkedAt: now.toISOString() }));
  }

  /** Unlinking an agent that is not linked is a no-op. */
  unlinkAgent(agentId: string, now: Date): void {
    this.#assertActive('unlinked from an agent');
    if (!this.#agentIds.has(agentId)) return;
    this.raise(new CredentialAgentUnlinked({ credentialId: this.#id, agentId, unlinkedAt: now.toISOString() }));
  }

  /** Replaces the fingerprint; the old one is kept as rotated out and may never come back. */
  rotate(fingerprint: Fingerprint, expiresAt: Date | null | undefined, now: Date): void {
    this.#assertActive('rotated');
    if (fingerprint === this.#fingerprint) {
      throw new CredentialError('credential.fingerprint_unchanged', 'conflict', 'the new secret has the same fingerprint as the current one', '/fingerprint');
    }
    if (this.#rotatedOut.includes(fingerprint)) {
      throw new CredentialError('credential.fingerprint_reused', 'conflict', 'this secret was rotated out of the credential before and cannot come back', '/fingerprint');
    }
    const nextExpiry = expiresAt === undefined ? this.#expiresAt : futureExpiry(expiresAt, now);
    this.raise(
      new CredentialRotated({
        credentialId: this.#id,
        fingerprint,
        previousFingerprint: this.#fingerprint,
        expiresAt: nextExpiry?.toISOString() ?? null,
        rotatedAt: now.toISOString(),
      }),
    );
  }

  /** Terminal. Revoking twice is a no-op. */
  revoke(reason: string | null | undefined, now: Date): void {
    if (this.#status === 'revoked') return;
    const text = reason?.trim() ? reason.trim() : null;
    if (text !== null && text.length > 1_000) throw new CredentialError('credential.invalid_field', 'invalid', 'reason is longer than 1000 characters', '/reason');
    this.raise(new CredentialRevoked({ credentialId: this.#id, reason: text, revokedAt: now.toISOString() }));
  }

  protected apply(event: CredentialEvent): void {
    switch (event.type) {
      case CredentialRegistered.type: {
        const p = event.payload;
        this.#id = p.credentialId;
        this.#tenantId = p.tenantId;
        this.#name = p.name;
        this.#kind = p.kind;
        this.#provider = p.provider;
        this.#fingerprint = p.fingerprint;
        this.#scopes = p.scopes;
        this.#allowedResources = p.allowedResources;
        this.#allowedCidrs = p.allowedCidrs;
        this.#allowedRegions = p.allowedRegions;
        this.#expiresAt = p.expiresAt === null ? null : new Date(p.expiresAt);
        break;
      }
      case CredentialAgentLinked.type:
        this.#agentIds.add(event.payload.agentId);
        break;
      case CredentialAgentUnlinked.type:
        this.#agentIds.delete(event.payload.agentId);
        break;
      case CredentialRotated.type:
        this.#rotatedOut = [...this.#rotatedOut, event.payload.previousFingerprint];
        this.#fingerprint = event.payload.fingerprint;
        this.#expiresAt = event.payload.expiresAt === null ? null : new Date(event.payload.expiresAt);
        break;
      case CredentialRevoked.type:
        this.#status = 'revoked';
        break;
    }
  }

  #assertActive(what: string): void {
    if (this.#status === 'revoked') {
      throw new CredentialError('credential.revoked', 'conflict', `credential '${this.#name}' is revoked and cannot be ${what}`);
    }
  }
}

function futureExpiry(expiresAt: Date | null | undefined, now: Date): Date | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  if (Number.isNaN(expiresAt.getTime())) throw new CredentialError('credential.invalid_expiry', 'invalid', 'expiresAt is not a valid time', '/expiresAt');
  if (expiresAt.getTime() <= now.getTime()) {
    throw new CredentialError('credential.invalid_expiry', 'invalid', `expiresAt ${expiresAt.toISOString()} is not in the future`, '/expiresAt');
  }
  return expiresAt;
}
