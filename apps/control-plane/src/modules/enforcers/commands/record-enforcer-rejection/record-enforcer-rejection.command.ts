import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';

/** The enforcer NACKed a config version and kept the one it had. */
export class RecordEnforcerRejectionCommand extends Command<void> {
  constructor(
    readonly caller: Caller,
    readonly enforcerId: string,
    readonly configVersion: number,
    readonly errorCode: string,
    readonly errorMessage: string,
    readonly rejectedAt: Date,
    readonly instanceId: string | null = null,
  ) {
    super();
  }
}
