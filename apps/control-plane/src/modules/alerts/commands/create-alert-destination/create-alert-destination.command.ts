import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

export type CreateAlertDestinationInput =
  | { readonly kind: 'webhook' | 'slack'; readonly name: string; readonly url: string }
  | {
      readonly kind: 'syslog';
      readonly name: string;
      readonly host: string;
      readonly port: number;
      readonly transport: 'tcp' | 'udp';
      readonly facility: number;
    };

/** Adds an alert destination. A webhook's signing secret is generated here and returned this once. */
export class CreateAlertDestinationCommand extends Command<{ destinationId: string; version: number; secret: string | null }> {
  constructor(
    readonly caller: Caller,
    readonly input: CreateAlertDestinationInput,
  ) {
    super();
  }
}
