import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { Clock } from '../../../../platform/clock/clock.js';
import { LOGGER } from '../../../../platform/tokens.js';
import { AlertError, alertNotFound } from '../../domain/alert.errors.js';
import { AlertsRepository } from '../../storage/alerts.repository.js';
import { RedeliverAlertCommand } from './redeliver-alert.command.js';

@CommandHandler(RedeliverAlertCommand)
export class RedeliverAlertHandler implements ICommandHandler<RedeliverAlertCommand> {
  constructor(
    @Inject(AlertsRepository) private readonly outbox: AlertsRepository,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute({ caller, alertId }: RedeliverAlertCommand): Promise<void> {
    await this.outbox.redeliver(caller.tenantId, alertId, this.clock.now(), (alert, destination) => {
      if (!alert) throw alertNotFound();
      if (alert.status !== 'dead_letter') {
        throw new AlertError('alert.not_dead_lettered', 'conflict', `the alert is ${alert.status}; only a dead-lettered alert can be redelivered`);
      }
      if (!destination || destination.status !== 'active') {
        throw new AlertError('alert.destination_deleted', 'conflict', 'the alert destination was deleted; there is nowhere to redeliver to');
      }
    });
    this.logger.info({ tenantId: caller.tenantId, alertId, actor: caller.actor, requestId: caller.requestId }, 'alert redelivery requested');
  }
}
