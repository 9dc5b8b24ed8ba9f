import { MerkleError, parseCheckpoint } from '@thoth/merkle';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ApiKeyAuthenticator, Caller } from './authenticate.js';
import { ReadError, type LedgerReader, type ReadErrorCode } from './ledger-reader.js';
import { sendJson, sendProblem } from './problem.js';

const STATUS: Record<ReadErrorCode, number> = {
  'ledger.no_checkpoint': 404,
  'ledger.decision_not_found': 404,
  'ledger.checkpoint_not_found': 404,
  'ledger.not_yet_checkpointed': 409,
  'ledger.bad_sizes': 400,
};

type Route = (reader: LedgerReader, caller: Caller, params: string[], query: URLSearchParams) => Promise<unknown>;

// The tenant is the caller's: it comes from the API key, never from the request. A decision id of
// another tenant is therefore simply not found (the same 404 as an id that exists nowhere).
const ROUTES: Array<[RegExp, Route]> = [
  [
    /^\/v1\/checkpoint$/,
    async (reader, { tenantId }) => {
      const cp = await reader.latest(tenantId);
      const parsed = parseCheckpoint(cp.note.slice(0, cp.note.indexOf('\n\n') + 1));
      return { tenantId, origin: parsed.ok ? parsed.value.origin : undefined, size: cp.size, checkpoint: cp.note, verifierKey: reader.verifierKey };
    },
  ],
  [/^\/v1\/decisions\/([^/]+)\/inclusion-proof$/, (reader, { tenantId }, [decision], q) => reader.inclusionProof(tenantId, decision!, optionalSize(q, 'size'))],
  [/^\/v1\/decisions\/([^/]+)\/evidence$/, (reader, { tenantId }, [decision]) => reader.evidenceBundle(tenantId, decision!)],
  [/^\/v1\/consistency-proof$/, (reader, { tenantId }, _, q) => reader.consistencyProof(tenantId, requiredSize(q, 'from'), requiredSize(q, 'to'))],
];

class BadRequest extends Error {
  constructor(
    readonly code: 'http.bad_query' | 'http.bad_path',
    message: string,
  ) {
    super(message);
  }
}

function optionalSize(q: URLSearchParams, name: string): number | undefined {
  return q.has(name) ? requiredSize(q, name) : undefined;
}

function requiredSize(q: URLSearchParams, name: string): number {
  const text = q.get(name) ?? '';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw new BadRequest('http.bad_query', `query parameter ${name} must be a tree size`);
  return Number(text);
}

function decodeParam(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BadRequest('http.bad_path', 'malformed percent-encoding in the path');
  }
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="thoth"' };

export function createLedgerApi(reader: LedgerReader, auth: ApiKeyAuthenticator, log: Logger): Server {
  return createServer((request, response) => {
    void handle(reader, auth, log, request, response);
  });
}

async function handle(reader: LedgerReader, auth: ApiKeyAuthenticator, log: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://ledger');
  // Public: liveness, and the verifier key (one key for every tenant's log; an auditor should get it
  // out of band as well, a bundle's own copy is never trusted).
  if (url.pathname === '/healthz') return sendJson(response, 200, { status: 'ok' });
  if (request.method !== 'GET') return sendProblem(response, { status: 405, code: 'http.method_not_allowed', title: 'Only GET is served' });
  if (url.pathname === '/v1/verifier-key') return sendJson(response, 200, { verifierKey: reader.verifierKey });
  try {
    // Everything else needs a key, before any route is matched: no key, no information.
    const authenticated = await auth.authenticate(request.headers.authorization);
    if (!authenticated.ok) return sendProblem(response, authenticated.problem, authenticated.problem.status === 401 ? CHALLENGE : {});
    for (const [pattern, route] of ROUTES) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      return sendJson(response, 200, await route(reader, authenticated.caller, match.slice(1).map(decodeParam), url.searchParams));
    }
    return sendProblem(response, { status: 404, code: 'http.not_found', title: `No route for ${url.pathname}` });
  } catch (error) {
    if (error instanceof ReadError) return sendProblem(response, { status: STATUS[error.code], code: error.code, title: error.message });
    if (error instanceof BadRequest) return sendProblem(response, { status: 400, code: error.code, title: error.message });
    if (error instanceof MerkleError && error.code === 'tree.out_of_range') {
      return sendProblem(response, { status: 400, code: 'ledger.bad_sizes', title: error.message });
    }
    log.error({ err: error, path: url.pathname }, 'request failed');
    return sendProblem(response, { status: 500, code: 'internal', title: 'Internal error' });
  }
}
