import { AggregateRoot } from '../../../shared/domain/aggregate-root.js';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { AlertError, alertDestinationNotFound } from './alert.errors.js';
import {
  AlertDestinationCreated,
  AlertDestinationDeleted,
  AlertDestinationSecretRotated,
  type AlertDestinationCreatedPayload,
  type AlertDestinationEvent,
  type AlertDestinationKind,
  type SyslogTarget,
} from './events/index.js';

export type AlertDestinationStatus = 'active' | 'deleted';

/** How long a rotated-out signing secret may keep signing beside the new one, at most. */
export const MAX_SECRET_GRACE_MS = 7 * 86_400_000;

/** What creating a destination records, but for when. */
export type CreateAlertDestinationInput = Omit<AlertDestinationCreatedPayload, 'createdAt'>;

/** Stream of one alert destination in the event store. */
export const alertDestinationStreamId = (destinationId: string): string => `alert-destination-${destinationId}`;

/**
 * A place a tenant's SOC alerts go: a signed webhook, a Slack-compatible incoming webhook or
 * a syslog (CEF) collector. It holds only sealed values (URL, signing secret): sealing and
 * address checks happen before it is asked, since they need a key and DNS.
 */
export class AlertDestination extends AggregateRoot<AlertDestinationEvent> {
  #id = '';
  #name = '';
  #kind: AlertDestinationKind = 'webhook';
  #secretCiphertext: string | null = null;
  #status: AlertDestinationStatus = 'active';

  private constructor() {
    super();
  }

  static create(input: CreateAlertDestinationInput, now: Date): AlertDestination {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) {
      throw new AlertError('alert_destination.invalid_field', 'invalid', 'name must be 1-100 characters', '/name');
    }
    const needsUrl = input.kind !== 'syslog';
    if (needsUrl !== (input.urlCiphertext !== null) || needsUrl === (input.syslog !== null)) {
      throw new Error(`a ${input.kind} destination has ${needsUrl ? 'a URL and no syslog target' : 'a syslog target and no URL'}`);
    }
    if ((input.kind === 'webhook') !== (input.secretCiphertext !== null)) {
      throw new Error('a webhook destination, and only it, has a signing secret');
    }
    if (input.syslog) assertSyslogTarget(input.syslog);
    const destination = new AlertDestination();
    destination.raise(
      new AlertDestinationCreated({
        destinationId: input.destinationId,
        tenantId: input.tenantId,
        name,
        kind: input.kind,
        target: input.target,
        urlCiphertext: input.urlCiphertext,
        syslog: input.syslog,
        secretCiphertext: input.secretCiphertext,
        createdAt: now.toISOString(),
      }),
    );
    return destination;
  }

  /** Loads a destination from its stream; an empty stream is a destination that does not exist (404). */
  static fromHistory(history: readonly RecordedEvent[]): AlertDestination {
    if (history.length === 0) throw alertDestinationNotFound();
    return new AlertDestination().loadFrom(history);
  }

  get id(): string {
    return this.#id;
  }
  get name(): string {
    return this.#name;
  }
  get kind(): AlertDestinationKind {
    return this.#kind;
  }
  get status(): AlertDestinationStatus {
    return this.#status;
  }

  /**
   * A new signing secret (webhooks only). With a grace period the old secret keeps signing
   * beside the new one (two `v1=` signatures) until it ends, so receivers can switch without
   * rejecting alerts in flight.
   */
  rotateSecret(secretCiphertext: string, keepPreviousForMs: number, now: Date): void {
    this.#assertActive();
    if (this.#kind !== 'webhook' || this.#secretCiphertext === null) {
      throw new AlertError('alert_destination.not_signed', 'conflict', `a ${this.#kind} destination has no signing secret to rotate`);
    }
    if (!Number.isInteger(keepPreviousForMs) || keepPreviousForMs < 0 || keepPreviousForMs > MAX_SECRET_GRACE_MS) {
      throw new AlertError('alert_destination.invalid_field', 'invalid', 'the previous secret may keep signing for 0 to 604800 seconds', '/keepPreviousForSeconds');
    }
    this.raise(
      new AlertDestinationSecretRotated({
        destinationId: this.#id,
        secretCiphertext,
        previousSecretCiphertext: keepPreviousForMs > 0 ? this.#secretCiphertext : null,
        previousSecretExpiresAt: keepPreviousForMs > 0 ? new Date(now.getTime() + keepPreviousForMs).toISOString() : null,
        rotatedAt: now.toISOString(),
      }),
    );
  }

  /** Terminal. Deleting twice is a no-op. */
  delete(now: Date): void {
    if (this.#status === 'deleted') return;
    this.raise(new AlertDestinationDeleted({ destinationId: this.#id, deletedAt: now.toISOString() }));
  }

  protected apply(event: AlertDestinationEvent): void {
    switch (event.type) {
      case AlertDestinationCreated.type:
        this.#id = event.payload.destinationId;
        this.#name = event.payload.name;
        this.#kind = event.payload.kind;
        this.#secretCiphertext = event.payload.secretCiphertext;
        break;
      case AlertDestinationSecretRotated.type:
        this.#secretCiphertext = event.payload.secretCiphertext;
        break;
      case AlertDestinationDeleted.type:
        this.#status = 'deleted';
        break;
    }
  }

  #assertActive(): void {
    if (this.#status === 'deleted') {
      throw new AlertError('alert_destination.deleted', 'conflict', `alert destination '${this.#name}' is deleted`);
    }
  }
}

function assertSyslogTarget(target: SyslogTarget): void {
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
    throw new AlertError('alert_destination.invalid_field', 'invalid', 'port must be 1-65535', '/port');
  }
  if (!Number.isInteger(target.facility) || target.facility < 0 || target.facility > 23) {
    throw new AlertError('alert_destination.invalid_field', 'invalid', 'facility must be an RFC 5424 facility, 0-23', '/facility');
  }
}
