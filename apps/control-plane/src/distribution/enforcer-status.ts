/** Who is on the other end of a config stream, as the enforcer token says. */
export interface EnforcerIdentity {
  /** The enforcer registration the token belongs to. */
  readonly enforcerId: string;
  /** Tenants this enforcer may subscribe to. */
  readonly tenantIds: readonly string[];
}

/** Checks an enforcer token (the control plane looks up its hash). Undefined: unknown or revoked. */
export interface EnforcerAuthenticator {
  authenticate(token: string): Promise<EnforcerIdentity | undefined> | EnforcerIdentity | undefined;
}

interface StreamEvent {
  /** The registration (from the token). */
  readonly enforcerId: string;
  /** The process on the stream (Hello.enforcer_id); several may share a registration. */
  readonly instanceId: string;
  /** Epoch ms. */
  readonly at: number;
}

export interface AckEvent extends StreamEvent {
  readonly tenantId: string;
  /** The version the enforcer activated. */
  readonly version: bigint;
  readonly nonce: string;
}

export interface NackEvent extends StreamEvent {
  readonly tenantId: string;
  /** The version it refused; it keeps deciding on the one before. */
  readonly version: bigint;
  readonly nonce: string;
  readonly errorCode: string;
  readonly errorMessage: string;
}

/**
 * Where the stream server reports what each enforcer runs. Called without waiting: an
 * implementation that writes to Postgres returns a promise the server never awaits (a
 * rejection is only logged), so a slow sink never holds a stream up.
 */
export interface EnforcerStatusSink {
  connected(event: StreamEvent & { readonly tenantIds: readonly string[]; readonly peer: string }): void | Promise<void>;
  disconnected(event: StreamEvent & { readonly reason: string }): void | Promise<void>;
  /** Any message from the enforcer (heartbeats included): its last contact. */
  contact(event: StreamEvent): void | Promise<void>;
  acked(event: AckEvent): void | Promise<void>;
  nacked(event: NackEvent): void | Promise<void>;
}

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

  connected(event: StreamEvent): void {
    this.#contact.set(event.instanceId, { at: event.at, connected: true });
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
