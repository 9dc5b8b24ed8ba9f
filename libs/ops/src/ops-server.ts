import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What /healthz and /readyz answer: `ready`, and whatever else the service reports as JSON. */
export interface OpsStatus {
  readonly ready: boolean;
}

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** The service's status; /readyz answers 503 with it when `ready` is false. May check something (the database) first. */
  readonly status: () => OpsStatus | Promise<OpsStatus>;
}

export interface OpsServer {
  readonly server: Server;
  /** `http://host:port` (port 0 resolved). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The operations listener, apart from the public APIs and unauthenticated (docs/telemetry-metrics.md):
 * `/metrics` (Prometheus text), `/healthz` (200 while the process serves), `/readyz` (200 when
 * ready, 503 otherwise), the last two with the status as JSON. It tells no secret and names no tenant.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics.collect_failed: ${String(error)}\n`),
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      Promise.resolve()
        .then(() => options.status())
        .then(
          (body) => {
            const code = path === '/readyz' && !body.ready ? 503 : 200;
            res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
          },
          (error: unknown) => {
            // Liveness does not depend on the status: the process is answering.
            const code = path === '/readyz' ? 503 : 200;
            res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: false, notReady: { code: 'STATUS_FAILED', reason: String(error) } }));
          },
        );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
