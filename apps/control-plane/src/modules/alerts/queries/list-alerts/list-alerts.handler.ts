import { Inject } from '@nestjs/common';
import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { AlertsRepository, type AlertCursor } from '../../storage/alerts.repository.js';
import { alertView } from '../alert-view.js';
import { type AlertPage, ListAlertsQuery } from './list-alerts.query.js';

/** Cursors are opaque to callers: base64url of `<createdAt ISO>|<alert id>`. */
export const encodeAlertCursor = (cursor: AlertCursor): string => Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.alertId}`).toString('base64url');

export function decodeAlertCursor(text: string): AlertCursor | undefined {
  const [at, alertId, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (rest.length > 0 || alertId === undefined || !/^[0-9a-f-]{36}$/.test(alertId) || Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, alertId };
}

@QueryHandler(ListAlertsQuery)
export class ListAlertsHandler implements IQueryHandler<ListAlertsQuery> {
  constructor(@Inject(AlertsRepository) private readonly outbox: AlertsRepository) {}

  async execute({ tenantId, filter }: ListAlertsQuery): Promise<AlertPage> {
    const rows = await this.outbox.list(tenantId, { ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => alertView(row, false)),
      next: rows.length > filter.limit && last ? encodeAlertCursor({ createdAt: last.createdAt, alertId: last.alertId }) : null,
    };
  }
}
