import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { IfMatch, withEtag } from '../../../platform/http/if-match.js';
import { Operation, ValidBody, ValidParams } from '../../../platform/openapi/operation.decorator.js';
import { DecommissionEnforcerCommand } from '../commands/decommission-enforcer/decommission-enforcer.command.js';
import { RegisterEnforcerCommand } from '../commands/register-enforcer/register-enforcer.command.js';
import { GetEnforcerQuery, type EnforcerView } from '../queries/get-enforcer/get-enforcer.query.js';
import { ListEnforcersQuery } from '../queries/list-enforcers/list-enforcers.query.js';
import { EnforcerIdParams, EnforcerListResponse, EnforcerResponse, ReasonBody, RegisterEnforcerBody, RegisteredEnforcerResponse } from './enforcers.dto.js';

const ETAG = { ETag: 'The enforcer version, for If-Match' };
const NOT_FOUND = { description: 'No such enforcer in this tenant (enforcer.not_found)' };

@Controller('enforcers')
export class EnforcersController extends ApiController {
  @Post()
  @Roles('admin')
  @HttpCode(201)
  @Operation({
    operationId: 'registerEnforcer',
    summary: 'Register an enforcer; its token for the config stream is shown once',
    tags: ['enforcers'],
    body: RegisterEnforcerBody,
    responses: { 201: { description: 'The enforcer and its token', schema: RegisteredEnforcerResponse, headers: ETAG }, 422: { description: 'Invalid name (enforcer.invalid_name)' } },
  })
  async register(
    @ValidBody() body: z.output<typeof RegisterEnforcerBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof RegisteredEnforcerResponse>> {
    const registered = await this.commands.execute(new RegisterEnforcerCommand(caller, body.name));
    void reply.header('location', `/v1/enforcers/${registered.enforcerId}`);
    return { enforcer: await this.view(reply, caller.tenantId, registered.enforcerId), token: registered.token };
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listEnforcers',
    summary: "The tenant's enforcers with the config version each activated and when each was last seen",
    tags: ['enforcers'],
    responses: { 200: { description: 'Enforcers', schema: EnforcerListResponse } },
  })
  async list(@CurrentPrincipal() principal: Principal): Promise<z.output<typeof EnforcerListResponse>> {
    return { items: await this.queries.execute(new ListEnforcersQuery(principal.tenantId)) };
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getEnforcer',
    summary: 'One enforcer',
    tags: ['enforcers'],
    params: EnforcerIdParams,
    responses: { 200: { description: 'The enforcer', schema: EnforcerResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async get(
    @ValidParams() params: z.output<typeof EnforcerIdParams>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnforcerView> {
    return this.view(reply, principal.tenantId, params.id);
  }

  @Post(':id/decommission')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'decommissionEnforcer',
    summary: 'Decommission the enforcer for good: its token no longer opens a config stream',
    tags: ['enforcers'],
    params: EnforcerIdParams,
    body: ReasonBody,
    headers: { 'If-Match': 'Optional: the ETag of GET /v1/enforcers/{id}' },
    responses: { 200: { description: 'The enforcer', schema: EnforcerResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async decommission(
    @ValidParams() params: z.output<typeof EnforcerIdParams>,
    @ValidBody() body: z.output<typeof ReasonBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EnforcerView> {
    await this.commands.execute(new DecommissionEnforcerCommand(caller, params.id, body.reason ?? null, expected));
    return this.view(reply, caller.tenantId, params.id);
  }

  private async view(reply: FastifyReply, tenantId: string, enforcerId: string): Promise<EnforcerView> {
    return withEtag(reply, await this.queries.execute(new GetEnforcerQuery(tenantId, enforcerId)));
  }
}
