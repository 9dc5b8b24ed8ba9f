import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { randomUUID } from 'node:crypto';
import type { AlertsConfig } from '../../../../config/config.js';
import { saveAggregate } from '../../../../event-store/aggregate-store.js';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { isUniqueViolation } from '../../../../platform/database/unique-violation.js';
import { ADDRESS_RESOLVER, ALERTS_CONFIG } from '../../alerts.tokens.js';
import { type Resolver, bareHost, parseDestinationUrl, resolveAllowed } from '../../delivery/destination-address.js';
import { AlertDestination, alertDestinationStreamId } from '../../domain/alert-destination.aggregate.js';
import { AlertError } from '../../domain/alert.errors.js';
import { AlertDestinationsRepository } from '../../storage/alert-destinations.repository.js';
import { SecretBox, sealContext } from '../../secrets/secret-box.js';
import { newSigningSecret } from '../signing-secret.js';
import { CreateAlertDestinationCommand } from './create-alert-destination.command.js';

/** Every alert goes to every active destination of its tenant: a bound on the fan-out. */
export const MAX_DESTINATIONS = 25;
export const ACTIVE_NAME_KEY = 'alert_destinations_tenant_active_name_key';

@CommandHandler(CreateAlertDestinationCommand)
export class CreateAlertDestinationHandler implements ICommandHandler<CreateAlertDestinationCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(AlertDestinationsRepository) private readonly destinations: AlertDestinationsRepository,
    @Inject(SecretBox) private readonly secrets: SecretBox,
    @Inject(ALERTS_CONFIG) private readonly config: AlertsConfig,
    @Inject(ADDRESS_RESOLVER) private readonly resolver: Resolver,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, input }: CreateAlertDestinationCommand): Promise<{ destinationId: string; version: number; secret: string | null }> {
    const destinationId = randomUUID();
    const context = (what: 'url' | 'signing-secret') => sealContext(caller.tenantId, destinationId, what);
    const policy = { allowPrivateNetworks: this.config.allowPrivateNetworks };
    let target: string;
    let urlCiphertext: string | null = null;
    let syslog = null;
    let secret: string | null = null;
    if (input.kind === 'syslog') {
      const host = bareHost(input.host);
      await resolveAllowed(host, policy, this.resolver, '/host');
      syslog = { host, port: input.port, transport: input.transport, facility: input.facility };
      target = `${input.transport}://${host.includes(':') ? `[${host}]` : host}:${input.port}`;
    } else {
      const parsed = parseDestinationUrl(input.url, policy);
      await resolveAllowed(bareHost(parsed.url.hostname), policy, this.resolver);
      target = parsed.target;
      urlCiphertext = this.secrets.seal(parsed.url.toString(), context('url'));
      if (input.kind === 'webhook') secret = newSigningSecret();
    }
    if ((await this.destinations.countActive(caller.tenantId)) >= MAX_DESTINATIONS) {
      throw new AlertError('alert_destination.limit_reached', 'conflict', `a tenant has at most ${MAX_DESTINATIONS} alert destinations; delete one first`);
    }
    const destination = AlertDestination.create(
      {
        destinationId,
        tenantId: caller.tenantId,
        name: input.name,
        kind: input.kind,
        target,
        urlCiphertext,
        syslog,
        secretCiphertext: secret === null ? null : this.secrets.seal(secret, context('signing-secret')),
      },
      this.clock.now(),
    );
    try {
      await saveAggregate(this.store, caller, alertDestinationStreamId(destinationId), destination);
    } catch (error) {
      if (isUniqueViolation(error, ACTIVE_NAME_KEY)) {
        throw new AlertError('alert_destination.name_taken', 'conflict', `an alert destination named '${destination.name}' exists`, '/name', { cause: error });
      }
      throw error;
    }
    return { destinationId, version: destination.version, secret };
  }
}
