/**
 * What an aggregate raises: an explicit, stable type name (never a class name, which a
 * refactor would change), the schema version of its payload, and the payload itself.
 */
export interface DomainEvent<Type extends string = string, Payload = unknown> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly payload: Payload;
}

/** Who caused an event and in which request: the audit trail reads these. */
export interface EventMetadata {
  /** `key:<api key id>` for an API caller, `signup` for the self-serve sign-up, `system:<what>` otherwise. */
  readonly actor: string;
  readonly requestId: string;
}

/** An event as the store holds it: the domain event plus where and when it was recorded. */
export interface RecordedEvent<E extends DomainEvent = DomainEvent> {
  readonly position: bigint;
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly type: E['type'];
  readonly schemaVersion: number;
  readonly payload: E['payload'];
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}
