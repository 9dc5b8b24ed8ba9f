import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/** What an API makes of an error: a problem body (its `type` from `problemType`), its status and headers. */
export interface ProblemReply {
  status: number;
  body: object;
  headers?: Record<string, string>;
}

/**
 * Every error leaves as application/problem+json: an API says how its errors read as problems
 * (`toProblem`, with `@Catch()` on the subclass); a 5xx is logged with the request id.
 */
export abstract class ProblemFilterBase implements ExceptionFilter {
  constructor(protected readonly log: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.send(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }

  /** Sends `error` as a problem; also for what fails before Nest routes a request (Fastify's `frameworkErrors`). */
  send(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body, headers } = this.toProblem(error, request);
    if (status >= 500) this.log.error({ err: error, requestId: request.id }, 'request failed');
    void reply
      .status(status)
      .headers({ ...headers, 'content-type': 'application/problem+json' })
      .send(body);
  }

  protected abstract toProblem(error: unknown, request: FastifyRequest): ProblemReply;
}
