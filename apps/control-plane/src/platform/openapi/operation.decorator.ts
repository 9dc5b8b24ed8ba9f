import type { z } from 'zod';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  headers?: Record<string, string>;
}

/** What the OpenAPI document says about one route; the zod schemas are the ones the route validates with. */
export interface OperationSpec {
  operationId: string;
  summary: string;
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodType;
  params?: z.ZodType;
  /** Request headers the route reads (If-Match). */
  headers?: Record<string, string>;
  responses: Record<number, ResponseSpec>;
}

export interface RegisteredOperation {
  controller: abstract new (...args: never[]) => unknown;
  handler: object;
  spec: OperationSpec;
}

/** Filled at import time by @Operation; the document builder reads it with Nest's route metadata. */
export const OPERATIONS: RegisteredOperation[] = [];

export function Operation(spec: OperationSpec): MethodDecorator {
  return (target, _key, descriptor) => {
    OPERATIONS.push({
      controller: (target as { constructor: RegisteredOperation['controller'] }).constructor,
      handler: descriptor.value as object,
      spec,
    });
  };
}
