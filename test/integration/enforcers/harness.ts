// Shared by the enforcer integration tests and benchmarks: a control plane's config
// distribution on a real gRPC server, enforcers started in this process, agent clients, and a
// TCP relay to put between them.
import { Client, Metadata, Server, ServerCredentials, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { AgentStatus, Enforcer, FailMode, PolicyFormat, TenantMode, type DecideRequest } from '@thoth/contracts';
import { channelCredentials, createClient, type ServiceClient } from '@thoth/grpc';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, type Keyring, type Signer } from '@thoth/snapshot';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Health, HealthCheckResponse_ServingStatus } from '@thoth/contracts/health';
import type { DecideRequestSchema, EnforcerConfigSchema } from '@thoth/contracts';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import {
  ConfigStreamServer,
  InMemoryEnforcerStatusSink,
  SnapshotCache,
  StaticEnforcerAuthenticator,
  type EnforcerIdentity,
} from '../../../apps/control-plane/src/distribution/index.js';
import { InProcessDecisionLog } from '../../../apps/enforcer/src/emit/in-process-decision-log.js';
import { startEnforcer, type EnforcerOptions, type RunningEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { noDropsRules, policyYaml } from '../../../libs/testing/src/policy-yaml.js';

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A control plane's signing key and the keyring enforcers trust it with. */
export function controlPlaneKey(): { signer: Signer; trusted: Keyring } {
  const signer = signerFromSeed(generateSigningKey());
  return { signer, trusted: keyring([verifierFromPublicKey(signer.publicKey)]) };
}

export interface TestControlPlane {
  readonly address: string;
  readonly port: number;
  readonly cache: SnapshotCache;
  readonly status: InMemoryEnforcerStatusSink;
  readonly streams: ConfigStreamServer;
  stop(): Promise<void>;
}

/** The distribution half of a control plane on 127.0.0.1 (port 0: any free one). */
export async function startControlPlane(options: {
  signer: Signer;
  tokens: Record<string, EnforcerIdentity>;
  cache?: SnapshotCache;
  status?: InMemoryEnforcerStatusSink;
  port?: number;
  heartbeatIntervalMs?: number;
}): Promise<TestControlPlane> {
  const cache = options.cache ?? new SnapshotCache({ signer: options.signer });
  const status = options.status ?? new InMemoryEnforcerStatusSink();
  const streams = new ConfigStreamServer({
    cache,
    authenticator: new StaticEnforcerAuthenticator(options.tokens),
    status,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 200,
  });
  const server = new Server();
  streams.register(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    cache,
    status,
    streams,
    stop: async () => {
      streams.closeAll();
      server.forceShutdown();
    },
  };
}

export const POLICY_V1 = policyYaml('test-policy', 1, noDropsRules({ severity: 'critical' }));

export const POLICY_V2 = `${POLICY_V1}  - id: no-crm-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
    reason: CRM deletes need a human.
`;

export interface TestAgent {
  readonly id: string;
  readonly token: string;
  readonly status?: AgentStatus;
  readonly revokedTokens?: readonly string[];
}

/** A tenant snapshot as the control plane would compile it. */
export function tenantConfig(options: {
  tenantId: string;
  policy?: string;
  policyVersion?: bigint;
  agents: readonly TestAgent[];
  mode?: TenantMode;
  failMode?: FailMode;
  retainArguments?: boolean;
}): MessageInitShape<typeof EnforcerConfigSchema> {
  return {
    tenantId: options.tenantId,
    mode: options.mode ?? TenantMode.ENFORCE,
    failMode: options.failMode ?? FailMode.CLOSED,
    retainArguments: options.retainArguments ?? false,
    ...(options.policy
      ? { policy: { version: options.policyVersion ?? 1n, format: PolicyFormat.YAML, content: new TextEncoder().encode(options.policy) } }
      : {}),
    agents: options.agents.map((a) => ({
      agentId: a.id,
      status: a.status ?? AgentStatus.ACTIVE,
      tokenSha256: [sha256Hex(a.token)],
      revokedTokenSha256: (a.revokedTokens ?? []).map(sha256Hex),
    })),
  };
}

/** An enforcer in this process with an in-process decision log unless one is given. */
export async function startTestEnforcer(
  options: Partial<EnforcerOptions> & Pick<EnforcerOptions, 'enforcerId' | 'trustedKeys'>,
): Promise<RunningEnforcer & { log: InProcessDecisionLog | undefined }> {
  const log = options.decisionLog ? undefined : new InProcessDecisionLog({ capacity: 100_000 });
  const enforcer = await startEnforcer({
    listen: { host: '127.0.0.1', port: 0 },
    signer: signerFromSeed(generateSigningKey()),
    decisionLog: options.decisionLog ?? (log as InProcessDecisionLog),
    ...options,
  });
  return Object.assign(enforcer, { log });
}

export interface AgentClient {
  readonly client: ServiceClient<typeof Enforcer>;
  decide(request: Partial<MessageInitShape<typeof DecideRequestSchema>>, token?: string): ReturnType<ServiceClient<typeof Enforcer>['decide']>;
  metadata(token?: string): Metadata;
  close(): void;
}

/** An agent SDK's view of an enforcer: Decide with `authorization: Bearer <token>` (plaintext unless `channel` says TLS). */
export function agentClient(address: string, defaults: { tenantId: string; agentId: string; token: string }, channelCredentials: ChannelCredentials = credentials.createInsecure()): AgentClient {
  const channel = new Client(address, channelCredentials);
  const client = createClient(Enforcer, channel);
  const metadata = (token = defaults.token) => {
    const m = new Metadata();
    if (token !== '') m.set('authorization', `Bearer ${token}`);
    return m;
  };
  return {
    client,
    metadata,
    decide: (request, token) =>
      client.decide(
        { tenantId: defaults.tenantId, agentId: defaults.agentId, tool: 'crm.read_contacts', argumentsJson: new TextEncoder().encode('{}'), ...request } as MessageInitShape<typeof DecideRequestSchema>,
        { metadata: metadata(token), deadlineMs: 10_000 },
      ),
    close: () => channel.close(),
  };
}

/**
 * A TCP relay between clients and one upstream at a time (an enforcer and its control plane's config
 * stream): `route` moves every connection to another upstream; `pause` keeps every connection open
 * and forwards nothing, either way, until `resume` (a network that holds the packets: the stream is
 * blocked, not broken).
 */
export class TcpRelay {
  /** One per direction of each connection. */
  readonly #links = new Set<{ from: Socket; to: Socket }>();
  #server: NetServer | undefined;
  #upstream: string;
  #paused = false;
  address = '';

  constructor(upstream: string) {
    this.#upstream = upstream;
  }

  async start(): Promise<void> {
    const server = createServer((downstream) => {
      const [host, port] = splitAddress(this.#upstream);
      const up = connect(port, host);
      for (const [from, to] of [[downstream, up], [up, downstream]] as const) {
        const link = { from, to };
        this.#links.add(link);
        if (!this.#paused) from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#links.delete(link);
          to.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  /** New connections go to `upstream`; open ones are cut, so their clients reconnect there. */
  route(upstream: string): void {
    this.#upstream = upstream;
    for (const { from } of this.#links) from.destroy();
  }

  /** Holds every byte, on open connections and new ones, until `resume`. */
  pause(): void {
    this.#paused = true;
    for (const { from, to } of this.#links) {
      from.unpipe(to);
      from.pause();
    }
  }

  resume(): void {
    this.#paused = false;
    for (const { from, to } of this.#links) from.pipe(to);
  }

  async stop(): Promise<void> {
    for (const { from } of this.#links) from.destroy();
    await new Promise((resolve) => (this.#server ? this.#server.close(resolve) : resolve(undefined)));
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type { DecideRequest };
// For tests that resolve no packages of their own (test/security, test/e2e).
export { channelCredentials };

/** grpc.health.v1 Check against a plaintext gRPC server: the status's name (SERVING, NOT_SERVING, …) or the error's code. */
export async function healthCheck(address: string, service: string): Promise<string> {
  const channel = new Client(address, credentials.createInsecure());
  try {
    const answer = await createClient(Health, channel).check({ service }, { deadlineMs: 5_000 });
    return HealthCheckResponse_ServingStatus[answer.status];
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    channel.close();
  }
}
