import type { Metadata } from '@grpc/grpc-js';
import type { DecideRequest, DecideResponse, Enforcer } from '@thoth/contracts';
import { GrpcError, toGrpcError, type BidiStream, type ServiceClient } from '@thoth/grpc';

interface OpenStream {
  readonly stream: BidiStream<DecideRequest, DecideResponse>;
  /** Calls sent on this stream and not answered yet, by request_id. */
  readonly pending: Map<string, Pending>;
  /** The last send: sends are chained so that a full buffer has one waiter, not one per call. */
  sending: Promise<void>;
  /** Answers received so far: a call that times out with none since it was sent suspects the stream. */
  received: number;
}

interface Pending {
  resolve(response: DecideResponse): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
  unlink(): void;
}

/**
 * Decisions pipelined over one DecideStream: requests go out as they come, answers are
 * matched back by request_id (the enforcer echoes it). Each call keeps its own deadline;
 * an answer that arrives after it is dropped. When the stream ends or breaks, every call
 * still waiting fails with the stream's status and the next call opens a new stream.
 */
export class DecisionStream {
  readonly #client: ServiceClient<typeof Enforcer>;
  readonly #metadata: Metadata;
  #current: OpenStream | undefined;

  constructor(client: ServiceClient<typeof Enforcer>, metadata: Metadata) {
    this.#client = client;
    this.#metadata = metadata;
  }

  decide(request: DecideRequest, deadlineMs: number, signal: AbortSignal | undefined): Promise<DecideResponse> {
    const open = this.#open();
    const waiting = open.pending;
    if (waiting.has(request.requestId)) return Promise.reject(new Error(`request ${request.requestId} is already waiting for an answer`));
    const receivedAtSend = open.received;
    return new Promise<DecideResponse>((resolve, reject) => {
      const settle = () => {
        clearTimeout(pending.timer);
        pending.unlink();
        waiting.delete(request.requestId);
      };
      const onAbort = () => {
        settle();
        reject(new GrpcError('CANCELLED', 'cancelled by the caller'));
      };
      const pending: Pending = {
        resolve: (response) => {
          settle();
          resolve(response);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
        timer: setTimeout(() => {
          pending.reject(new GrpcError('DEADLINE_EXCEEDED', `no answer on DecideStream within ${deadlineMs} ms`));
          // Nothing at all came back since this call was sent: the stream (or its connection)
          // may be dead without having said so. Drop it, so the next call opens a fresh one,
          // rather than let every call time out until keepalive notices.
          if (open.received === receivedAtSend) this.#reset(open);
        }, deadlineMs),
        unlink: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.set(request.requestId, pending);
      const sent = open.sending.then(() => (waiting.has(request.requestId) ? open.stream.send(request) : undefined));
      open.sending = sent.catch(() => {}); // one failed send does not stop the next
      sent.catch((error: unknown) => pending.reject(toGrpcError(error)));
    });
  }

  close(): void {
    const open = this.#current;
    this.#current = undefined;
    open?.stream.end();
    if (open) failAll(open, new GrpcError('CANCELLED', 'the client was closed'));
  }

  /** Abandons a stream: calls still waiting on it fail UNAVAILABLE (retried with their request_id). */
  #reset(open: OpenStream): void {
    if (this.#current === open) this.#current = undefined;
    failAll(open, new GrpcError('UNAVAILABLE', 'DecideStream went silent and was reset'));
    open.stream.cancel();
  }

  #open(): OpenStream {
    if (this.#current) return this.#current;
    const open: OpenStream = { stream: this.#client.decideStream({ metadata: this.#metadata }), pending: new Map(), sending: Promise.resolve(), received: 0 };
    this.#current = open;
    void (async () => {
      let ended: GrpcError = new GrpcError('UNAVAILABLE', 'DecideStream ended');
      try {
        for await (const response of open.stream) {
          open.received++;
          open.pending.get(response.requestId)?.resolve(response);
        }
      } catch (error) {
        ended = toGrpcError(error);
      }
      if (this.#current === open) this.#current = undefined;
      failAll(open, ended);
    })();
    return open;
  }
}

function failAll(open: OpenStream, error: GrpcError): void {
  for (const pending of [...open.pending.values()]) pending.reject(error);
}
