import { Command } from '@nestjs/cqrs';
import type { Caller } from '../../../../platform/caller.js';
import type { PolicyFormat } from '../../domain/policy-source.js';

export interface PublishedPolicy {
  version: number;
  contentHash: string;
}

/** Publishes the next version of the tenant's policy. `expectedVersion` is the If-Match (0: none published yet). */
export class PublishPolicyCommand extends Command<PublishedPolicy> {
  constructor(
    readonly caller: Caller,
    readonly source: string,
    readonly format: PolicyFormat,
    readonly expectedVersion: number | undefined,
  ) {
    super();
  }
}
