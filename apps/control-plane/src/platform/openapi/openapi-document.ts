import { RequestMethod } from '@nestjs/common';
import { z } from 'zod';
import { IS_PUBLIC, ROLES } from '../auth/principal.js';
import { ProblemSchema } from '../http/problem.js';
import { OPERATIONS } from './operation.decorator.js';

const METHOD_METADATA = 'method';
const PATH_METADATA = 'path';
export const API_PREFIX = 'v1';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  return json;
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

function joinPath(...parts: Array<string | undefined>): string {
  const path = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter((p) => p !== '')
    .map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p))
    .join('/');
  return `/${path}`;
}

/** The OpenAPI 3.1 document of every route decorated with @Operation, in a stable order. */
export function buildOpenApiDocument(): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  const ordered = [...OPERATIONS].sort((a, b) => a.spec.operationId.localeCompare(b.spec.operationId));
  for (const { controller, handler, spec } of ordered) {
    const path = joinPath(API_PREFIX, Reflect.getMetadata(PATH_METADATA, controller) as string, Reflect.getMetadata(PATH_METADATA, handler) as string);
    const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
    const isPublic = Reflect.getMetadata(IS_PUBLIC, handler) === true;
    const roles = (Reflect.getMetadata(ROLES, handler) as string[] | undefined) ?? ['admin'];

    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', spec.params], ['query', spec.query]] as const) {
      if (!schema) continue;
      const json = schemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
      for (const [name, property] of Object.entries(json.properties ?? {})) {
        parameters.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema: property });
      }
    }
    for (const [name, description] of Object.entries(spec.headers ?? {})) {
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
    }

    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.headers
          ? { headers: Object.fromEntries(Object.entries(response.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) }
          : {}),
        ...(response.schema ? { content: { 'application/json': { schema: schemaOf(response.schema, 'output') } } } : {}),
      };
    }
    responses['400'] ??= problemResponse('The request is not valid: `errors[]` names each field (request.invalid, request.unknown_field)');
    if (!isPublic) {
      responses['401'] ??= problemResponse('No API key, or a malformed, unknown or revoked one (auth.*)');
      responses['403'] ??= problemResponse(`The key's role may not do this (auth.forbidden_role)`);
    }
    if (spec.body) responses['413'] ??= problemResponse('The body is larger than the limit (request.too_large)');
    responses['429'] ??= problemResponse('Rate limited (rate_limited); see Retry-After and RateLimit');

    paths[path] ??= {};
    paths[path][method] = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: spec.tags,
      ...(isPublic ? { security: [] } : { 'x-thoth-roles': roles }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(spec.body, 'input') } } } }
        : {}),
      responses: { ...responses, default: problemResponse('An error, as RFC 9457 problem details with a stable `code`') },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Thoth control plane',
      version: '1',
      description:
        'Tenants, API keys, agents, credentials, policies and enforcers of Thoth. Errors are RFC 9457 problem details (application/problem+json) with a stable `code`.',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: thoth_sk_…' } },
      schemas: { Problem: schemaOf(ProblemSchema, 'output') },
    },
  };
}
