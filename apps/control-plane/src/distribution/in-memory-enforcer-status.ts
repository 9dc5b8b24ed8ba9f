import { keyIdOf } from '@thoth/snapshot';
import type { AckEvent, EnforcerAuthenticator, EnforcerIdentity, EnforcerStatusSink, NackEvent, StreamEvent } from '../modules/enforcers/index.js';

/** What an in-memory sink knows of one enforcer instance and tenant. */
export interface EnforcerTenantStatus {
  readonly enforcerId: string;
  readonly instanceId: string;
  readonly tenantId: string;
  readonly activeVersion?: bigint;
  readonly ackedAt?: number;
  readonly lastNack?: { readonly version: bigint; readonly errorCode: string; readonly errorMessage: string; readonly at: number };
}

/** For tests and the embedded mode: the latest status per enforcer instance and tenant, in memory. */
export class InMemoryEnforcerStatusSink implements EnforcerStatusSink {
  readonly #status = new Map<string, EnforcerTenantStatus>();
  readonly #contact = new Map<string, { at: number; connected: boolean }>();
  readonly acks: AckEvent[] = [];
  readonly nacks: NackEvent[] = [];
  /** The receipt keys announced by connecting processes, in order. */
  readonly receiptKeys: { readonly enforcerId: string; readonly instanceId: string; readonly keyId: string }[] = [];

  connected(event: Parameters<EnforcerStatusSink['connected']>[0]): void {
    this.#contact.set(event.instanceId, { at: event.at, connected: true });
    if (event.receiptKey) this.receiptKeys.push({ enforcerId: event.enforcerId, instanceId: event.instanceId, keyId: keyIdOf(event.receiptKey.publicKey) });
  }

  disconnected(event: StreamEvent): void {
    this.#contact.set(event.instanceId, { at: event.at, connected: false });
  }

  contact(event: StreamEvent): void {
    this.#contact.set(event.instanceId, { at: event.at, connected: true });
  }

  acked(event: AckEvent): void {
    this.acks.push(event);
    const key = `${event.instanceId}\u0000${event.tenantId}`;
    const previous = this.#status.get(key);
    this.#status.set(key, { ...previous, enforcerId: event.enforcerId, instanceId: event.instanceId, tenantId: event.tenantId, activeVersion: event.version, ackedAt: event.at });
  }

  nacked(event: NackEvent): void {
    this.nacks.push(event);
    const key = `${event.instanceId}\u0000${event.tenantId}`;
    const previous = this.#status.get(key);
    this.#status.set(key, {
      ...previous,
      enforcerId: event.enforcerId,
      instanceId: event.instanceId,
      tenantId: event.tenantId,
      lastNack: { version: event.version, errorCode: event.errorCode, errorMessage: event.errorMessage, at: event.at },
    });
  }

  status(instanceId: string, tenantId: string): EnforcerTenantStatus | undefined {
    return this.#status.get(`${instanceId}\u0000${tenantId}`);
  }

  lastContact(instanceId: string): { at: number; connected: boolean } | undefined {
    return this.#contact.get(instanceId);
  }

  list(): EnforcerTenantStatus[] {
    return [...this.#status.values()];
  }
}

/** For tests and the embedded mode: a fixed token → identity table. */
export class StaticEnforcerAuthenticator implements EnforcerAuthenticator {
  readonly #byToken: ReadonlyMap<string, EnforcerIdentity>;

  constructor(tokens: Record<string, EnforcerIdentity>) {
    this.#byToken = new Map(Object.entries(tokens));
  }

  authenticate(token: string): EnforcerIdentity | undefined {
    return this.#byToken.get(token);
  }
}
