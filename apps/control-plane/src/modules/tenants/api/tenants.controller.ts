import { Controller, Get, HttpCode, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Public, RequestId, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { IfMatch, withEtag } from '../../../platform/http/if-match.js';
import { Operation, ValidBody } from '../../../platform/openapi/operation.decorator.js';
import { ChooseFailModeCommand } from '../commands/choose-fail-mode/choose-fail-mode.command.js';
import { SetRetentionCommand } from '../commands/set-retention/set-retention.command.js';
import { SignUpTenantCommand } from '../commands/sign-up-tenant/sign-up-tenant.command.js';
import { SwitchTenantModeCommand } from '../commands/switch-tenant-mode/switch-tenant-mode.command.js';
import { GetTenantQuery, type TenantView } from '../queries/get-tenant/get-tenant.query.js';
import { ChooseFailModeBody, SetRetentionBody, SignUpTenantBody, SignUpTenantResponse, SwitchModeBody, TenantResponse } from './tenants.dto.js';

const IF_MATCH = { 'If-Match': 'The ETag of GET /v1/tenant; a stale one answers 409 concurrency.conflict' };
const ETAG = { ETag: 'The tenant version, for If-Match' };

@Controller()
export class TenantsController extends ApiController {
  @Post('tenants')
  @Public()
  @HttpCode(201)
  @Operation({
    operationId: 'signUpTenant',
    summary: 'Sign up: a new tenant in a seven-day shadow trial, and its first admin API key (shown once)',
    tags: ['tenants'],
    body: SignUpTenantBody,
    responses: { 201: { description: 'The tenant and its first admin key', schema: SignUpTenantResponse } },
  })
  async signUp(
    @ValidBody() body: z.output<typeof SignUpTenantBody>,
    @RequestId() requestId: string,
  ): Promise<z.output<typeof SignUpTenantResponse>> {
    const result = await this.commands.execute(new SignUpTenantCommand(body.name, body.email, requestId));
    const tenant = await this.queries.execute(new GetTenantQuery(result.tenantId));
    return { tenant, apiKey: { id: result.apiKey.keyId, name: 'first admin key', role: 'admin', prefix: result.apiKey.prefix, key: result.apiKey.key } };
  }

  @Get('tenant')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getTenant',
    summary: "The caller's tenant: mode, fail mode, trial",
    tags: ['tenants'],
    responses: { 200: { description: 'The tenant', schema: TenantResponse, headers: ETAG } },
  })
  async get(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<TenantView> {
    return withEtag(reply, await this.queries.execute(new GetTenantQuery(principal.tenantId)));
  }

  @Put('tenant/mode')
  @Roles('admin')
  @Operation({
    operationId: 'switchTenantMode',
    summary: 'Switch between shadow (decide and record, block nothing) and enforce',
    tags: ['tenants'],
    body: SwitchModeBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The tenant after the change', schema: TenantResponse, headers: ETAG } },
  })
  async switchMode(
    @ValidBody() body: z.output<typeof SwitchModeBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantView> {
    await this.commands.execute(new SwitchTenantModeCommand(caller, body.mode, expected));
    return withEtag(reply, await this.queries.execute(new GetTenantQuery(caller.tenantId)));
  }

  @Put('tenant/fail-mode')
  @Roles('admin')
  @Operation({
    operationId: 'chooseFailMode',
    summary: 'Choose what enforcers do in enforce mode without a config: closed (deny, default) or open',
    tags: ['tenants'],
    body: ChooseFailModeBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The tenant after the change', schema: TenantResponse, headers: ETAG } },
  })
  async chooseFailMode(
    @ValidBody() body: z.output<typeof ChooseFailModeBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantView> {
    await this.commands.execute(new ChooseFailModeCommand(caller, body.failMode, expected));
    return withEtag(reply, await this.queries.execute(new GetTenantQuery(caller.tenantId)));
  }

  @Put('tenant/retention')
  @Roles('admin')
  @Operation({
    operationId: 'setRetention',
    summary: 'Choose how long decisions and their retained arguments are kept (7 to 3650 days; default 90 and 30)',
    tags: ['tenants'],
    body: SetRetentionBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The tenant after the change', schema: TenantResponse, headers: ETAG } },
  })
  async setRetention(
    @ValidBody() body: z.output<typeof SetRetentionBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TenantView> {
    await this.commands.execute(new SetRetentionCommand(caller, body, expected));
    return withEtag(reply, await this.queries.execute(new GetTenantQuery(caller.tenantId)));
  }
}
