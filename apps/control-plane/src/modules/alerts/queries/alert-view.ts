import type { AlertRow } from '@thoth/db';

/** An alert's delivery state; `document` (what was sent) only when one alert is asked for. */
export interface AlertView {
  id: string;
  destinationId: string;
  decisionId: string;
  kind: AlertRow['kind'];
  severity: AlertRow['severity'];
  status: AlertRow['status'];
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  /** When the next attempt is due (pending only). */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadLetteredAt: string | null;
  redeliveries: number;
  createdAt: string;
  document?: unknown;
}

export function alertView(row: AlertRow, withDocument: boolean): AlertView {
  return {
    id: row.alertId,
    destinationId: row.destinationId,
    decisionId: row.decisionId,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    deadLetteredAt: row.deadLetteredAt?.toISOString() ?? null,
    redeliveries: row.redeliveries,
    createdAt: row.createdAt.toISOString(),
    ...(withDocument ? { document: row.document } : {}),
  };
}
