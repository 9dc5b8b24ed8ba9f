import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * `.thoth/demo.json`: what `pnpm demo` needs to talk to a running Thoth as the demo tenant.
 * Written by the launcher on first start (mode 0600: it holds the tenant's admin key and the
 * agent's token), addresses refreshed on every start; e2e tests write their own.
 */
export interface DemoFile {
  readonly version: 1;
  /** Control plane, `http(s)://host:port` (the API is under /v1). */
  readonly api: string;
  /** Enforcer gRPC, `host:port`. */
  readonly enforcer: string;
  /** Ledger API, `http(s)://host:port`. */
  readonly ledger: string;
  /** A PEM file of the CA the services' certificates chain to, when they serve TLS (docs/security.md). */
  readonly ca?: string;
  /** The ledger's checkpoint verifier key (`<name>+<id>+<key>`): all an auditor needs. */
  readonly ledgerVerifierKey: string;
  readonly tenantId: string;
  readonly adminApiKey: string;
  readonly agent: { readonly id: string; readonly name: string; readonly token: string };
  /** The CRM credential the demo agent's tools use (registered: only its fingerprint is kept by Thoth). */
  readonly credential: { readonly token: string; readonly region: string; readonly ip: string };
  readonly enforcerRegistration: { readonly id: string; readonly name: string; readonly token: string };
}

export type DemoKeys = Omit<DemoFile, 'version' | 'api' | 'enforcer' | 'ledger' | 'ledgerVerifierKey'>;

export function writeDemoFile(path: string, file: DemoFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readDemoKeys(path: string): DemoKeys | undefined {
  if (!existsSync(path)) return undefined;
  const { tenantId, adminApiKey, agent, credential, enforcerRegistration } = JSON.parse(readFileSync(path, 'utf8')) as DemoFile;
  if (!tenantId || !adminApiKey || !agent?.token || !enforcerRegistration?.token || !credential?.token) return undefined;
  return { tenantId, adminApiKey, agent, credential, enforcerRegistration };
}

export async function loadDemoFile(path: string): Promise<DemoFile> {
  const file = JSON.parse(await readFile(path, 'utf8')) as DemoFile;
  for (const field of ['api', 'enforcer', 'ledger', 'ledgerVerifierKey', 'tenantId', 'adminApiKey'] as const) {
    if (typeof file[field] !== 'string' || file[field] === '') throw new Error(`${path}: ${field} is missing`);
  }
  return file;
}
