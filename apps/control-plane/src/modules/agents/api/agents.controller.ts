import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, RequestId, Roles, type Principal } from '../../../platform/auth/principal.js';
import { callerOf } from '../../../platform/caller.js';
import { etagOf, expectedVersionFrom } from '../../../platform/http/if-match.js';
import { ZodPipe } from '../../../platform/http/zod.pipe.js';
import { Operation } from '../../../platform/openapi/operation.decorator.js';
import { LabelAgentCommand } from '../commands/label-agent/label-agent.command.js';
import { RegisterAgentCommand } from '../commands/register-agent/register-agent.command.js';
import { ResumeAgentCommand } from '../commands/resume-agent/resume-agent.command.js';
import { RetireAgentCommand } from '../commands/retire-agent/retire-agent.command.js';
import { SuspendAgentCommand } from '../commands/suspend-agent/suspend-agent.command.js';
import { GetAgentQuery, type AgentView } from '../queries/get-agent/get-agent.query.js';
import { ListAgentsQuery } from '../queries/list-agents/list-agents.query.js';
import {
  AgentIdParams,
  AgentListResponse,
  AgentResponse,
  EmptyBody,
  LabelAgentBody,
  ListAgentsQueryParams,
  ReasonBody,
  RegisterAgentBody,
  RegisteredAgentResponse,
} from './agents.dto.js';

const IF_MATCH = { 'If-Match': 'Optional: the ETag of GET /v1/agents/{id}; a stale one answers 409 concurrency.conflict' };
const ETAG = { ETag: 'The agent version, for If-Match' };
const NOT_FOUND = { description: 'No such agent in this tenant (agent.not_found)' };
const RETIRED = { description: 'The agent is retired (agent.retired), or If-Match is stale (concurrency.conflict)' };

@Controller('agents')
export class AgentsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @Operation({
    operationId: 'registerAgent',
    summary: 'Register an agent; its token for calling enforcers is shown once',
    tags: ['agents'],
    body: RegisterAgentBody,
    responses: {
      201: { description: 'The agent and its token', schema: RegisteredAgentResponse, headers: ETAG },
      409: { description: 'An agent of this name exists (agent.name_taken)' },
      422: { description: 'Invalid name or labels (agent.invalid_name, agent.invalid_label)' },
    },
  })
  async register(
    @Body(new ZodPipe(RegisterAgentBody)) body: z.output<typeof RegisterAgentBody>,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof RegisteredAgentResponse>> {
    const registered = await this.commands.execute(new RegisterAgentCommand(callerOf(principal, requestId), body.name, body.description ?? null, body.labels ?? {}));
    const agent = withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, registered.agentId)));
    void reply.header('location', `/v1/agents/${agent.id}`);
    return { agent, token: registered.token };
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listAgents',
    summary: "The tenant's agents, oldest first",
    tags: ['agents'],
    query: ListAgentsQueryParams,
    responses: { 200: { description: 'Agents', schema: AgentListResponse } },
  })
  async list(
    @Query(new ZodPipe(ListAgentsQueryParams, 'query')) query: z.output<typeof ListAgentsQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof AgentListResponse>> {
    return { items: await this.queries.execute(new ListAgentsQuery(principal.tenantId, query.status)) };
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getAgent',
    summary: 'One agent',
    tags: ['agents'],
    params: AgentIdParams,
    responses: { 200: { description: 'The agent', schema: AgentResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async get(
    @Param(new ZodPipe(AgentIdParams, 'path')) params: z.output<typeof AgentIdParams>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, params.id)));
  }

  @Patch(':id/labels')
  @Roles('admin')
  @Operation({
    operationId: 'labelAgent',
    summary: 'Set and remove labels (what policy selectors match)',
    tags: ['agents'],
    params: AgentIdParams,
    body: LabelAgentBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The agent', schema: AgentResponse, headers: ETAG }, 404: NOT_FOUND, 409: RETIRED },
  })
  async label(
    @Param(new ZodPipe(AgentIdParams, 'path')) params: z.output<typeof AgentIdParams>,
    @Body(new ZodPipe(LabelAgentBody)) body: z.output<typeof LabelAgentBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const expected = expectedVersionFrom(ifMatch);
    await this.commands.execute(new LabelAgentCommand(callerOf(principal, requestId), params.id, body.set ?? {}, body.remove ?? [], expected));
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, params.id)));
  }

  @Post(':id/suspend')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'suspendAgent',
    summary: 'Kill switch: every enforcer denies this agent from its next config push (idempotent)',
    tags: ['agents'],
    params: AgentIdParams,
    body: ReasonBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The agent', schema: AgentResponse, headers: ETAG }, 404: NOT_FOUND, 409: RETIRED },
  })
  async suspend(
    @Param(new ZodPipe(AgentIdParams, 'path')) params: z.output<typeof AgentIdParams>,
    @Body(new ZodPipe(ReasonBody)) body: z.output<typeof ReasonBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const expected = expectedVersionFrom(ifMatch);
    await this.commands.execute(new SuspendAgentCommand(callerOf(principal, requestId), params.id, body.reason ?? null, expected));
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, params.id)));
  }

  @Post(':id/resume')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'resumeAgent',
    summary: 'Lift the kill switch (idempotent)',
    tags: ['agents'],
    params: AgentIdParams,
    body: EmptyBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The agent', schema: AgentResponse, headers: ETAG }, 404: NOT_FOUND, 409: RETIRED },
  })
  async resume(
    @Param(new ZodPipe(AgentIdParams, 'path')) params: z.output<typeof AgentIdParams>,
    @Body(new ZodPipe(EmptyBody)) _body: z.output<typeof EmptyBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const expected = expectedVersionFrom(ifMatch);
    await this.commands.execute(new ResumeAgentCommand(callerOf(principal, requestId), params.id, expected));
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, params.id)));
  }

  @Post(':id/retire')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'retireAgent',
    summary: 'Retire the agent for good: it is denied everything and cannot be resumed',
    tags: ['agents'],
    params: AgentIdParams,
    body: ReasonBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The agent', schema: AgentResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async retire(
    @Param(new ZodPipe(AgentIdParams, 'path')) params: z.output<typeof AgentIdParams>,
    @Body(new ZodPipe(ReasonBody)) body: z.output<typeof ReasonBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    const expected = expectedVersionFrom(ifMatch);
    await this.commands.execute(new RetireAgentCommand(callerOf(principal, requestId), params.id, body.reason ?? null, expected));
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(principal.tenantId, params.id)));
  }
}

function withEtag(reply: FastifyReply, agent: AgentView): AgentView {
  void reply.header('etag', etagOf(agent.version));
  return agent;
}
