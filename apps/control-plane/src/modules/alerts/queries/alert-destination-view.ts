import type { AlertDestinationRow } from '@thoth/db';

/** An alert destination as the API shows it: never a URL (it may hold a token) nor a secret. */
export interface AlertDestinationView {
  id: string;
  name: string;
  kind: AlertDestinationRow['kind'];
  target: string;
  syslog: { host: string; port: number; transport: 'tcp' | 'udp'; facility: number } | null;
  signing: { algorithm: 'hmac-sha256'; rotatedAt: string | null; previousSecretValidUntil: string | null } | null;
  status: AlertDestinationRow['status'];
  createdAt: string;
  deletedAt: string | null;
  version: number;
}

export function alertDestinationView(row: AlertDestinationRow, now: Date): AlertDestinationView {
  const previousValid = row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt.getTime() > now.getTime();
  return {
    id: row.destinationId,
    name: row.name,
    kind: row.kind,
    target: row.target,
    syslog:
      row.kind === 'syslog'
        ? { host: row.syslogHost ?? '', port: row.syslogPort ?? 0, transport: row.syslogTransport ?? 'tcp', facility: row.syslogFacility ?? 0 }
        : null,
    signing:
      row.kind === 'webhook'
        ? {
            algorithm: 'hmac-sha256',
            rotatedAt: row.secretRotatedAt?.toISOString() ?? null,
            previousSecretValidUntil: previousValid ? (row.previousSecretExpiresAt?.toISOString() ?? null) : null,
          }
        : null,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    deletedAt: row.deletedAt?.toISOString() ?? null,
    version: row.version,
  };
}
