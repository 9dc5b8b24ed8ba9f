import type { DatabaseHandle } from '@thoth/db';
import pg from 'pg';
import type { Logger } from 'pino';

/** The NOTIFY payload of the events_notify trigger: a pointer, the row stays under RLS. */
export interface EventNotification {
  position: bigint;
  tenantId: string;
  streamId: string;
  version: number;
  type: string;
}

export type EventListener = (notification: EventNotification) => void;

export const EVENTS_CHANNEL = 'thoth_events';

/**
 * How a replica learns of events appended by any replica (itself included): LISTEN on a
 * connection of its own. Notifications are hints, delivered after commit; a listener that
 * needs the events reads them (EventStore.read) under the tenant. After a reconnect a
 * listener should resynchronise, since notifications sent meanwhile are lost.
 */
export class EventNotifications {
  readonly #listeners = new Set<EventListener>();
  #client: pg.Client | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.handle.kind === 'pglite') {
      const client = (this.handle.db as unknown as { $client: { listen(channel: string, cb: (payload: string) => void): Promise<() => Promise<void>> } })
        .$client;
      this.#unlisten = await client.listen(EVENTS_CHANNEL, (payload) => this.#dispatch(payload));
      return;
    }
    await this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#unlisten?.();
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL && message.payload) this.#dispatch(message.payload);
    });
    client.on('error', (error) => {
      this.log.warn({ err: error }, 'event notifications: connection lost, reconnecting');
      this.#scheduleReconnect();
    });
    client.on('end', () => {
      if (this.#client === client) this.#scheduleReconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.#client = client;
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retry) return;
    const lost = this.#client;
    this.#client = undefined;
    void lost?.end().catch(() => {});
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().catch((error: unknown) => {
        this.log.warn({ err: error }, 'event notifications: reconnect failed');
        this.#scheduleReconnect();
      });
    }, 1000);
  }

  #dispatch(payload: string): void {
    const raw = JSON.parse(payload) as Omit<EventNotification, 'position'> & { position: string };
    const notification: EventNotification = { ...raw, position: BigInt(raw.position) };
    for (const listener of this.#listeners) {
      try {
        listener(notification);
      } catch (error) {
        this.log.error({ err: error }, 'event notifications: a listener failed');
      }
    }
  }
}
