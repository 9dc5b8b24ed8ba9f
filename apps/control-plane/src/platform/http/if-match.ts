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
