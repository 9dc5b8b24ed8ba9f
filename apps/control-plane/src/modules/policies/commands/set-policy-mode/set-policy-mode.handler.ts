import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '../../../../event-store/event-store.js';
import { Clock } from '../../../../platform/clock/clock.js';
import { changePolicy } from '../policy-stream.js';
import { SetPolicyModeCommand } from './set-policy-mode.command.js';

@CommandHandler(SetPolicyModeCommand)
export class SetPolicyModeHandler implements ICommandHandler<SetPolicyModeCommand> {
  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async execute({ caller, mode }: SetPolicyModeCommand): Promise<void> {
    const now = this.clock.now();
    await changePolicy(this.store, caller, (policy) => policy.setMode(mode, now));
  }
}
