import { Catch, HttpException } from '@nestjs/common';
import { ProblemFilterBase, type ProblemReply } from '@thoth/http';
import type { FastifyRequest } from 'fastify';
import { ConcurrencyError } from '../../shared/domain/concurrency.error.js';
import { DomainError } from '../../shared/domain/domain-error.js';
import { problem, ProblemError, type Problem } from './problem.js';

const DOMAIN_STATUS = { not_found: 404, conflict: 409, invalid: 422 } as const;

/** Fastify's own errors (raised before a route handler runs) by their codes. */
const FASTIFY_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'request.too_large', 'the request body is larger than the limit'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'request.unsupported_media_type', 'send application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'request.invalid_json', 'the request body is empty but says it is JSON'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'request.invalid_json', 'the request body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'request.invalid', 'the Content-Length does not match the body'],
};

/** Every error leaves as RFC 9457 application/problem+json with a stable code, the request's URL and id. */
@Catch()
export class ProblemFilter extends ProblemFilterBase {
  protected toProblem(error: unknown, request: FastifyRequest): ProblemReply {
    const { body, headers } = this.problemOf(error, request);
    body.instance = request.url;
    body.requestId = String(request.id);
    return { status: body.status, body, headers };
  }

  private problemOf(error: unknown, request: FastifyRequest): { body: Problem; headers: Record<string, string> } {
    if (error instanceof ProblemError) return { body: error.toProblem(), headers: error.headers ?? {} };
    if (error instanceof ConcurrencyError) return { body: problem(409, error.code, error.message), headers: {} };
    if (error instanceof DomainError) {
      const errors = error.errors ? [...error.errors] : error.field !== undefined ? [{ path: error.field, code: error.code, message: error.message }] : undefined;
      return { body: problem(DOMAIN_STATUS[error.kind], error.code, error.message, errors), headers: {} };
    }
    // Nest wraps fastify's parser errors in an HttpException whose cause keeps the code.
    const code = (error as { code?: unknown }).code ?? ((error as { cause?: { code?: unknown } }).cause?.code);
    if (typeof code === 'string' && FASTIFY_ERRORS[code]) {
      const [status, stable, detail] = FASTIFY_ERRORS[code];
      return { body: problem(status, stable, detail), headers: {} };
    }
    // By name: the parser's SyntaxError may come from another realm (a test runner's VM context).
    if (error instanceof Error && error.name === 'SyntaxError') return { body: problem(400, 'request.invalid_json', 'the request body is not valid JSON'), headers: {} };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      if (status === 404) return { body: problem(404, 'route.not_found', `no route ${request.method} ${request.url.split('?')[0]}`), headers: {} };
      if (status === 405) return { body: problem(405, 'route.method_not_allowed', error.message), headers: {} };
      return { body: problem(status, `http.${status}`, error.message), headers: {} };
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return { body: problem(status, `http.${status}`, (error as Error).message), headers: {} };
    }
    return { body: problem(500, 'internal', 'something went wrong on our side; the request id identifies it in our logs'), headers: {} };
  }
}
