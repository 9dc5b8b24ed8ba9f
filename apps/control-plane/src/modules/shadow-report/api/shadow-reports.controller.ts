import { Controller, Delete, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CurrentPrincipal, Public, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { ProblemError } from '../../../platform/http/problem.js';
import { strictPageHeaders } from '../../../platform/http/strict-page.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { GenerateShadowReportCommand } from '../commands/generate-shadow-report/generate-shadow-report.command.js';
import { IssueViewLinkCommand } from '../commands/issue-view-link/issue-view-link.command.js';
import { RevokeViewLinkCommand } from '../commands/revoke-view-link/revoke-view-link.command.js';
import { VIEW_LINK_DEFAULT_SECONDS, ViewLinkError } from '../domain/view-link.js';
import { renderReportPage, REPORT_PAGE_CSP } from '../page/report-page.js';
import { GetShadowReportQuery, type ShadowReportView } from '../queries/get-shadow-report/get-shadow-report.query.js';
import { ListShadowReportsQuery } from '../queries/list-shadow-reports/list-shadow-reports.query.js';
import { OpenReportPageQuery, type ReportPageView } from '../queries/open-report-page/open-report-page.query.js';
import {
  GenerateShadowReportBody,
  IssueViewLinkBody,
  ListQueryParams,
  ReportIdParams,
  ReportPageQueryParams,
  ShadowReportListResponse,
  ShadowReportResponse,
  ViewLinkParams,
  ViewLinkResponse,
} from './shadow-reports.dto.js';

const READERS = ['admin', 'auditor', 'read_only'] as const;
const GENERATORS = ['admin', 'policy_author'] as const;
const NOT_FOUND = { description: 'No such report in this tenant (shadow_report.not_found)' };

/**
 * Shadow reports: what the tenant's agents did over a window of recorded decisions, generated
 * at the end of the trial and on demand, as JSON and as a web page opened with a view link.
 */
@Controller('shadow-reports')
export class ShadowReportsController extends ApiController {
  @Post()
  @Roles(...GENERATORS)
  @HttpCode(201)
  @Operation({
    operationId: 'generateShadowReport',
    summary: 'Generate a shadow report now, over the window given (default: the trial so far, or the last seven days after it)',
    tags: ['shadow-reports'],
    body: GenerateShadowReportBody,
    responses: {
      201: { description: 'The report', schema: ShadowReportResponse },
      422: { description: 'The window is too long (shadow_report.window_too_long) or holds too many decisions (shadow_report.too_many_decisions)' },
    },
  })
  async generate(
    @ValidBody() body: z.output<typeof GenerateShadowReportBody>,
    @CurrentCaller() caller: Caller,
  ): Promise<ShadowReportView> {
    const { reportId } = await this.commands.execute(new GenerateShadowReportCommand(caller.tenantId, 'on_demand', caller.actor, body?.window));
    return this.queries.execute(new GetShadowReportQuery(caller.tenantId, reportId));
  }

  @Get()
  @Roles(...READERS)
  @Operation({
    operationId: 'listShadowReports',
    summary: "The tenant's shadow reports, newest first (without their bodies)",
    tags: ['shadow-reports'],
    query: ListQueryParams,
    responses: { 200: { description: 'Reports', schema: ShadowReportListResponse } },
  })
  async list(
    @ValidQuery() query: z.output<typeof ListQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof ShadowReportListResponse>> {
    return { items: await this.queries.execute(new ListShadowReportsQuery(principal.tenantId, query.limit)) };
  }

  @Get('latest')
  @Roles(...READERS)
  @Operation({
    operationId: 'getLatestShadowReport',
    summary: 'The most recently generated shadow report',
    tags: ['shadow-reports'],
    responses: { 200: { description: 'The report', schema: ShadowReportResponse }, 404: { description: 'No report yet (shadow_report.not_found)' } },
  })
  async latest(@CurrentPrincipal() principal: Principal): Promise<ShadowReportView> {
    return this.queries.execute(new GetShadowReportQuery(principal.tenantId, 'latest'));
  }

  @Get(':reportId')
  @Roles(...READERS)
  @Operation({
    operationId: 'getShadowReport',
    summary: 'One shadow report, as JSON',
    tags: ['shadow-reports'],
    params: ReportIdParams,
    responses: { 200: { description: 'The report', schema: ShadowReportResponse }, 404: NOT_FOUND },
  })
  async get(
    @ValidParams() params: z.output<typeof ReportIdParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ShadowReportView> {
    return this.queries.execute(new GetShadowReportQuery(principal.tenantId, params.reportId));
  }

  @Post(':reportId/view-links')
  @Roles(...READERS)
  @HttpCode(201)
  @Operation({
    operationId: 'issueShadowReportViewLink',
    summary: "A short-lived link that opens this report's web page in a browser, read only, without an API key",
    tags: ['shadow-reports'],
    params: ReportIdParams,
    body: IssueViewLinkBody,
    responses: { 201: { description: 'The link (its token is shown once; only its hash is kept)', schema: ViewLinkResponse }, 404: NOT_FOUND },
  })
  async issueViewLink(
    @ValidParams() params: z.output<typeof ReportIdParams>,
    @ValidBody() body: z.output<typeof IssueViewLinkBody>,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<z.output<typeof ViewLinkResponse>> {
    const seconds = body?.expiresInSeconds ?? VIEW_LINK_DEFAULT_SECONDS;
    const link = await this.commands.execute(new IssueViewLinkCommand(caller, params.reportId, seconds));
    void reply.header('cache-control', 'no-store');
    return {
      id: link.linkId,
      path: `/v1/shadow-reports/${params.reportId}/html?token=${encodeURIComponent(link.token)}`,
      token: link.token,
      expiresAt: link.expiresAt.toISOString(),
    };
  }

  @Delete(':reportId/view-links/:linkId')
  @Roles('admin')
  @HttpCode(204)
  @Operation({
    operationId: 'revokeShadowReportViewLink',
    summary: 'Revoke a view link (one that leaked): recorded in the audit trail; the link then opens nothing, answering as an unknown link does',
    tags: ['shadow-reports'],
    params: ViewLinkParams,
    responses: { 204: { description: 'Revoked' }, 404: { description: 'No such report (shadow_report.not_found), or no such link of it, already revoked included (view_link.not_found)' } },
  })
  async revokeViewLink(@ValidParams() params: z.output<typeof ViewLinkParams>, @CurrentCaller() caller: Caller): Promise<void> {
    await this.commands.execute(new RevokeViewLinkCommand(caller, params.reportId, params.linkId));
  }

  @Get(':reportId/html')
  @Public()
  @Operation({
    operationId: 'getShadowReportPage',
    summary: 'The report as a web page (text/html; printable); opened with a view link (?token=…), never with an API key',
    tags: ['shadow-reports'],
    params: ReportIdParams,
    query: ReportPageQueryParams,
    responses: {
      200: { description: 'text/html: the page (Content-Security-Policy: nothing loads; one script, the switch to enforce, which asks for an admin key)' },
      401: { description: 'No, a malformed, an unknown or an expired view link (view_link.missing, view_link.invalid, view_link.expired)' },
      403: { description: 'The view link is for another report (view_link.other_report)' },
      404: NOT_FOUND,
    },
  })
  async page(
    @ValidParams() params: z.output<typeof ReportIdParams>,
    @ValidQuery() query: z.output<typeof ReportPageQueryParams>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    let view: ReportPageView;
    try {
      view = await this.queries.execute(new OpenReportPageQuery(params.reportId, query.token));
    } catch (error) {
      if (error instanceof ViewLinkError) throw new ProblemError(error.status, error.code, error.message, undefined, { 'cache-control': 'no-store' });
      throw error;
    }
    strictPageHeaders(reply, REPORT_PAGE_CSP);
    return renderReportPage(view.report, { reportId: view.id, tenantId: view.tenantId, trigger: view.trigger, generatedBy: view.generatedBy });
  }
}
