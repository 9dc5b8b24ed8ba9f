import { Controller, Get, HttpCode, Patch, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { IfMatch, withEtag } from '../../../platform/http/if-match.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
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
export class AgentsController extends ApiController {
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
    @ValidBody() body: z.output<typeof RegisterAgentBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof RegisteredAgentResponse>> {
    const registered = await this.commands.execute(new RegisterAgentCommand(caller, body.name, body.description ?? null, body.labels ?? {}));
    const agent = await this.view(reply, caller.tenantId, registered.agentId);
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
  async list(@ValidQuery() query: z.output<typeof ListAgentsQueryParams>, @CurrentPrincipal() principal: Principal): Promise<z.output<typeof AgentListResponse>> {
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
  async get(@ValidParams() { id }: z.output<typeof AgentIdParams>, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<AgentView> {
    return this.view(reply, principal.tenantId, id);
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
    @ValidParams() { id }: z.output<typeof AgentIdParams>,
    @ValidBody() body: z.output<typeof LabelAgentBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    await this.commands.execute(new LabelAgentCommand(caller, id, body.set ?? {}, body.remove ?? [], expectedVersion));
    return this.view(reply, caller.tenantId, id);
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
    @ValidParams() { id }: z.output<typeof AgentIdParams>,
    @ValidBody() body: z.output<typeof ReasonBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    await this.commands.execute(new SuspendAgentCommand(caller, id, body.reason ?? null, expectedVersion));
    return this.view(reply, caller.tenantId, id);
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
    @ValidParams() { id }: z.output<typeof AgentIdParams>,
    @ValidBody() _body: z.output<typeof EmptyBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    await this.commands.execute(new ResumeAgentCommand(caller, id, expectedVersion));
    return this.view(reply, caller.tenantId, id);
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
    @ValidParams() { id }: z.output<typeof AgentIdParams>,
    @ValidBody() body: z.output<typeof ReasonBody>,
    @IfMatch() expectedVersion: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentView> {
    await this.commands.execute(new RetireAgentCommand(caller, id, body.reason ?? null, expectedVersion));
    return this.view(reply, caller.tenantId, id);
  }

  private async view(reply: FastifyReply, tenantId: string, agentId: string): Promise<AgentView> {
    return withEtag(reply, await this.queries.execute(new GetAgentQuery(tenantId, agentId)));
  }
}
