import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { AggregateCommandHandler } from '../../../../event-store/aggregate-command-handler.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RecordReceiptKeyCommand } from './record-receipt-key.command.js';

@CommandHandler(RecordReceiptKeyCommand)
export class RecordReceiptKeyHandler extends AggregateCommandHandler implements ICommandHandler<RecordReceiptKeyCommand> {
  async execute({ caller, enforcerId, instanceId, announcement, announcedAt }: RecordReceiptKeyCommand): Promise<void> {
    await this.change(caller, enforcerStreamId(enforcerId), Enforcer.fromHistory, undefined, (enforcer, now) => enforcer.announceReceiptKey({ announcement, instanceId, announcedAt }, now));
  }
}
