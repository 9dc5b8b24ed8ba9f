import { Catch } from '@nestjs/common';
import { ProblemError, ProblemFilterBase, problemType, type ProblemReply } from '@thoth/http';
import { MerkleError } from '@thoth/merkle';
import type { FastifyRequest } from 'fastify';
import { ReadError, type ReadErrorCode } from './ledger-reader.js';

/** RFC 9457 problem details as the ledger answers them; `code` is the stable, machine-readable part. */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
}

const STATUS: Record<ReadErrorCode, number> = {
  'ledger.no_checkpoint': 404,
  'ledger.decision_not_found': 404,
  'ledger.checkpoint_not_found': 404,
  'ledger.not_yet_checkpointed': 409,
  'ledger.bad_sizes': 400,
};

/**
 * Every error of the ledger's API as application/problem+json: `{ type, status, code, title }`, the
 * type `urn:thoth:problem:<code>` as the control plane's. The body names neither the path nor a
 * request id: another tenant's decision and one that exists nowhere answer byte for byte alike.
 */
@Catch()
export class LedgerProblemFilter extends ProblemFilterBase {
  protected toProblem(error: unknown): ProblemReply {
    const { headers, ...problem } = problemOf(error);
    return { status: problem.status, body: { type: problemType(problem.code), ...problem }, ...(headers ? { headers } : {}) };
  }
}

function problemOf(error: unknown): Problem & { headers?: Record<string, string> } {
  if (error instanceof ProblemError) return { status: error.status, code: error.code, title: error.message, ...(error.headers ? { headers: error.headers } : {}) };
  if (error instanceof ReadError) return { status: STATUS[error.code], code: error.code, title: error.message };
  if (error instanceof MerkleError && error.code === 'tree.out_of_range') return { status: 400, code: 'ledger.bad_sizes', title: error.message };
  return { status: 500, code: 'internal', title: 'Internal error' };
}

/** The problem of `request`'s path when nothing answers it. */
export function noRoute(request: Pick<FastifyRequest, 'url'>): ProblemError {
  return new ProblemError(404, 'http.not_found', `No route for ${pathOf(request)}`);
}

export function pathOf(request: Pick<FastifyRequest, 'url'>): string {
  return new URL(request.url, 'http://ledger').pathname;
}
