import { MerkleError, parseCheckpoint } from '@thoth/merkle';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TENANT_ID } from '../checkpoint/origin.js';
import { ReadError, type LedgerReader, type ReadErrorCode } from './ledger-reader.js';
import { sendJson, sendProblem } from './problem.js';

const STATUS: Record<ReadErrorCode, number> = {
  'ledger.no_checkpoint': 404,
  'ledger.decision_not_found': 404,
  'ledger.checkpoint_not_found': 404,
  'ledger.not_yet_checkpointed': 409,
  'ledger.bad_sizes': 400,
};

type Route = (reader: LedgerReader, params: string[], query: URLSearchParams) => Promise<unknown>;

// Every route names its tenant; a decision looked up under another tenant is 404, never its entry.
const ROUTES: Array<[RegExp, Route]> = [
  [
    /^\/v1\/tenants\/([^/]+)\/checkpoint$/,
    async (reader, [tenant]) => {
      const cp = await reader.latest(tenant!);
      const parsed = parseCheckpoint(cp.note.slice(0, cp.note.indexOf('\n\n') + 1));
      return { tenantId: tenant, origin: parsed.ok ? parsed.value.origin : undefined, size: cp.size, checkpoint: cp.note, verifierKey: reader.verifierKey };
    },
  ],
  [/^\/v1\/tenants\/([^/]+)\/decisions\/([^/]+)\/inclusion-proof$/, (reader, [tenant, decision], q) => reader.inclusionProof(tenant!, decision!, optionalSize(q, 'size'))],
  [/^\/v1\/tenants\/([^/]+)\/decisions\/([^/]+)\/evidence$/, (reader, [tenant, decision]) => reader.evidenceBundle(tenant!, decision!)],
  [
    /^\/v1\/tenants\/([^/]+)\/consistency-proof$/,
    (reader, [tenant], q) => reader.consistencyProof(tenant!, requiredSize(q, 'from'), requiredSize(q, 'to')),
  ],
];

class BadRequest extends Error {}

function optionalSize(q: URLSearchParams, name: string): number | undefined {
  return q.has(name) ? requiredSize(q, name) : undefined;
}

function requiredSize(q: URLSearchParams, name: string): number {
  const text = q.get(name) ?? '';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw new BadRequest(`query parameter ${name} must be a tree size`);
  return Number(text);
}

export function createLedgerApi(reader: LedgerReader, log: Logger): Server {
  return createServer((request, response) => {
    void handle(reader, log, request, response);
  });
}

async function handle(reader: LedgerReader, log: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://ledger');
  if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
  if (request.method !== 'GET') return sendProblem(response, { status: 405, code: 'http.method_not_allowed', title: 'Only GET is served' });
  for (const [pattern, route] of ROUTES) {
    const match = pattern.exec(url.pathname);
    if (!match) continue;
    const params = match.slice(1).map((p) => decodeURIComponent(p));
    if (!TENANT_ID.test(params[0]!)) return sendProblem(response, { status: 400, code: 'ledger.bad_tenant', title: 'Tenant id must be a lowercase UUID' });
    try {
      return sendJson(response, 200, await route(reader, params, url.searchParams));
    } catch (error) {
      if (error instanceof ReadError) return sendProblem(response, { status: STATUS[error.code], code: error.code, title: error.message });
      if (error instanceof BadRequest) return sendProblem(response, { status: 400, code: 'http.bad_query', title: error.message });
      if (error instanceof MerkleError && error.code === 'tree.out_of_range') {
        return sendProblem(response, { status: 400, code: 'ledger.bad_sizes', title: error.message });
      }
      log.error({ err: error, path: url.pathname }, 'request failed');
      return sendProblem(response, { status: 500, code: 'internal', title: 'Internal error' });
    }
  }
  return sendProblem(response, { status: 404, code: 'http.not_found', title: `No route for ${url.pathname}` });
}
