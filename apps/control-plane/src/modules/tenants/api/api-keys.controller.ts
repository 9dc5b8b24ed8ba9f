import { Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import type { z } from 'zod';
import { CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { Operation, ValidBody, ValidParams } from '../../../platform/openapi/operation.decorator.js';
import { IssueApiKeyCommand } from '../commands/issue-api-key/issue-api-key.command.js';
import { RevokeApiKeyCommand } from '../commands/revoke-api-key/revoke-api-key.command.js';
import { ListApiKeysQuery } from '../queries/list-api-keys/list-api-keys.query.js';
import { ApiKeyIdParams, ApiKeyListResponse, IssueApiKeyBody, IssuedApiKeyResponse } from './tenants.dto.js';

@Controller('api-keys')
export class ApiKeysController extends ApiController {
  @Post()
  @Roles('admin')
  @HttpCode(201)
  @Operation({
    operationId: 'issueApiKey',
    summary: 'Issue an API key with a role (admin, policy_author, auditor, read_only); the key is shown once',
    tags: ['api-keys'],
    body: IssueApiKeyBody,
    responses: { 201: { description: 'The new key, in clear this once', schema: IssuedApiKeyResponse } },
  })
  async issue(
    @ValidBody() body: z.output<typeof IssueApiKeyBody>,
    @CurrentCaller() caller: Caller,
  ): Promise<z.output<typeof IssuedApiKeyResponse>> {
    const issued = await this.commands.execute(new IssueApiKeyCommand(caller, body.name, body.role));
    return { id: issued.keyId, name: issued.name, role: issued.role, prefix: issued.prefix, key: issued.key };
  }

  @Get()
  @Roles('admin', 'auditor')
  @Operation({
    operationId: 'listApiKeys',
    summary: "The tenant's API keys (never the keys themselves)",
    tags: ['api-keys'],
    responses: { 200: { description: 'Newest first', schema: ApiKeyListResponse } },
  })
  async list(@CurrentPrincipal() principal: Principal): Promise<z.output<typeof ApiKeyListResponse>> {
    return { items: await this.queries.execute(new ListApiKeysQuery(principal.tenantId)) };
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  @Operation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key: it answers 401 from the next request on',
    tags: ['api-keys'],
    params: ApiKeyIdParams,
    responses: {
      204: { description: 'Revoked' },
      404: { description: 'No such key in this tenant (tenant.api_key_not_found)' },
      409: { description: 'Already revoked, or the last active admin key' },
    },
  })
  async revoke(
    @ValidParams() params: z.output<typeof ApiKeyIdParams>,
    @CurrentCaller() caller: Caller,
  ): Promise<void> {
    await this.commands.execute(new RevokeApiKeyCommand(caller, params.id));
  }
}
