import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { AckEvent, EnforcerStatusSink, NackEvent } from './enforcer-status.js';
import type { ReceiptKeyAnnouncement } from '@thoth/snapshot';
import type { Caller } from '../../../platform/caller.js';
import { MarkEnforcerSeenCommand } from '../commands/mark-enforcer-seen/mark-enforcer-seen.command.js';
import { RecordEnforcerActivationCommand } from '../commands/record-enforcer-activation/record-enforcer-activation.command.js';
import { RecordEnforcerRejectionCommand } from '../commands/record-enforcer-rejection/record-enforcer-rejection.command.js';
import { RecordReceiptKeyCommand } from '../commands/record-receipt-key/record-receipt-key.command.js';
import { SEEN_RESOLUTION_MS } from '../domain/enforcer.aggregate.js';

type Dispatch = Pick<CommandBus, 'execute'>;

/**
 * The config stream's status sink, recorded in the event store: every ACK and NACK, and the
 * receipt key a connecting process announces, becomes a command on the enforcer's stream; heartbeats are thinned here to one a minute per enforcer
 * before they cost a load (the aggregate thins them again, across replicas). The stream
 * server never awaits these promises.
 */
@Injectable()
export class EnforcerStatusRecorder implements EnforcerStatusSink {
  /** Registration → its tenant, learnt when the stream connects. */
  readonly #tenantOf = new Map<string, string>();
  readonly #lastSeenSent = new Map<string, number>();

  constructor(@Inject(CommandBus) private readonly commands: Dispatch) {}

  async connected(event: { enforcerId: string; instanceId: string; at: number; tenantIds: readonly string[]; receiptKey?: ReceiptKeyAnnouncement }): Promise<void> {
    const [tenantId] = event.tenantIds;
    if (tenantId !== undefined) this.#tenantOf.set(event.enforcerId, tenantId);
    if (tenantId !== undefined && event.receiptKey !== undefined) {
      const command = new RecordReceiptKeyCommand(callerFor(tenantId, event.enforcerId, 'receipt-key'), event.enforcerId, event.instanceId, event.receiptKey, new Date(event.at));
      await this.commands.execute(command);
    }
    await this.contact(event);
  }

  disconnected(event: { enforcerId: string; instanceId: string; at: number }): Promise<void> {
    return this.contact(event);
  }

  async contact(event: { enforcerId: string; instanceId: string; at: number }): Promise<void> {
    const tenantId = this.#tenantOf.get(event.enforcerId);
    const last = this.#lastSeenSent.get(event.enforcerId);
    if (tenantId === undefined || (last !== undefined && event.at - last < SEEN_RESOLUTION_MS)) return;
    this.#lastSeenSent.set(event.enforcerId, event.at);
    await this.commands.execute(new MarkEnforcerSeenCommand(callerFor(tenantId, event.enforcerId, 'seen'), event.enforcerId, new Date(event.at)));
  }

  async acked(event: AckEvent): Promise<void> {
    await this.commands.execute(
      new RecordEnforcerActivationCommand(callerFor(event.tenantId, event.enforcerId, event.nonce), event.enforcerId, Number(event.version), new Date(event.at), null, event.instanceId),
    );
  }

  async nacked(event: NackEvent): Promise<void> {
    await this.commands.execute(
      new RecordEnforcerRejectionCommand(
        callerFor(event.tenantId, event.enforcerId, event.nonce),
        event.enforcerId,
        Number(event.version),
        event.errorCode,
        event.errorMessage,
        new Date(event.at),
        event.instanceId,
      ),
    );
  }
}

const callerFor = (tenantId: string, enforcerId: string, requestId: string): Caller => ({
  tenantId,
  actor: `enforcer:${enforcerId}`,
  requestId: `config-stream:${requestId}`,
});
