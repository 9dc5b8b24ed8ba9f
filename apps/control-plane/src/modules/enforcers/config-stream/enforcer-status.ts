// The ports of the config stream that this context owns and implements (EnforcerTokenAuthenticator,
// EnforcerStatusRecorder); distribution's ConfigStreamServer calls them. Distribution imports
// these from the enforcers context, never the reverse.
import type { ReceiptKeyAnnouncement } from '@thoth/snapshot';

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

export interface StreamEvent {
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
  /** `receiptKey`: the key the process signs receipts with, as its Hello announced it (its proof checked by the server). */
  connected(event: StreamEvent & { readonly tenantIds: readonly string[]; readonly peer: string; readonly receiptKey?: ReceiptKeyAnnouncement }): void | Promise<void>;
  disconnected(event: StreamEvent & { readonly reason: string }): void | Promise<void>;
  /** Any message from the enforcer (heartbeats included): its last contact. */
  contact(event: StreamEvent): void | Promise<void>;
  acked(event: AckEvent): void | Promise<void>;
  nacked(event: NackEvent): void | Promise<void>;
}
