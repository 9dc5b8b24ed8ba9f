import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { RunPolicyReplayCommand } from '../commands/run-policy-replay/run-policy-replay.command.js';
import { GetPolicyReplayQuery, type PolicyReplayView } from '../queries/get-policy-replay/get-policy-replay.query.js';
import { ListPolicyReplaysQuery } from '../queries/list-policy-replays/list-policy-replays.query.js';
import { ListQueryParams, PolicyReplayListResponse, PolicyReplayResponse, ReplayIdParams, RunPolicyReplayBody } from './shadow-reports.dto.js';

const AUTHORS = ['admin', 'policy_author'] as const;

/** Replay: what a candidate policy would have decided on the window's recorded traffic, before publishing it. */
@Controller('policy/replays')
export class PolicyReplaysController extends ApiController {
  @Post()
  @Roles(...AUTHORS)
  @HttpCode(201)
  @Operation({
    operationId: 'replayPolicy',
    summary: 'Replay a candidate policy over the recorded decisions of a window: what it changes, per rule, with every changed decision id',
    tags: ['policies'],
    body: RunPolicyReplayBody,
    responses: {
      201: { description: 'The replay', schema: PolicyReplayResponse },
      422: {
        description:
          'The candidate is invalid (policy.invalid, errors[] with line and column; policy.too_large), the window too long (shadow_report.window_too_long) or it holds more than 100,000 decisions (policy_replay.too_many_calls)',
      },
    },
  })
  async run(
    @ValidBody() body: z.output<typeof RunPolicyReplayBody>,
    @CurrentCaller() caller: Caller,
  ): Promise<PolicyReplayView> {
    const { replayId } = await this.commands.execute(new RunPolicyReplayCommand(caller, body.source, body.format, body.baseline, body.window));
    return this.queries.execute(new GetPolicyReplayQuery(caller.tenantId, replayId));
  }

  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listPolicyReplays',
    summary: "The tenant's policy replays, newest first (without candidates and results)",
    tags: ['policies'],
    query: ListQueryParams,
    responses: { 200: { description: 'Replays', schema: PolicyReplayListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof PolicyReplayListResponse>> {
    return { items: await this.queries.execute(new ListPolicyReplaysQuery(principal.tenantId, query.limit)) };
  }

  @Get(':replayId')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getPolicyReplay',
    summary: 'One policy replay and its result',
    tags: ['policies'],
    params: ReplayIdParams,
    responses: { 200: { description: 'The replay', schema: PolicyReplayResponse }, 404: { description: 'No such replay in this tenant (policy_replay.not_found)' } },
  })
  async get(
    @ValidParams() params: z.output<typeof ReplayIdParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PolicyReplayView> {
    return this.queries.execute(new GetPolicyReplayQuery(principal.tenantId, params.replayId));
  }
}
