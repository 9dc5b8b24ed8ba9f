import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { ProblemError } from '../../../platform/http/problem.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { RedeliverAlertCommand } from '../commands/redeliver-alert/redeliver-alert.command.js';
import type { AlertView } from '../queries/alert-view.js';
import { GetAlertQuery } from '../queries/get-alert/get-alert.query.js';
import { decodeAlertCursor } from '../queries/list-alerts/list-alerts.handler.js';
import { ListAlertsQuery } from '../queries/list-alerts/list-alerts.query.js';
import { AlertIdParams, AlertListResponse, AlertWithDocumentResponse, ListAlertsQueryParams } from './alerts.dto.js';

const NOT_FOUND = { description: 'No such alert in this tenant (alert.not_found)' };
const EmptyBody = z.strictObject({}).default({});

@Controller('alerts')
export class AlertsController extends ApiController {
  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listAlerts',
    summary: 'Alerts and their delivery: status, attempts, last error (status=dead_letter: the dead-letter list), oldest first',
    tags: ['alerts'],
    query: ListAlertsQueryParams,
    responses: { 200: { description: 'A page of alerts', schema: AlertListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListAlertsQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof AlertListResponse>> {
    const after = query.after === undefined ? undefined : decodeAlertCursor(query.after);
    if (query.after !== undefined && after === undefined) {
      throw new ProblemError(400, 'request.invalid', 'after is not a cursor from a previous page', [{ path: '/after', code: 'invalid_cursor', message: 'not a cursor' }]);
    }
    return this.queries.execute(
      new ListAlertsQuery(principal.tenantId, {
        limit: query.limit,
        ...(query.status ? { status: query.status } : {}),
        ...(query.destinationId ? { destinationId: query.destinationId } : {}),
        ...(after ? { after } : {}),
      }),
    );
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getAlert',
    summary: 'One alert, with what was sent',
    tags: ['alerts'],
    params: AlertIdParams,
    responses: { 200: { description: 'The alert', schema: AlertWithDocumentResponse }, 404: NOT_FOUND },
  })
  async get(@ValidParams() params: z.output<typeof AlertIdParams>, @CurrentPrincipal() principal: Principal): Promise<AlertView> {
    return this.queries.execute(new GetAlertQuery(principal.tenantId, params.id));
  }

  @Post(':id/redeliver')
  @Roles('admin')
  @HttpCode(202)
  @Operation({
    operationId: 'redeliverAlert',
    summary: 'Take an alert off the dead-letter list: a new delivery cycle, due now',
    tags: ['alerts'],
    params: AlertIdParams,
    body: EmptyBody,
    responses: {
      202: { description: 'Queued; the alert as it is now', schema: AlertWithDocumentResponse },
      404: NOT_FOUND,
      409: { description: 'Not dead-lettered (alert.not_dead_lettered), or its destination was deleted (alert.destination_deleted)' },
    },
  })
  async redeliver(
    @ValidParams() params: z.output<typeof AlertIdParams>,
    @ValidBody() _body: z.output<typeof EmptyBody>,
    @CurrentCaller() caller: Caller,
  ): Promise<AlertView> {
    await this.commands.execute(new RedeliverAlertCommand(caller, params.id));
    return this.queries.execute(new GetAlertQuery(caller.tenantId, params.id));
  }
}
