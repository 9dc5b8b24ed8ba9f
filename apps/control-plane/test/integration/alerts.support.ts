import { migrate, openDatabase } from '@thoth/db';
import { createTestDatabase, dropTestDatabase, withDatabase } from '@thoth/testing';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Effect, RuleKind, Severity, type DecisionEvent, type DecisionEventSchema } from '@thoth/contracts';
import type { AlertsConfig } from '../../src/config/config.js';
import type { ControlPlane } from '../../src/control-plane.js';
import { recordOfEvent } from '../../src/modules/decisions/ingest/decode-decision-event.js';
import { decisionEvent, registerReceiptKey } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { DecisionIngestion, type IngestOutcome } from '../../src/modules/decisions/index.js';
import { verifyAlertSignature, type AlertSignatureCheck } from '../../src/modules/alerts/domain/alert-signature.js';

// Shared by the alerts integration tests: the config, a real HTTP receiver, a CEF parser.

/**
 * A migrated database of the file's own. The delivery worker claims due alerts of every
 * tenant in its database: sharing the run's database, one file's workers would deliver (and
 * count attempts of) another file's alerts.
 */
export async function ownDatabase(appLoginUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = inject('thoth.serverUrl');
  const name = `thoth_test_${inject('thoth.runId')}_alerts_${randomBytes(3).toString('hex')}`;
  const handle = await openDatabase({ url: await createTestDatabase(server, name), maxConnections: 1 });
  try {
    await migrate(handle.sql);
  } finally {
    await handle.close();
  }
  return { url: withDatabase(appLoginUrl, name), drop: () => dropTestDatabase(server, name) };
}

export function alertsConfig(overrides: Partial<Omit<AlertsConfig, 'delivery'>> & { delivery?: Partial<AlertsConfig['delivery']> } = {}): AlertsConfig {
  const { delivery, ...rest } = overrides;
  return {
    secretsKey: randomBytes(32).toString('base64'),
    secretsKeyFile: '/nonexistent/secrets.key',
    ledgerPublicUrl: 'https://ledger.thoth.test',
    allowPrivateNetworks: true,
    worker: true,
    ...rest,
    delivery: { timeoutMs: 2_000, leaseMs: 10_000, maxAttempts: 5, maxAgeMs: 600_000, backoff: { baseMs: 5, maxMs: 40 }, pollMs: 20, batchSize: 20, ...delivery },
  };
}

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
  /** The receiver's verdict on the signature (webhooks), with the secret it knew at the time. */
  readonly check: AlertSignatureCheck | undefined;
}

