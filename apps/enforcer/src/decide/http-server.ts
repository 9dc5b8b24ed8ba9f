import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** `/metrics` (Prometheus), `/healthz` (alive), `/readyz` (503 until a snapshot is active), with a JSON status. */
export async function startHttpServer(
  host: string,
  port: number,
  registry: Registry,
  status: () => { readonly ready: boolean },
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const body = status();
      const code = path === '/readyz' && !body.ready ? 503 : 200;
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}` };
}
