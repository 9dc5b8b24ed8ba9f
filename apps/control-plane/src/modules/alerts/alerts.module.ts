import { type DynamicModule, Module } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AlertsConfig } from '../../config/config.js';
import { TenantDatabase } from '../../platform/database/tenant-database.js';
import { DECISION_INGEST_HOOKS } from '../decisions/index.js';
import { LOGGER } from '../../platform/tokens.js';
import { AlertDestinationsController } from './api/alert-destinations.controller.js';
import { AlertsController } from './api/alerts.controller.js';
import { ADDRESS_RESOLVER, ALERTS_CONFIG } from './alerts.tokens.js';
import { CreateAlertDestinationHandler } from './commands/create-alert-destination/create-alert-destination.handler.js';
import { DeleteAlertDestinationHandler } from './commands/delete-alert-destination/delete-alert-destination.handler.js';
import { RedeliverAlertHandler } from './commands/redeliver-alert/redeliver-alert.handler.js';
import { RotateAlertDestinationSecretHandler } from './commands/rotate-alert-destination-secret/rotate-alert-destination-secret.handler.js';
import { AlertDeliveryWorker } from './delivery/alert-delivery.worker.js';
import { AlertTransports } from './delivery/alert-transports.js';
import { type Resolver, systemResolver } from './delivery/destination-address.js';
import { AlertEnqueuer } from './ingest/alert-enqueuer.js';
import { AlertsRepository } from './storage/alerts.repository.js';
import { AlertDestinationsProjection } from './storage/alert-destinations.projection.js';
import { AlertDestinationsRepository } from './storage/alert-destinations.repository.js';
import { GetAlertDestinationHandler } from './queries/get-alert-destination/get-alert-destination.handler.js';
import { GetAlertHandler } from './queries/get-alert/get-alert.handler.js';
import { ListAlertDestinationsHandler } from './queries/list-alert-destinations/list-alert-destinations.handler.js';
import { ListAlertsHandler } from './queries/list-alerts/list-alerts.handler.js';
import { SecretBox } from './secrets/secret-box.js';
import { loadSecretBox } from './secrets/secrets-key.js';

/**
 * The Alerts context: where a tenant's SOC alerts go (signed webhooks, Slack, syslog/CEF),
 * the alert outbox filled in the decision-ingest transaction, and the worker that delivers it
 * with retries and a dead-letter list.
 */
@Module({})
export class AlertsModule {
  static forRoot(config: AlertsConfig): DynamicModule {
    return {
      module: AlertsModule,
      controllers: [AlertDestinationsController, AlertsController],
      providers: [
        { provide: ALERTS_CONFIG, useValue: config },
        { provide: SecretBox, inject: [LOGGER], useFactory: (logger: Logger) => loadSecretBox(config, logger) },
        { provide: ADDRESS_RESOLVER, useValue: systemResolver },
        {
          provide: AlertTransports,
          inject: [ADDRESS_RESOLVER],
          useFactory: (resolver: Resolver) =>
            new AlertTransports({ policy: { allowPrivateNetworks: config.allowPrivateNetworks }, timeoutMs: config.delivery.timeoutMs, hostname: hostname(), resolver }),
        },
        { provide: AlertDestinationsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new AlertDestinationsRepository(db) },
        { provide: AlertsRepository, inject: [TenantDatabase], useFactory: (db: TenantDatabase) => new AlertsRepository(db) },
        AlertDestinationsProjection,
        CreateAlertDestinationHandler,
        RotateAlertDestinationSecretHandler,
        DeleteAlertDestinationHandler,
        RedeliverAlertHandler,
        GetAlertDestinationHandler,
        ListAlertDestinationsHandler,
        GetAlertHandler,
        ListAlertsHandler,
        AlertEnqueuer,
        // Alerts are enqueued in the transaction that records their decisions.
        { provide: DECISION_INGEST_HOOKS, useExisting: AlertEnqueuer },
        AlertDeliveryWorker,
      ],
      exports: [AlertEnqueuer, AlertDeliveryWorker],
    };
  }
}
