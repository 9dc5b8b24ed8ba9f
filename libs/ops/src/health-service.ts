import { HealthCheckResponse_ServingStatus as Status, type Health } from '@thoth/contracts/health';
import { GrpcError, type ServiceHandlers } from '@thoth/grpc';
import { EventEmitter, on } from 'node:events';

/**
 * The gRPC health-checking protocol (grpc.health.v1) for one server: "" (the server) and each
 * service named are SERVING while the process is ready (the enforcer: a snapshot active; the
 * control plane: its database reachable), NOT_SERVING before, after, and while shutting down.
 * Registered with `addService(server, Health, health.handlers())` on a grpc-js Server or a GrpcServer.
 */
export class HealthService {
  readonly #events = new EventEmitter();
  readonly #services: readonly string[];
  #ready = false;
  #shuttingDown = false;

  /** `services`: the fully qualified names of the server's services (`typeName` of their descriptors). */
  constructor(services: readonly string[]) {
    this.#services = ['', ...services];
  }

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
    const known = (service: string) => this.#services.includes(service);
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
