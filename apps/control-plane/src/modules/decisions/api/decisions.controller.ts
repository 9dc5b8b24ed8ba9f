import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { ProblemError } from '../../../platform/http/problem.js';
import { Operation, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { LOGGER } from '../../../platform/tokens.js';
import { viewOf } from '../queries/get-decision/get-decision.handler.js';
import { GetDecisionQuery, type DecisionView } from '../queries/get-decision/get-decision.query.js';
import { ListDecisionsQuery } from '../queries/list-decisions/list-decisions.query.js';
import type { DecisionFilters } from '../storage/decision-records.repository.js';
import { DecisionFeed } from '../stream/decision-feed.js';
import { decodeStreamCursor, encodeCursor, encodeStreamCursor } from './decision-cursor.js';
import { DecisionIdParams, DecisionListResponse, DecisionResponse, ListDecisionsQueryParams, StreamDecisionsQueryParams } from './decisions.dto.js';
import { serveEventStream } from './event-stream.js';

@Controller('decisions')
export class DecisionsController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(DecisionFeed) private readonly feed: DecisionFeed,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

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
    const filters = filtersOf(query);
    const window = { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) };
    const page = await this.queries.execute(new ListDecisionsQuery(principal.tenantId, filters, window, query.cursor, query.limit));
    return { items: page.items, next: page.next ? encodeCursor(page.next) : null };
  }

  @Get('stream')
  @Roles('admin', 'auditor', 'read_only')
  @Operation({
    operationId: 'streamDecisions',
    summary: "The tenant's decisions as they are ingested, oldest first, as server-sent events (text/event-stream), resumable from a cursor",
    tags: ['decisions'],
    query: StreamDecisionsQueryParams,
    headers: { 'Last-Event-ID': 'The `id` of the last event received: resume after it (what EventSource sends when it reconnects)' },
    responses: {
      200: {
        description:
          'text/event-stream: one `decision` event per decision, its `data` a decision as GET /v1/decisions/{decisionId} answers it, its `id` the cursor to resume after it; a comment line every 15 s while nothing happens',
      },
      400: { description: 'A malformed query or Last-Event-ID (request.invalid)' },
    },
  })
  async stream(
    @ValidQuery() query: z.output<typeof StreamDecisionsQueryParams>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const resumeAt = lastEventId === undefined ? query.cursor : decodeStreamCursor(lastEventId);
    if (resumeAt === undefined && lastEventId !== undefined) throw new ProblemError(400, 'request.invalid', 'Last-Event-ID is not the id of an event of this stream');
    const from = resumeAt ?? (await this.feed.now(principal.tenantId));
    await serveEventStream(
      reply,
      (signal) => this.feed.follow(principal.tenantId, from, filtersOf(query), signal),
      ({ record, position }) => ({ id: encodeStreamCursor(position), event: 'decision', data: JSON.stringify(viewOf(record)) }),
      (error) => this.log.error({ err: error, tenantId: principal.tenantId }, 'decision stream failed: closed (the client resumes from its last event)'),
    );
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

function filtersOf(query: Omit<z.output<typeof StreamDecisionsQueryParams>, 'cursor'>): DecisionFilters {
  return {
    ...(query.agent !== undefined ? { agentId: query.agent } : {}),
    ...(query.tool !== undefined ? { tool: query.tool } : {}),
    ...(query.credential !== undefined ? { credentialFingerprint: query.credential } : {}),
    ...(query.resource !== undefined ? { resource: query.resource } : {}),
    ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
  };
}
