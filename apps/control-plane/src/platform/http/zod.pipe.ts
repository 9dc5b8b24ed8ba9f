import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { jsonPointer, ProblemError, type ProblemDetail } from './problem.js';

/**
 * Validates a body, query or path against a zod schema (strict objects: an unknown field is
 * an error naming its path). `@Body(new ZodPipe(Schema))`.
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly where: 'body' | 'query' | 'path' = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw invalidRequest(parsed.error, this.where);
  }
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
