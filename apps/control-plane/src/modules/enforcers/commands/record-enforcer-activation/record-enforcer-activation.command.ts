import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** The enforcer ACKed a config version (from the config stream's status sink). */
export class RecordEnforcerActivationCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly enforcerId: string,
    readonly configVersion: number,
    readonly activatedAt: Date,
    readonly contentHash: string | null = null,
    readonly instanceId: string | null = null,
  ) {
    super();
  }
}
