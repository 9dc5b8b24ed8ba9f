import { HealthCheckResponse_ServingStatus as Status, type Health } from '@thoth/contracts/health';
import { Enforcer } from '@thoth/contracts';
import { GrpcError, type ServiceHandlers } from '@thoth/grpc';
import { EventEmitter, on } from 'node:events';

/**
 * The gRPC health-checking protocol (grpc.health.v1): "" (the server) and
 * `thoth.decision.v1.Enforcer` are SERVING once a snapshot is active, NOT_SERVING before
 * (not ready: every decision would be a NOT_READY denial) and while shutting down.
 */
export class HealthService {
  readonly #events = new EventEmitter();
  #ready = false;
  #shuttingDown = false;
  static readonly SERVICES = ['', Enforcer.typeName];

  setReady(ready: boolean): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    this.#events.emit('change');
  }

  shutdown(): void {
    this.#shuttingDown = true;
    this.#events.emit('change');
  }

  status(): Status {
    return this.#ready && !this.#shuttingDown ? Status.SERVING : Status.NOT_SERVING;
  }

  handlers(): ServiceHandlers<typeof Health> {
    const known = (service: string) => HealthService.SERVICES.includes(service);
    return {
      check: ({ service }) => {
        if (!known(service)) throw new GrpcError('NOT_FOUND', `unknown service ${service}`);
        return { status: this.status() };
      },
      watch: (request, context) => this.#watch(known(request.service), context.signal),
    };
  }

  async *#watch(known: boolean, signal: AbortSignal): AsyncIterable<{ status: Status }> {
    if (!known) {
      yield { status: Status.SERVICE_UNKNOWN };
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return;
    }
    let last = this.status();
    yield { status: last };
    try {
      for await (const _ of on(this.#events, 'change', { signal })) {
        const now = this.status();
        if (now !== last) yield { status: (last = now) };
      }
    } catch {
      // aborted: the client went away
    }
  }
}
