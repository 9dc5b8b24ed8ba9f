import 'reflect-metadata';
import { type DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { limitByAddress, NestPinoLogger, ProblemError, RateLimiter } from '@thoth/http';
import { secureServerOptions, type ListenerTls } from '@thoth/tls';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { LEDGER_RATE_LIMITS, type LedgerRateLimits } from '../config/config.js';
import { AccessGuard, admit } from './access.guard.js';
import type { ApiKeyAuthenticator } from './authenticate.js';
import { LedgerController } from './ledger.controller.js';
import { LedgerReader } from './ledger-reader.js';
import { LedgerProblemFilter } from './problem.js';

@Module({})
class LedgerApiModule {
  static forRoot(reader: LedgerReader): DynamicModule {
    return { module: LedgerApiModule, controllers: [LedgerController], providers: [{ provide: LedgerReader, useValue: reader }] };
  }
}

export interface LedgerApi {
  /** `http(s)://host:port` as asked for (port 0: the one picked). */
  readonly url: string;
  readonly app: NestFastifyApplication;
  close(): Promise<void>;
}

/** The ledger's HTTP API (NestJS over Fastify, like the control plane's), listening on host:port. */
export async function startLedgerApi(
  reader: LedgerReader,
  auth: ApiKeyAuthenticator,
  log: Logger,
  listen: { host: string; port: number; tls?: ListenerTls },
  limits: LedgerRateLimits = LEDGER_RATE_LIMITS,
): Promise<LedgerApi> {
  const filter = new LedgerProblemFilter(log);
  const adapter = new FastifyAdapter({
    ...(listen.tls ? { https: secureServerOptions(listen.tls) } : {}),
    // Paths are read as the WHATWG URL parser reads them (dot segments resolved), as before Nest.
    rewriteUrl: (request: { url?: string }) => normalized(request.url ?? '/'),
    // A decision id of any length reaches the reader (and is not found there), not a router limit.
    routerOptions: { maxParamLength: 1 << 16 },
    // A path Fastify cannot decode: after the method and the key, like every other answer.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const problem =
        error.code === 'FST_ERR_BAD_URL'
          ? admit(auth, request).then(() => new ProblemError(400, 'http.bad_path', 'malformed percent-encoding in the path'))
          : Promise.resolve(error);
      void problem.then(
        (e) => filter.send(e, request, reply),
        (e: unknown) => filter.send(e, request, reply),
      );
    },
  });
  // Per client address (IPv6 by /64) before anything else, the API key's lookup included (docs/security.md).
  limitByAddress(adapter.getInstance(), { perMinute: limits.perAddressPerMinute });
  // The media types exactly as set (application/json, application/problem+json), without the charset Fastify appends.
  adapter.getInstance().addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string') void reply.header('content-type', type.replace(/; charset=utf-8$/, ''));
    return payload;
  });
  // Only GET is served: no body is ever read, whatever its type (a POST is a 405, not a parse error).
  adapter.getInstance().removeAllContentTypeParsers();
  adapter.getInstance().addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  const app = await NestFactory.create<NestFastifyApplication>(LedgerApiModule.forRoot(reader), adapter, {
    logger: new NestPinoLogger(log),
    abortOnError: false,
    bodyParser: false,
  });
  app.useGlobalFilters(filter);
  app.useGlobalGuards(new AccessGuard(auth, new RateLimiter(limits.perTenantPerMinute)));
  await app.listen(listen.port, listen.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return { url: `${listen.tls ? 'https' : 'http'}://${host}:${port}`, app, close: () => app.close() };
}

function normalized(url: string): string {
  try {
    const parsed = new URL(url, 'http://ledger');
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}
