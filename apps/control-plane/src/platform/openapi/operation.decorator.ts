import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import { parseRequest } from '../http/request-validation.js';

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

const OPERATION_SPEC = 'thoth:operation';

/**
 * Names a route's schemas once: the OpenAPI document describes them, and @ValidBody(),
 * @ValidQuery() and @ValidParams() validate the request against them.
 */
export function Operation(spec: OperationSpec): MethodDecorator {
  return (target, key, descriptor) => {
    OPERATIONS.push({
      controller: (target as { constructor: RegisteredOperation['controller'] }).constructor,
      handler: descriptor.value as object,
      spec,
    });
    SetMetadata(OPERATION_SPEC, spec)(target, key, descriptor);
  };
}

type Where = 'body' | 'query' | 'path';

const SCHEMA_OF = { body: 'body', query: 'query', path: 'params' } as const satisfies Record<Where, keyof OperationSpec>;

function validated(where: Where) {
  return createParamDecorator((_: unknown, context: ExecutionContext): unknown => {
    const spec = Reflect.getMetadata(OPERATION_SPEC, context.getHandler()) as OperationSpec | undefined;
    const schema = spec?.[SCHEMA_OF[where]];
    if (!schema) throw new Error(`a validated ${where} on a route whose @Operation names no ${SCHEMA_OF[where]} schema`);
    const request = context.switchToHttp().getRequest<{ body?: unknown; query: unknown; params: unknown }>();
    return parseRequest(schema, where === 'body' ? request.body : where === 'query' ? request.query : request.params, where);
  });
}

/** The request body, parsed with the route's `body` schema (400 naming each field otherwise). */
export const ValidBody = validated('body');
/** The query string, parsed with the route's `query` schema. */
export const ValidQuery = validated('query');
/** The path parameters, parsed with the route's `params` schema. */
export const ValidParams = validated('path');
