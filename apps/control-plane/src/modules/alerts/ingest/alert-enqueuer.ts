import { Inject, Injectable, Optional } from '@nestjs/common';
import type { NewAlertRow } from '@thoth/db';
import { randomUUID } from 'node:crypto';
import type { AlertsConfig } from '../../../config/config.js';
import { Clock } from '../../../platform/clock/clock.js';
import type { Tx } from '../../../platform/database/tenant-database.js';
import { APPROVAL_LINKS, type ApprovalLinks } from '../../approvals/index.js';
import type { DecisionIngestHook, DecisionRecord } from '../../decisions/index.js';
import { ALERTS_CONFIG } from '../alerts.tokens.js';
import { alertDocument, alertReasonOf } from '../domain/alert.js';
import { AlertsRepository } from '../storage/alerts.repository.js';
import { AlertDestinationsRepository } from '../storage/alert-destinations.repository.js';

/**
 * Enqueues the alerts of newly recorded decisions, inside the transaction that records them
 * (tenant-scoped): one row per (decision, active destination, kind), so a decision recorded
 * twice (a redelivered Kafka message) still makes each alert once. Returns how many rows are new.
 */
export async function enqueueAlerts(
  tx: Tx,
  tenantId: string,
  records: readonly DecisionRecord[],
  options: { ledgerPublicUrl: string; now: Date; newId?: () => string; approvalUrl?: (record: DecisionRecord) => string | undefined },
): Promise<number> {
  const alerting = records.flatMap((record) => {
    const reason = alertReasonOf(record);
    return reason && record.tenantId === tenantId ? [{ record, reason }] : [];
  });
  if (alerting.length === 0) return 0;
  const destinations = await AlertDestinationsRepository.activeIds(tx, tenantId);
  if (destinations.length === 0) return 0;
  const newId = options.newId ?? randomUUID;
  const rows: NewAlertRow[] = [];
  for (const { record, reason } of alerting) {
    for (const destinationId of destinations) {
      const alertId = newId();
      rows.push({
        alertId,
        tenantId,
        destinationId,
        decisionId: record.decisionId,
        kind: reason.kind,
        severity: reason.severity,
        document: alertDocument({ alertId, record, reason, ledgerPublicUrl: options.ledgerPublicUrl, now: options.now, ...approvalUrlOf(record, options.approvalUrl) }),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: options.now,
        cycleStartedAt: options.now,
        redeliveries: 0,
        createdAt: options.now,
      });
    }
  }
  return AlertsRepository.enqueue(tx, rows);
}

function approvalUrlOf(record: DecisionRecord, link: ((record: DecisionRecord) => string | undefined) | undefined): { approvalUrl?: string } {
  const url = link?.(record);
  return url === undefined ? {} : { approvalUrl: url };
}

/** The decision-ingest hook of the alerts context (DECISION_INGEST_HOOKS). */
@Injectable()
export class AlertEnqueuer implements DecisionIngestHook {
  constructor(
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Optional() @Inject(APPROVAL_LINKS) private readonly approvalLinks: ApprovalLinks | null = null,
  ) {}

  async onRecorded(tx: Tx, tenantId: string, records: readonly DecisionRecord[]): Promise<void> {
    const links = this.approvalLinks;
    await enqueueAlerts(tx, tenantId, records, {
      ledgerPublicUrl: this.config.ledgerPublicUrl,
      now: this.clock.now(),
      ...(links ? { approvalUrl: (record: DecisionRecord) => links.pageUrlOf(record) } : {}),
    });
  }
}
