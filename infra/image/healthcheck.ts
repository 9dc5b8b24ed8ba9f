// The image's HEALTHCHECK (`node healthcheck.js`, exec form: the runtime image has no shell, nor
// curl): GET /healthz on the service's operations listener, on loopback inside the container;
// exit 0 on 200, 1 otherwise. build.ts bundles it into each service's directory with the service
// named at build time (THOTH_SERVICE); the listener's address comes from the same variables the
// service reads (the contract of issue 21: THOTH_OPS_*, THOTH_LEDGER_OPS_*, THOTH_ENFORCER_HTTP_*).
export {};
declare const THOTH_SERVICE: 'control-plane' | 'enforcer' | 'ledger';

const LISTENERS = {
  'control-plane': { host: 'THOTH_OPS_HOST', port: 'THOTH_OPS_PORT', defaultPort: 9464 },
  ledger: { host: 'THOTH_LEDGER_OPS_HOST', port: 'THOTH_LEDGER_OPS_PORT', defaultPort: 9465 },
  enforcer: { host: 'THOTH_ENFORCER_HTTP_HOST', port: 'THOTH_ENFORCER_HTTP_PORT', defaultPort: 4101 },
} as const;

/** Where to reach a listener bound to `host` from inside its own network namespace. */
function loopbackFor(host: string | undefined): string {
  if (!host || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

const listener = LISTENERS[THOTH_SERVICE];
const url = `http://${loopbackFor(process.env[listener.host])}:${process.env[listener.port] ?? listener.defaultPort}/healthz`;
try {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  process.exitCode = response.status === 200 ? 0 : 1;
  if (response.status !== 200) process.stderr.write(`${url}: ${response.status}\n`);
} catch (error) {
  process.stderr.write(`${url}: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
