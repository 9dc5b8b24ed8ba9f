import type { z } from 'zod';
import { jsonPointer, ProblemError, type ProblemDetail } from './problem.js';

/**
 * `value` parsed with `schema` (strict objects: an unknown field is an error naming its path),
 * or a 400 problem naming each field that is wrong. @ValidBody() and its kin call it.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidRequest(parsed.error, where);
}

export function invalidRequest(error: z.ZodError, where: 'body' | 'query' | 'path'): ProblemError {
  const errors: ProblemDetail[] = error.issues.flatMap((issue): ProblemDetail[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: jsonPointer([...issue.path, key]),
        code: 'unknown_field',
        message: `unknown field "${key}"`,
      }));
    }
    return [{ path: jsonPointer(issue.path), code: issue.code, message: issue.message }];
  });
  const unknownOnly = errors.every((e) => e.code === 'unknown_field');
  const what = where === 'body' ? 'request body' : where === 'query' ? 'query string' : 'path';
  return new ProblemError(
    400,
    unknownOnly ? 'request.unknown_field' : 'request.invalid',
    `the ${what} is not valid: ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ')}`,
    errors,
  );
}
