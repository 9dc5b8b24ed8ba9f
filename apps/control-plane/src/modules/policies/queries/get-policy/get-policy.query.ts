import { Query } from '@nestjs/cqrs';
import type { PolicyRow, PolicyVersionRow } from '@thoth/db';
import type { PolicyMode } from '../../domain/policy-mode.js';
import type { PolicyFormat } from '../../domain/policy-source.js';

/** One published version, with or without its source. */
export interface PolicyVersionView {
  version: number;
  format: PolicyFormat;
  contentHash: string;
  documentName: string;
  documentVersion: string;
  rolledBackTo: number | null;
  publishedAt: string;
  publishedBy: string;
  source?: string;
}

/** The tenant's policy: its current version (the ETag, what If-Match names) and mode. */
export interface PolicyView {
  currentVersion: number;
  mode: PolicyMode;
  current: PolicyVersionView & { source: string };
  updatedAt: string;
}

export class GetPolicyQuery extends Query<PolicyView> {
  constructor(readonly tenantId: string) {
    super();
  }
}

export function policyVersionView(row: PolicyVersionRow, withSource: boolean): PolicyVersionView {
  return {
    version: row.version,
    format: row.format,
    contentHash: row.contentHash,
    documentName: row.documentName,
    documentVersion: row.documentVersion,
    rolledBackTo: row.rolledBackTo,
    publishedAt: row.publishedAt.toISOString(),
    publishedBy: row.publishedBy,
    ...(withSource ? { source: row.source } : {}),
  };
}

export function policyView(policy: PolicyRow, current: PolicyVersionRow): PolicyView {
  return {
    currentVersion: policy.currentVersion,
    mode: policy.mode,
    current: { ...policyVersionView(current, true), source: current.source },
    updatedAt: policy.updatedAt.toISOString(),
  };
}
