import { Controller, Get, Inject } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { z } from 'zod';
import { CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { Operation, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { GetDecisionQuery, type DecisionView } from '../queries/get-decision/get-decision.query.js';
import { ListDecisionsQuery } from '../queries/list-decisions/list-decisions.query.js';
import { encodeCursor } from './decision-cursor.js';
import { DecisionIdParams, DecisionListResponse, DecisionResponse, ListDecisionsQueryParams } from './decisions.dto.js';

@Controller('decisions')
export class DecisionsController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  @Get()
  @Roles('admin', 'auditor', 'read_only')
  @Operation({
    operationId: 'listDecisions',
    summary: "The tenant's recorded decisions, newest first, filtered by agent, tool, credential, resource, outcome and time",
    tags: ['decisions'],
    query: ListDecisionsQueryParams,
    responses: { 200: { description: 'A page of decisions', schema: DecisionListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListDecisionsQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof DecisionListResponse>> {
    const filters = {
      ...(query.agent !== undefined ? { agentId: query.agent } : {}),
      ...(query.tool !== undefined ? { tool: query.tool } : {}),
      ...(query.credential !== undefined ? { credentialFingerprint: query.credential } : {}),
      ...(query.resource !== undefined ? { resource: query.resource } : {}),
      ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
    };
    const window = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
    const page = await this.queries.execute(new ListDecisionsQuery(principal.tenantId, filters, window, query.cursor, query.limit));
    return { items: page.items, next: page.next ? encodeCursor(page.next) : null };
  }

  @Get(':decisionId')
  @Roles('admin', 'auditor', 'read_only')
  @Operation({
    operationId: 'getDecision',
    summary: 'One recorded decision, with its matched rules, arguments (when retained) and signed receipt',
    tags: ['decisions'],
    params: DecisionIdParams,
    responses: { 200: { description: 'The decision', schema: DecisionResponse }, 404: { description: 'No such decision in this tenant (decision.not_found)' } },
  })
  async get(
    @ValidParams() params: z.output<typeof DecisionIdParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DecisionView> {
    return this.queries.execute(new GetDecisionQuery(principal.tenantId, params.decisionId));
  }
}
