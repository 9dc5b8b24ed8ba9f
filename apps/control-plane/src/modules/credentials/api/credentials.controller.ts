import { Controller, Delete, Get, HttpCode, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { IfMatch, withEtag } from '../../../platform/http/if-match.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { LinkCredentialAgentCommand } from '../commands/link-credential-agent/link-credential-agent.command.js';
import { RegisterCredentialCommand } from '../commands/register-credential/register-credential.command.js';
import { RevokeCredentialCommand } from '../commands/revoke-credential/revoke-credential.command.js';
import { RotateCredentialCommand } from '../commands/rotate-credential/rotate-credential.command.js';
import { UnlinkCredentialAgentCommand } from '../commands/unlink-credential-agent/unlink-credential-agent.command.js';
import { fingerprintOfSecret, parseFingerprint, type Fingerprint } from '../domain/fingerprint.js';
import { GetCredentialQuery, type CredentialView } from '../queries/get-credential/get-credential.query.js';
import { ListCredentialsQuery } from '../queries/list-credentials/list-credentials.query.js';
import {
  CredentialAgentParams,
  CredentialIdParams,
  CredentialListResponse,
  CredentialResponse,
  ListCredentialsQueryParams,
  ReasonBody,
  RegisterCredentialBody,
  RotateCredentialBody,
} from './credentials.dto.js';

const IF_MATCH = { 'If-Match': 'Optional: the ETag of GET /v1/credentials/{id}; a stale one answers 409 concurrency.conflict' };
const ETAG = { ETag: 'The credential version, for If-Match' };
const NOT_FOUND = { description: 'No such credential (credential.not_found) or agent (agent.not_found) in this tenant' };
const REVOKED = { description: 'Revoked (credential.revoked), expired, fingerprint taken/reused, or a stale If-Match' };

/** The secret, if one was sent, becomes a fingerprint here and goes no further. */
function fingerprintOf(body: { token?: string | undefined; fingerprint?: string | undefined }): Fingerprint {
  return body.token !== undefined ? fingerprintOfSecret(body.token) : parseFingerprint(body.fingerprint ?? '');
}

const dateOrNull = (text: string | null | undefined): Date | null | undefined => (text === undefined ? undefined : text === null ? null : new Date(text));

@Controller('credentials')
export class CredentialsController extends ApiController {
  @Post()
  @Roles('admin')
  @HttpCode(201)
  @Operation({
    operationId: 'registerCredential',
    summary: 'Register a credential an agent uses, by fingerprint (a token sent is hashed at once, never kept)',
    tags: ['credentials'],
    body: RegisterCredentialBody,
    responses: {
      201: { description: 'The credential', schema: CredentialResponse, headers: ETAG },
      404: { description: 'A named agent is not in this tenant (agent.not_found)' },
      409: { description: 'Another active credential has this fingerprint (credential.fingerprint_taken)' },
      422: { description: 'Invalid fingerprint, CIDR, region, scope, resource or expiry' },
    },
  })
  async register(
    @ValidBody() body: z.output<typeof RegisterCredentialBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    const fingerprint = fingerprintOf(body);
    const { credentialId } = await this.commands.execute(
      new RegisterCredentialCommand(caller, {
        name: body.name,
        kind: body.kind,
        provider: body.provider,
        fingerprint,
        scopes: body.scopes ?? [],
        allowedResources: body.allowedResources ?? [],
        allowedLocations: { cidrs: body.allowedLocations?.cidrs ?? [], regions: body.allowedLocations?.regions ?? [] },
        expiresAt: dateOrNull(body.expiresAt) ?? null,
        agentIds: body.agentIds ?? [],
      }),
    );
    void reply.header('location', `/v1/credentials/${credentialId}`);
    return this.view(reply, caller.tenantId, credentialId);
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listCredentials',
    summary: "The tenant's credentials (fingerprints only), oldest first",
    tags: ['credentials'],
    query: ListCredentialsQueryParams,
    responses: { 200: { description: 'Credentials', schema: CredentialListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListCredentialsQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof CredentialListResponse>> {
    return { items: await this.queries.execute(new ListCredentialsQuery(principal.tenantId, query)) };
  }

  @Get(':id')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getCredential',
    summary: 'One credential',
    tags: ['credentials'],
    params: CredentialIdParams,
    responses: { 200: { description: 'The credential', schema: CredentialResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async get(
    @ValidParams() params: z.output<typeof CredentialIdParams>,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    return this.view(reply, principal.tenantId, params.id);
  }

  @Put(':id/agents/:agentId')
  @Roles('admin')
  @Operation({
    operationId: 'linkCredentialAgent',
    summary: 'Let an agent of this tenant use the credential (idempotent)',
    tags: ['credentials'],
    params: CredentialAgentParams,
    headers: IF_MATCH,
    responses: { 200: { description: 'The credential', schema: CredentialResponse, headers: ETAG }, 404: NOT_FOUND, 409: REVOKED },
  })
  async link(
    @ValidParams() params: z.output<typeof CredentialAgentParams>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    await this.commands.execute(new LinkCredentialAgentCommand(caller, params.id, params.agentId, expected));
    return this.view(reply, caller.tenantId, params.id);
  }

  @Delete(':id/agents/:agentId')
  @Roles('admin')
  @Operation({
    operationId: 'unlinkCredentialAgent',
    summary: 'The agent may no longer use the credential (idempotent)',
    tags: ['credentials'],
    params: CredentialAgentParams,
    headers: IF_MATCH,
    responses: { 200: { description: 'The credential', schema: CredentialResponse, headers: ETAG }, 404: NOT_FOUND, 409: REVOKED },
  })
  async unlink(
    @ValidParams() params: z.output<typeof CredentialAgentParams>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    await this.commands.execute(new UnlinkCredentialAgentCommand(caller, params.id, params.agentId, expected));
    return this.view(reply, caller.tenantId, params.id);
  }

  @Post(':id/rotate')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'rotateCredential',
    summary: 'Swap in a new secret (by fingerprint); the old fingerprint is recorded as rotated out',
    tags: ['credentials'],
    params: CredentialIdParams,
    body: RotateCredentialBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The credential', schema: CredentialResponse, headers: ETAG }, 404: NOT_FOUND, 409: REVOKED },
  })
  async rotate(
    @ValidParams() params: z.output<typeof CredentialIdParams>,
    @ValidBody() body: z.output<typeof RotateCredentialBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    const fingerprint = fingerprintOf(body);
    await this.commands.execute(new RotateCredentialCommand(caller, params.id, fingerprint, dateOrNull(body.expiresAt), expected));
    return this.view(reply, caller.tenantId, params.id);
  }

  @Post(':id/revoke')
  @Roles('admin')
  @HttpCode(200)
  @Operation({
    operationId: 'revokeCredential',
    summary: 'Revoke the credential for good (idempotent)',
    tags: ['credentials'],
    params: CredentialIdParams,
    body: ReasonBody,
    headers: IF_MATCH,
    responses: { 200: { description: 'The credential', schema: CredentialResponse, headers: ETAG }, 404: NOT_FOUND },
  })
  async revoke(
    @ValidParams() params: z.output<typeof CredentialIdParams>,
    @ValidBody() body: z.output<typeof ReasonBody>,
    @IfMatch() expected: number | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CredentialView> {
    await this.commands.execute(new RevokeCredentialCommand(caller, params.id, body.reason ?? null, expected));
    return this.view(reply, caller.tenantId, params.id);
  }

  private async view(reply: FastifyReply, tenantId: string, credentialId: string): Promise<CredentialView> {
    return withEtag(reply, await this.queries.execute(new GetCredentialQuery(tenantId, credentialId)));
  }
}
