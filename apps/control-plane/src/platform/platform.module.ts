import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Tracer } from '@opentelemetry/api';
import type { DatabaseHandle } from '@thoth/db';
import type { HealthService } from '@thoth/ops';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../config/config.js';
import { ApiKeyLookupRepository } from './auth/api-key-lookup.repository.js';
import { AuthGuard } from './auth/auth.guard.js';
import { Clock } from './clock/clock.js';
import { TenantDatabase } from './database/tenant-database.js';
import { ProblemFilter } from './http/problem.filter.js';
import { OpenApiController } from './openapi/openapi.controller.js';
import { RateLimitGuard, RateLimitSettings } from './rate-limit/rate-limit.guard.js';
import { CONFIG, DATABASE, GRPC_HEALTH, LOGGER, TRACER } from './tokens.js';

export interface PlatformDependencies {
  config: ControlPlaneConfig;
  database: DatabaseHandle;
  clock: Clock;
  logger: Logger;
  /** Served on the config stream's gRPC server beside ConfigDistribution (absent: not served). */
  health?: HealthService;
  /** Tracing on (docs/telemetry.md); absent: off. */
  tracer?: Tracer | undefined;
}

/**
 * What every bounded context builds on: the tenant-scoped database, authentication, rate limits,
 * problem errors, OpenAPI. The event store builds on it (event-store/event-store.module.ts).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot({ config, database, clock, logger, health, tracer }: PlatformDependencies): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [OpenApiController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: TRACER, useValue: tracer ?? null },
        { provide: DATABASE, useValue: database },
        { provide: Clock, useValue: clock },
        { provide: GRPC_HEALTH, useValue: health ?? null },
        { provide: TenantDatabase, useValue: new TenantDatabase(database) },
        { provide: ApiKeyLookupRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new ApiKeyLookupRepository(db) },
        { provide: RateLimitSettings, useValue: new RateLimitSettings(config.rateLimit) },
        // Guards run in this order: who is calling (401/403), then how often (429).
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_FILTER, useValue: new ProblemFilter(logger) },
      ],
      exports: [CONFIG, LOGGER, TRACER, DATABASE, Clock, TenantDatabase, GRPC_HEALTH],
    };
  }
}
