import { Controller, Get, Inject } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { Operation, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { ListAuditEventsQuery } from '../queries/list-audit-events/list-audit-events.query.js';

export const AuditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  after: z.string().regex(/^\d{1,19}$/, 'a position from a previous page').optional(),
});

export const AuditResponse = z.object({
  items: z.array(
    z.object({
      position: z.string(),
      recordedAt: z.iso.datetime(),
      actor: z.string().describe('key:<api key id>, signup, or system:<what>'),
      requestId: z.string(),
      type: z.string(),
      streamId: z.string(),
      version: z.number().int(),
    }),
  ),
  next: z.string().nullable(),
});

@Controller('audit')
export class AuditController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  @Get()
  @Roles('admin', 'auditor')
  @Operation({
    operationId: 'listAuditEvents',
    summary: 'Who changed what and when in this tenant, oldest first, from the event store',
    tags: ['audit'],
    query: AuditQuery,
    responses: { 200: { description: 'A page of the audit trail', schema: AuditResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof AuditQuery>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof AuditResponse>> {
    return this.queries.execute(new ListAuditEventsQuery(principal.tenantId, query.after ? BigInt(query.after) : undefined, query.limit));
  }
}
