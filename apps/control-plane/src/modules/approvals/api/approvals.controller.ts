import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { CurrentPrincipal, Public, Roles, type Principal } from '../../../platform/auth/principal.js';
import { CurrentCaller, type Caller } from '../../../platform/caller.js';
import { ApiController } from '../../../platform/http/api-controller.js';
import { ProblemError } from '../../../platform/http/problem.js';
import { strictPageHeaders } from '../../../platform/http/strict-page.js';
import { Operation, ValidBody, ValidParams, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import { DecideApprovalCommand } from '../commands/decide-approval/decide-approval.command.js';
import { ApprovalLinkError } from '../domain/approval-link.js';
import { APPROVAL_PAGE_CSP, renderApprovalPage } from '../page/approval-page.js';
import type { ApprovalDetailView, ApprovalView } from '../queries/approval-view.js';
import { GetApprovalQuery } from '../queries/get-approval/get-approval.query.js';
import { ListApprovalsQuery } from '../queries/list-approvals/list-approvals.query.js';
import { OpenApprovalPageQuery, type ApprovalPageView } from '../queries/open-approval-page/open-approval-page.query.js';
import {
  ApprovalDetailResponse,
  ApprovalIdParams,
  ApprovalListResponse,
  ApprovalPageQueryParams,
  ApprovalResponse,
  DecideApprovalBody,
  encodeApprovalCursor,
  ListApprovalsQueryParams,
} from './approvals.dto.js';

/** Who reads requests: approvers, and those who read decisions. */
const READERS = ['approver', 'admin', 'auditor', 'read_only'] as const;
const NOT_FOUND = { description: 'No such request in this tenant (approval.not_found)' };
const DECIDE_RESPONSES = {
  200: { description: 'The request, decided', schema: ApprovalResponse },
  403: { description: 'The key is not of role approver (auth.forbidden_role): admins cannot approve (separation of duties)' },
  404: NOT_FOUND,
  409: { description: 'The request expired (approval.expired), or was already approved or rejected (approval.already_decided)' },
};

/**
 * Approval requests (docs/approvals.md): calls a policy held for a person, approved or rejected
 * here by an API key of role approver (and only that role), or on the request's page.
 */
@Controller('approvals')
export class ApprovalsController extends ApiController {
  @Get()
  @Roles(...READERS)
  @Operation({
    operationId: 'listApprovals',
    summary: "The tenant's approval requests, newest first, optionally of one state",
    tags: ['approvals'],
    query: ListApprovalsQueryParams,
    responses: { 200: { description: 'A page of requests', schema: ApprovalListResponse } },
  })
  async list(@ValidQuery() query: z.output<typeof ListApprovalsQueryParams>, @CurrentPrincipal() principal: Principal): Promise<z.output<typeof ApprovalListResponse>> {
    const page = await this.queries.execute(new ListApprovalsQuery(principal.tenantId, query.state, query.cursor, query.limit));
    return { items: page.items, next: page.next ? encodeApprovalCursor(page.next) : null };
  }

  @Get(':requestId')
  @Roles(...READERS)
  @Operation({
    operationId: 'getApproval',
    summary: "One request: the exact arguments, the rules that asked and their reasons, and the agent's last 20 decisions",
    tags: ['approvals'],
    params: ApprovalIdParams,
    responses: { 200: { description: 'The request', schema: ApprovalDetailResponse }, 404: NOT_FOUND },
  })
  async get(@ValidParams() params: z.output<typeof ApprovalIdParams>, @CurrentPrincipal() principal: Principal): Promise<ApprovalDetailView> {
    return this.queries.execute(new GetApprovalQuery(principal.tenantId, params.requestId));
  }

  @Post(':requestId/approve')
  @Roles('approver')
  @HttpCode(200)
  @Operation({
    operationId: 'approveApproval',
    summary: 'Approve the request: the call it holds may go through once, before it expires; recorded in the audit trail and as a signed decision in the ledger',
    tags: ['approvals'],
    params: ApprovalIdParams,
    body: DecideApprovalBody,
    responses: DECIDE_RESPONSES,
  })
  async approve(@ValidParams() params: z.output<typeof ApprovalIdParams>, @ValidBody() body: z.output<typeof DecideApprovalBody>, @CurrentCaller() caller: Caller): Promise<ApprovalView> {
    return this.commands.execute(new DecideApprovalCommand(caller, params.requestId, true, body?.comment ?? ''));
  }

  @Post(':requestId/reject')
  @Roles('approver')
  @HttpCode(200)
  @Operation({
    operationId: 'rejectApproval',
    summary: 'Reject the request: a call presenting it is denied (APPROVAL_REJECTED); recorded in the audit trail and as a signed decision in the ledger',
    tags: ['approvals'],
    params: ApprovalIdParams,
    body: DecideApprovalBody,
    responses: DECIDE_RESPONSES,
  })
  async reject(@ValidParams() params: z.output<typeof ApprovalIdParams>, @ValidBody() body: z.output<typeof DecideApprovalBody>, @CurrentCaller() caller: Caller): Promise<ApprovalView> {
    return this.commands.execute(new DecideApprovalCommand(caller, params.requestId, false, body?.comment ?? ''));
  }

  @Get(':requestId/html')
  @Public()
  @Operation({
    operationId: 'getApprovalPage',
    summary: "The request as a web page, opened with the signed link of its alert (?token=…), never with an API key; approving from it asks for an approver's key",
    tags: ['approvals'],
    params: ApprovalIdParams,
    query: ApprovalPageQueryParams,
    responses: {
      200: { description: "text/html: the page (the shadow report's Content-Security-Policy: nothing loads; one script, Approve/Reject, which asks for an approver key)" },
      401: { description: 'No, a malformed, a forged or an expired link (approval_link.missing, approval_link.invalid, approval_link.expired)' },
      403: { description: 'The link is for another request (approval_link.other_request)' },
      404: NOT_FOUND,
    },
  })
  async page(
    @ValidParams() params: z.output<typeof ApprovalIdParams>,
    @ValidQuery() query: z.output<typeof ApprovalPageQueryParams>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    let view: ApprovalPageView;
    try {
      view = await this.queries.execute(new OpenApprovalPageQuery(params.requestId, query.token));
    } catch (error) {
      if (error instanceof ApprovalLinkError) throw new ProblemError(error.status, error.code, error.message, undefined, { 'cache-control': 'no-store' });
      throw error;
    }
    strictPageHeaders(reply, APPROVAL_PAGE_CSP);
    return renderApprovalPage(view.request);
  }
}
