import { All, type CallHandler, Controller, type ExecutionContext, Get, Inject, Injectable, type NestInterceptor, Param, Req, UseInterceptors } from '@nestjs/common';
import { ProblemError } from '@thoth/http';
import { parseCheckpoint } from '@thoth/merkle';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { AccessFor, CallerOf } from './access.guard.js';
import type { Caller } from './authenticate.js';
import { LedgerReader } from './ledger-reader.js';
import { noRoute } from './problem.js';

/** Answers as indented JSON, `content-type: application/json`. */
@Injectable()
class IndentedJson implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    return next.handle().pipe(
      map((value: unknown) => {
        void context.switchToHttp().getResponse<FastifyReply>().header('content-type', 'application/json');
        return JSON.stringify(value, null, 2);
      }),
    );
  }
}

/**
 * The ledger's API. The tenant is the caller's: it comes from the API key, never from the request.
 * A decision id of another tenant is therefore simply not found (the same 404 as an id that exists
 * nowhere).
 */
@Controller()
@UseInterceptors(IndentedJson)
export class LedgerController {
  constructor(@Inject(LedgerReader) private readonly reader: LedgerReader) {}

  // Public: liveness, and the verifier key (one key for every tenant's log; an auditor should get it
  // out of band as well, a bundle's own copy is never trusted).
  @All('healthz')
  @AccessFor('open')
  health(): unknown {
    return { status: 'ok' };
  }

  @Get('v1/verifier-key')
  @AccessFor('public')
  verifierKey(): unknown {
    return { verifierKey: this.reader.verifierKey };
  }

  @Get('v1/checkpoint')
  async checkpoint(@CallerOf() { tenantId }: Caller): Promise<unknown> {
    const cp = await this.reader.latest(tenantId);
    const parsed = parseCheckpoint(cp.note.slice(0, cp.note.indexOf('\n\n') + 1));
    return { tenantId, origin: parsed.ok ? parsed.value.origin : undefined, size: cp.size, checkpoint: cp.note, verifierKey: this.reader.verifierKey };
  }

  @Get('v1/decisions/:decision/inclusion-proof')
  inclusionProof(@CallerOf() { tenantId }: Caller, @Param('decision') decision: string, @Req() request: FastifyRequest): Promise<unknown> {
    return this.reader.inclusionProof(tenantId, decision, optionalSize(query(request), 'size'));
  }

  @Get('v1/decisions/:decision/evidence')
  evidence(@CallerOf() { tenantId }: Caller, @Param('decision') decision: string): Promise<unknown> {
    return this.reader.evidenceBundle(tenantId, decision);
  }

  @Get('v1/consistency-proof')
  consistencyProof(@CallerOf() { tenantId }: Caller, @Req() request: FastifyRequest): Promise<unknown> {
    const q = query(request);
    return this.reader.consistencyProof(tenantId, requiredSize(q, 'from'), requiredSize(q, 'to'));
  }

  /** Decisions of the caller's tenant quarantined instead of folded, by reason (docs/security.md): for its auditors. */
  @Get('v1/quarantine')
  quarantine(@CallerOf() { tenantId }: Caller, @Req() request: FastifyRequest): Promise<unknown> {
    return this.reader.quarantine(tenantId, quarantineLimit(query(request)));
  }

  // After the key is checked, like every other route.
  @All('*')
  nowhere(@Req() request: FastifyRequest): never {
    throw noRoute(request);
  }
}

function query(request: FastifyRequest): URLSearchParams {
  return new URL(request.url, 'http://ledger').searchParams;
}

/** How many quarantined decisions to list: 1 to 1000, 100 when not given. */
function quarantineLimit(q: URLSearchParams): number {
  const text = q.get('limit');
  if (text === null) return 100;
  const limit = /^[1-9][0-9]{0,3}$/.test(text) ? Number(text) : 0;
  if (limit < 1 || limit > 1000) throw new ProblemError(400, 'http.bad_query', 'query parameter limit must be a whole number from 1 to 1000');
  return limit;
}

function optionalSize(q: URLSearchParams, name: string): number | undefined {
  return q.has(name) ? requiredSize(q, name) : undefined;
}

function requiredSize(q: URLSearchParams, name: string): number {
  const text = q.get(name) ?? '';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(text)) throw new ProblemError(400, 'http.bad_query', `query parameter ${name} must be a tree size`);
  return Number(text);
}
