import { Controller, Get, Headers, HttpCode, Post, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { etagOf, expectedVersionFrom } from '../../../platform/http/if-match.js';
import { ProblemError } from '../../../platform/http/problem.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { PublishPolicyCommand } from '../commands/publish-policy/publish-policy.command.js';
import { RollBackPolicyCommand } from '../commands/roll-back-policy/roll-back-policy.command.js';
import { SetPolicyModeCommand } from '../commands/set-policy-mode/set-policy-mode.command.js';
import type { PolicyDiff } from '../domain/policy-diff.js';
import { DiffPolicyVersionsQuery } from '../queries/diff-policy-versions/diff-policy-versions.query.js';
import { GetPolicyVersionQuery } from '../queries/get-policy-version/get-policy-version.query.js';
import { GetPolicyQuery, type PolicyVersionView, type PolicyView } from '../queries/get-policy/get-policy.query.js';
import { ListPolicyVersionsQuery } from '../queries/list-policy-versions/list-policy-versions.query.js';
import { ValidatePolicyQuery } from '../queries/validate-policy/validate-policy.query.js';
import {
  DiffPolicyQueryParams,
  PolicyDiffResponse,
  PolicyModeBody,
  PolicyResponse,
  PolicySourceBody,
  PolicyVersionListResponse,
  PolicyVersionParams,
  PolicyVersionResponse,
  RollBackPolicyBody,
  ValidationResponse,
} from './policies.dto.js';

const AUTHORS = ['admin', 'policy_author'] as const;
const PRECONDITION = {
  'If-Match': 'Required: the ETag of GET /v1/policy (its current version). A stale one answers 409 policy.version_stale',
  'If-None-Match': 'Send * instead of If-Match to publish the first version',
};
const ETAG = { ETag: 'The current policy version, for If-Match' };
const CONFLICT = { description: 'If-Match is stale (policy.version_stale, concurrency.conflict) or the content is unchanged (policy.unchanged)' };
const INVALID = { description: 'The engine rejected the source (policy.invalid); errors[] carry code, path, line and column' };

/**
 * One policy document per tenant (the config stream carries one), so the policy is a
 * singleton resource: /v1/policy. Its ETag is the policy version (1, 2, 3…), which is also
 * what enforcers report as activated.
 */
@Controller('policy')
export class PoliciesController extends ApiController {
  @Post('validate')
  @Roles(...AUTHORS)
  @HttpCode(200)
  @Operation({
    operationId: 'validatePolicy',
    summary: 'Dry run: compile a policy with the enforcers’ engine and report every error with line and column; nothing is recorded',
    tags: ['policies'],
    body: PolicySourceBody,
    responses: { 200: { description: 'valid, or the errors', schema: ValidationResponse } },
  })
  async validate(@ValidBody() body: z.output<typeof PolicySourceBody>): Promise<z.output<typeof ValidationResponse>> {
    const result = await this.queries.execute(new ValidatePolicyQuery(body.source, body.format));
    if (!result.ok) return { valid: false, errors: [...result.errors] };
    return { valid: true, errors: [], contentHash: result.contentHash, document: result.document, size: result.size };
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getPolicy',
    summary: "The tenant's current policy version, its source and mode",
    tags: ['policies'],
    responses: { 200: { description: 'The policy', schema: PolicyResponse, headers: ETAG }, 404: { description: 'Nothing published yet (policy.not_found)' } },
  })
  async get(@CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<PolicyView> {
    return this.view(reply, principal.tenantId);
  }

  @Put()
  @Roles(...AUTHORS)
  @Operation({
    operationId: 'publishPolicy',
    summary: 'Publish the next version of the policy (If-Match: the version you edited)',
    tags: ['policies'],
    body: PolicySourceBody,
    headers: PRECONDITION,
    responses: { 200: { description: 'The policy, now at the new version', schema: PolicyResponse, headers: ETAG }, 409: CONFLICT, 422: INVALID, 428: { description: 'Neither If-Match nor If-None-Match: * was sent' } },
  })
  async publish(
    @ValidBody() body: z.output<typeof PolicySourceBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PolicyView> {
    const expected = preconditionOf(ifMatch, ifNoneMatch);
    await this.commands.execute(new PublishPolicyCommand(caller, body.source, body.format, expected));
    return this.view(reply, caller.tenantId);
  }

  @Post('rollback')
  @Roles(...AUTHORS)
  @HttpCode(200)
  @Operation({
    operationId: 'rollBackPolicy',
    summary: 'Publish a new version whose content is that of an earlier one (versions only go up)',
    tags: ['policies'],
    body: RollBackPolicyBody,
    headers: { 'If-Match': PRECONDITION['If-Match'] },
    responses: {
      200: { description: 'The policy, now at the new version', schema: PolicyResponse, headers: ETAG },
      404: { description: 'No such version (policy.version_not_found)' },
      409: CONFLICT,
      422: INVALID,
      428: { description: 'If-Match was not sent' },
    },
  })
  async rollBack(
    @ValidBody() body: z.output<typeof RollBackPolicyBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PolicyView> {
    const expected = preconditionOf(ifMatch, undefined);
    await this.commands.execute(new RollBackPolicyCommand(caller, body.toVersion, expected));
    return this.view(reply, caller.tenantId);
  }

  // Shadow lets every denied call through: the same role as switching the tenant to shadow
  // (PUT /v1/tenant/mode), not the authors' (docs/security.md, "Shadow mode needs the admin role").
  @Put('mode')
  @Roles('admin')
  @Operation({
    operationId: 'setPolicyMode',
    summary: 'Shadow (record would-deny, let the call through) or enforce, for this policy; shadow wins over the tenant mode',
    tags: ['policies'],
    body: PolicyModeBody,
    responses: { 200: { description: 'The policy', schema: PolicyResponse, headers: ETAG }, 404: { description: 'Nothing published yet (policy.not_found)' } },
  })
  async setMode(
    @ValidBody() body: z.output<typeof PolicyModeBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PolicyView> {
    await this.commands.execute(new SetPolicyModeCommand(caller, body.mode));
    return this.view(reply, caller.tenantId);
  }

  @Get('versions')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listPolicyVersions',
    summary: 'Every published version, oldest first (without sources)',
    tags: ['policies'],
    responses: { 200: { description: 'Versions', schema: PolicyVersionListResponse } },
  })
  async versions(@CurrentPrincipal() principal: Principal): Promise<z.output<typeof PolicyVersionListResponse>> {
    return { items: await this.queries.execute(new ListPolicyVersionsQuery(principal.tenantId)) };
  }

  @Get('versions/:version')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getPolicyVersion',
    summary: 'One published version with its source',
    tags: ['policies'],
    params: PolicyVersionParams,
    responses: { 200: { description: 'The version', schema: PolicyVersionResponse }, 404: { description: 'No such version (policy.version_not_found)' } },
  })
  async version(
    @ValidParams() params: z.output<typeof PolicyVersionParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyVersionView> {
    return this.queries.execute(new GetPolicyVersionQuery(principal.tenantId, params.version));
  }

  @Get('diff')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'diffPolicyVersions',
    summary: 'Line diff of two versions’ sources',
    tags: ['policies'],
    query: DiffPolicyQueryParams,
    responses: { 200: { description: 'The diff', schema: PolicyDiffResponse }, 404: { description: 'No such version (policy.version_not_found)' } },
  })
  async diff(
    @ValidQuery() query: z.output<typeof DiffPolicyQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyDiff> {
    return this.queries.execute(new DiffPolicyVersionsQuery(principal.tenantId, query.from, query.to));
  }

  private async view(reply: FastifyReply, tenantId: string): Promise<PolicyView> {
    const policy = await this.queries.execute(new GetPolicyQuery(tenantId));
    void reply.header('etag', etagOf(policy.currentVersion));
    return policy;
  }
}

/** If-Match "N" → N; If-None-Match: * → 0 (nothing published yet); If-Match: * → unconditional; neither → 428. */
function preconditionOf(ifMatch: string | undefined, ifNoneMatch: string | undefined): number | undefined {
  if (ifMatch !== undefined) return expectedVersionFrom(ifMatch);
  if (ifNoneMatch?.trim() === '*') return 0;
  throw new ProblemError(428, 'policy.precondition_required', 'send If-Match with the policy version you edited (or If-None-Match: * for the first version)');
}

