import { DomainEventClass } from '../../../../shared/domain/domain-event.js';

export type AlertDestinationKind = 'webhook' | 'slack' | 'syslog';

/** Where a syslog destination sends CEF: RFC 5424 over TCP (octet counting) or UDP. */
export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
  /** RFC 5424 facility (0-23) of the PRI; 10 (security/authorization) unless told. */
  readonly facility: number;
}

export interface AlertDestinationCreatedPayload {
  readonly destinationId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly kind: AlertDestinationKind;
  /** What may be shown: `https://host[:port]/…` or `tcp://host:port`. */
  readonly target: string;
  /** webhook, slack: the URL sealed with the secrets key (it may carry a token, as Slack's do). */
  readonly urlCiphertext: string | null;
  readonly syslog: SyslogTarget | null;
  /** webhook: the signing secret, sealed; it was shown once, in the creation's answer. */
  readonly secretCiphertext: string | null;
  readonly createdAt: string;
}

/** A tenant added a place its SOC alerts go. */
export class AlertDestinationCreated extends DomainEventClass('alert_destination.created')<AlertDestinationCreatedPayload> {}
