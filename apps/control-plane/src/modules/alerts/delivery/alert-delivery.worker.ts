import { type BeforeApplicationShutdown, Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { AlertDestinationRow, AlertRow } from '@thoth/db';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlertsConfig } from '../../../config/config.js';
import { Clock } from '../../../platform/clock/clock.js';
import { LOGGER } from '../../../platform/tokens.js';
import { ALERTS_CONFIG } from '../alerts.tokens.js';
import type { AlertDocument } from '../domain/alert.js';
import { afterFailure } from '../domain/delivery-schedule.js';
import { AlertsRepository, type Settlement } from '../storage/alerts.repository.js';
import { SecretBox, sealContext } from '../secrets/secret-box.js';
import { AlertTransports, type DeliveryTarget } from './alert-transports.js';

/**
 * Delivers the alert outbox. Each round claims due alerts of every tenant under a lease (FOR
 * UPDATE SKIP LOCKED, so replicas share the work), sends each once, and settles it under its
 * tenant: delivered; retry later (exponential backoff, full jitter); or dead-letter when the
 * attempts or the cycle's age are used up. A worker that dies mid-delivery leaves its alerts
 * leased; when the lease ends they are claimed again — at least once, never lost, the same
 * alert id each time for receivers to drop repeats.
 */
@Injectable()
export class AlertDeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  #running = false;
  #round: Promise<unknown> = Promise.resolve();
  #wake: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The jitter's source (tests pin it). */
  random: () => number = Math.random;

  constructor(
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    @Inject(AlertsRepository) private readonly outbox: AlertsRepository,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(AlertTransports) private readonly transports: AlertTransports,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.worker) return;
    this.#running = true;
    void this.#loop();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#round;
  }

  /** One round: claims up to a batch of due alerts and delivers them. Returns how many it claimed. */
  async deliverDue(): Promise<number> {
    const now = this.clock.now();
    const claimId = randomUUID();
    const { leaseMs, batchSize } = this.config.delivery;
    const claimed = await this.outbox.claimDue(now, new Date(now.getTime() + leaseMs), claimId, batchSize);
    await Promise.all(claimed.map((c) => this.#deliverOne(c.tenantId, c.alertId, claimId)));
    return claimed.length;
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      let claimed = 0;
      const round = this.deliverDue().then(
        (n) => (claimed = n),
        (error: unknown) => this.logger.error({ err: error }, 'alert delivery round failed'),
      );
      this.#round = round;
      await round;
      // A full batch: more may be due at once. Otherwise wait for the next poll.
      if (this.#running && claimed < this.config.delivery.batchSize) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = setTimeout(resolve, this.config.delivery.pollMs);
        });
      }
    }
  }

  async #deliverOne(tenantId: string, alertId: string, claimId: string): Promise<void> {
    const loaded = await this.outbox.loadClaimed(tenantId, alertId, claimId);
    if (!loaded) return;
    const { alert, destination } = loaded;
    let settlement: Settlement;
    if (!destination || destination.status !== 'active') {
      settlement = { status: 'dead_letter', at: this.clock.now(), error: 'the destination was deleted', countsAsAttempt: false };
    } else {
      settlement = await this.#attempt(alert, destination);
    }
    const settled = await this.outbox.settle(tenantId, alertId, claimId, settlement);
    const log = { tenantId, alertId, destinationId: alert.destinationId, decisionId: alert.decisionId, attempt: alert.attempts + 1 };
    if (!settled) this.logger.warn(log, 'alert lease lost before the attempt was recorded (another worker may deliver it again)');
    else if (settlement.status === 'dead_letter') this.logger.warn({ ...log, error: settlement.error }, 'alert dead-lettered');
    else if (settlement.status === 'pending') this.logger.info({ ...log, error: settlement.error, retryAt: settlement.retryAt }, 'alert delivery failed; will retry');
    else this.logger.debug(log, 'alert delivered');
  }

  async #attempt(alert: AlertRow, destination: AlertDestinationRow): Promise<Settlement> {
    const started = this.clock.now();
    let result;
    try {
      result = await this.transports.deliver(alert.document as AlertDocument, this.#open(destination, started), started);
    } catch (error) {
      result = { ok: false as const, error: error instanceof Error ? error.message : String(error) };
    }
    const at = this.clock.now();
    if (result.ok) return { status: 'delivered', at };
    const next = afterFailure({ attempts: alert.attempts + 1, cycleStartedAt: alert.cycleStartedAt, now: at, policy: this.config.delivery, random: this.random });
    if ('retryAt' in next) return { status: 'pending', at, error: result.error, retryAt: next.retryAt };
    const why = next.deadLetter === 'max_attempts' ? `after ${alert.attempts + 1} attempts` : 'the next retry would exceed the max age';
    return { status: 'dead_letter', at, error: `${result.error} (gave up: ${why})`, countsAsAttempt: true };
  }

  /** The destination's URL and secrets in clear, for this attempt only. */
  #open(destination: AlertDestinationRow, now: Date): DeliveryTarget {
    const { tenantId, destinationId } = destination;
    switch (destination.kind) {
      case 'webhook': {
        const secrets = [this.secrets.open(required(destination.secretCiphertext), sealContext(tenantId, destinationId, 'signing-secret'))];
        const previous = destination.previousSecretCiphertext;
        if (previous && destination.previousSecretExpiresAt && destination.previousSecretExpiresAt.getTime() > now.getTime()) {
          secrets.push(this.secrets.open(previous, sealContext(tenantId, destinationId, 'signing-secret')));
        }
        return { kind: 'webhook', url: this.secrets.open(required(destination.urlCiphertext), sealContext(tenantId, destinationId, 'url')), secrets };
      }
      case 'slack':
        return { kind: 'slack', url: this.secrets.open(required(destination.urlCiphertext), sealContext(tenantId, destinationId, 'url')) };
      case 'syslog':
        return {
          kind: 'syslog',
          syslog: {
            host: required(destination.syslogHost),
            port: required(destination.syslogPort),
            transport: required(destination.syslogTransport),
            facility: required(destination.syslogFacility),
          },
        };
    }
  }
}

function required<T>(value: T | null): T {
  if (value === null) throw new Error('the destination row is incomplete');
  return value;
}
