/**
 * What an aggregate raises: an explicit, stable type name (never a class name, which a
 * refactor would change), the schema version of its payload, and the payload itself.
 */
export interface DomainEvent<Type extends string = string, Payload = unknown> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly payload: Payload;
}

/**
 * The base of a domain event class: its stable type name and payload schema version, stated
 * once and readable on the class (`case AgentSuspended.type:`) and on each instance.
 * `export class AgentSuspended extends DomainEventClass('agent.suspended')<AgentSuspendedPayload> {}`
 */
export function DomainEventClass<Type extends string>(type: Type, schemaVersion = 1) {
  return class DomainEventOfType<Payload> implements DomainEvent<Type, Payload> {
    static readonly type: Type = type;
    static readonly schemaVersion: number = schemaVersion;
    readonly type: Type = type;
    readonly schemaVersion: number = schemaVersion;
    constructor(readonly payload: Payload) {}
  };
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
