import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../../app.module.js';
import { buildOpenApiDocument } from './openapi-document.js';

describe('the committed OpenAPI document', () => {
  it('is what the routes describe', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../openapi.json', import.meta.url), 'utf8')) as unknown;
    expect(buildOpenApiDocument(), 'apps/control-plane/openapi.json is stale: run `pnpm openapi` and commit it').toEqual(committed);
  });

  it('describes every route with its roles and problem responses', () => {
    const document = buildOpenApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/tenants', '/v1/tenant', '/v1/tenant/mode', '/v1/api-keys/{id}', '/v1/audit']));
    expect(Object.keys(document.paths['/v1/tenant/mode']!['put']!.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '413', '429']));
  });
});
