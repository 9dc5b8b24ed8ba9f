import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ProblemError } from './problem.js';

/** `If-Match: "7"` (or W/"7") → 7; absent → undefined. The ETag of a resource is its stream version. */
export function expectedVersionFrom(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  if (!match) throw new ProblemError(400, 'request.invalid_if_match', 'If-Match must be an ETag this API returned, like "3"', [
    { path: '/headers/if-match', code: 'invalid_if_match', message: `"${header}" is not an ETag of this API` },
  ]);
  return Number(match[1]);
}

export const etagOf = (version: number): string => `"${version}"`;

/** The If-Match header as the version it names (undefined when absent); 400 when it is not an ETag of this API. */
export const IfMatch = createParamDecorator((_: unknown, context: ExecutionContext): number | undefined =>
  expectedVersionFrom(context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['if-match']),
);

/** Sets the ETag of a resource view (its version) on the reply and returns the view. */
export function withEtag<V extends { version: number }>(reply: FastifyReply, view: V): V {
  void reply.header('etag', etagOf(view.version));
  return view;
}