/**
 * A webhook receiver as a SOC would run one: it verifies every signature with
 * verifyAlertSignature (a bad one is a 401), answers 500 to the first `failures(alertId)`
 * attempts of each alert and then 200, and counts what it accepted by alert id.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  readonly accepted = new Map<string, number>();
  secrets: string[] = [];
  failures: (alertId: string) => number = () => 0;
  /** The receiver's clock, for the timestamp tolerance (tests on a fixed clock set it). */
  now: () => Date = () => new Date();
  #server: Server | undefined;
  #attempts = new Map<string, number>();

  async start(port = 0): Promise<string> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const alertId = String(request.headers['thoth-alert-id'] ?? '');
        let check: AlertSignatureCheck | undefined;
        let status: number;
        if (this.secrets.length > 0) {
          const checks = this.secrets.map((secret) =>
            verifyAlertSignature({
              secret,
              body,
              timestamp: header(request.headers, 'thoth-timestamp'),
              signature: header(request.headers, 'thoth-signature'),
              now: this.now(),
            }),
          );
          check = checks.find((c) => c.ok) ?? checks[0];
        }
        const key = alertId || body;
        const attempt = (this.#attempts.get(key) ?? 0) + 1;
        this.#attempts.set(key, attempt);
        if (check && !check.ok) status = 401;
        else if (attempt <= this.failures(key)) status = 500;
        else {
          status = 200;
          this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
        }
        this.requests.push({ path: request.url ?? '', headers: request.headers, body, status, check });
        response.statusCode = status;
        response.end(status === 500 ? 'receiver down for maintenance' : 'ok');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Parses a CEF:0 line the way a SIEM does: header on unescaped pipes, extensions on unescaped `key=`. */
export function parseCef(line: string): { header: string[]; extensions: Record<string, string> } {
  const header: string[] = [];
  let field = '';
  let i = 0;
  for (; i < line.length && header.length < 7; i++) {
    const c = line[i]!;
    if (c === '\\' && (line[i + 1] === '|' || line[i + 1] === '\\')) field += line[++i];
    else if (c === '|') {
      header.push(field);
      field = '';
    } else field += c;
  }
  const rest = line.slice(i);
  const extensions: Record<string, string> = {};
  // A key is a word after a space (or the start) right before `=`; an escaped `\=` never is one.
  const keys = [...rest.matchAll(/(?:^| )([A-Za-z0-9_]+)=/g)];
  keys.forEach((m, k) => {
    const start = m.index + m[0].length;
    const end = k + 1 < keys.length ? keys[k + 1]!.index : rest.length;
    extensions[m[1]!] = rest.slice(start, end).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
  });
  return { header, extensions };
}

/** Feeds decisions through the read model's ingestor (the path Kafka and the in-process log take), hooks included. */
/** Through the control plane's ingestion, each tenant having the test enforcer's receipt key. */
export async function ingest(cp: ControlPlane, events: readonly DecisionEvent[]): Promise<IngestOutcome> {
  const registered = registeredTenants.get(cp) ?? new Set<string>();
  registeredTenants.set(cp, registered);
  for (const { tenantId } of events) {
    if (registered.has(tenantId)) continue;
    await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
    registered.add(tenantId);
  }
  return cp.app.get(DecisionIngestion).ingestor.ingest(events.map((event) => ({ decision: recordOfEvent(event), from: 'test' })));
}

const registeredTenants = new WeakMap<ControlPlane, Set<string>>();

/** Decision events of the kinds alerts care about (see alertReasonOf). */
export const decisions = {
  block: (tenantId: string, decisionId: string, extra: Partial<MessageInitShape<typeof DecisionEventSchema>> = {}) =>
    decisionEvent({ tenantId, decisionId, effect: Effect.DENY, shadow: false, ...extra }),
  driftFlag: (tenantId: string, decisionId: string) =>
    decisionEvent({
      tenantId,
      decisionId,
      effect: Effect.ALLOW,
      shadow: false,
      matchedRules: [{ ruleId: 'sf-token-drift', reason: 'new location: 198.51.100.9, never seen in 30 days', severity: Severity.MEDIUM, kind: RuleKind.DRIFT, effect: 'flag' }],
    }),
  driftShadowDeny: (tenantId: string, decisionId: string) =>
    decisionEvent({
      tenantId,
      decisionId,
      effect: Effect.ALLOW,
      shadow: true,
      matchedRules: [{ ruleId: 'sf-token-rate', reason: 'rate 10.2x the learned p99 (41/min vs 4/min)', severity: Severity.HIGH, kind: RuleKind.DRIFT, effect: 'deny' }],
    }),
  driftObserve: (tenantId: string, decisionId: string) =>
    decisionEvent({
      tenantId,
      decisionId,
      effect: Effect.ALLOW,
      shadow: false,
      matchedRules: [{ ruleId: 'sf-token-hours', reason: 'off-hours call', severity: Severity.LOW, kind: RuleKind.DRIFT, effect: 'observe' }],
    }),
  allow: (tenantId: string, decisionId: string) => decisionEvent({ tenantId, decisionId, effect: Effect.ALLOW, shadow: false, matchedRules: [] }),
  /** A shadow would-deny of an ordinary rule: the shadow report's, not an alert. */
  shadowDeny: (tenantId: string, decisionId: string) => decisionEvent({ tenantId, decisionId }),
};
