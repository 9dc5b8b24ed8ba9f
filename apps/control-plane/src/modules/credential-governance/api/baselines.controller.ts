import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { Operation, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { LearnBaselinesCommand } from '../commands/learn-baselines/learn-baselines.command.js';
import type { StoredBaseline } from '../domain/baseline.js';
import { ListBaselinesQuery } from '../queries/list-baselines/list-baselines.query.js';
import { BaselinesQueryParams, BaselinesResponse, LearnBaselinesResponse } from './credential-governance.dto.js';

@Controller('baselines')
export class BaselinesController extends ApiController {
  @Get()
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'listBaselines',
    summary: 'Learned baselines per credential and per agent: what the policy drift section checks calls against',
    tags: ['baselines'],
    query: BaselinesQueryParams,
    responses: { 200: { description: 'Baselines, credentials first', schema: BaselinesResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof BaselinesQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof BaselinesResponse>> {
    const filter = { ...(query.subject !== undefined ? { subjectKind: query.subject } : {}), ...(query.id !== undefined ? { subjectId: query.id } : {}) };
    const items: StoredBaseline[] = await this.queries.execute(new ListBaselinesQuery(principal.tenantId, filter));
    return {
      items: items.map((b) => ({
        subject: b.subjectKind,
        id: b.subjectId,
        observations: b.observations,
        resourceClasses: [...b.resourceClasses],
        regions: [...b.regions],
        networks: [...b.networks],
        tools: [...b.tools],
        peakPerMinute: b.peakPerMinute,
        peakPer10Minutes: b.peakPer10Minutes,
        activeHoursUtc: [...b.activeHoursUtc],
        learnedFrom: b.learnedFrom.toISOString(),
        learnedUntil: b.learnedUntil.toISOString(),
        version: b.version,
      })),
    };
  }

  @Post('learn')
  @Roles('admin', 'policy_author')
  @HttpCode(200)
  @Operation({
    operationId: 'learnBaselines',
    summary: 'Relearn the baselines now from the recorded decisions (also done hourly and when the trial ends)',
    tags: ['baselines'],
    responses: { 200: { description: 'What was learned', schema: LearnBaselinesResponse } },
  })
  async learn(@CurrentCaller() caller: Caller): Promise<z.output<typeof LearnBaselinesResponse>> {
    const r = await this.commands.execute(new LearnBaselinesCommand(caller, 'api'));
    return { ...r, window: { from: r.window.from.toISOString(), until: r.window.until.toISOString() } };
  }
}
