// Attack: probe an enforcer before holding any token (red-team item 4). Whoever reaches its gRPC
// port tries tenant ids and agent names to learn which exist from the answers, reads its /healthz
// and /metrics for the tenants it serves, and opens more HTTP/2 streams on one connection than it
// allows. Run against a real enforcer publishing to Kafka.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Effect } from '../../libs/contracts/src/index.js';
import type { GrpcError } from '../../libs/grpc/src/index.js';
import { generateSigningKey, signerFromSeed } from '../../libs/snapshot/src/index.js';
import { KafkaDecisionLog } from '../../apps/enforcer/src/emit/kafka-decision-log.js';
import { startEnforcer, type RunningEnforcer } from '../../apps/enforcer/src/enforcer.js';
import { agentClient, install, trusted } from '../../apps/enforcer/test/integration/fixtures.js';
import { createTestTopics, testKafkaConnection } from '../../libs/testing/src/index.js';

const TENANT = randomUUID();
const AGENT = { id: 'crm-agent', token: 'thoth_at_probe_real', revoked: ['thoth_at_probe_old'] };
const MAX_STREAMS = 8;

describe('probing an enforcer before authentication', () => {
  let enforcer: RunningEnforcer;
  let agent: ReturnType<typeof agentClient>;

  beforeAll(async () => {
    const [topic] = (await createTestTopics([{ name: 'security-probing' }])) as [string];
    enforcer = await startEnforcer({
      enforcerId: 'enforcer-probing',
      listen: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      trustedKeys: trusted,
      signer: signerFromSeed(generateSigningKey()),
      decisionLog: new KafkaDecisionLog({ connection: testKafkaConnection(), topic, bufferSize: 1_000 }),
      http2: { maxConcurrentStreams: MAX_STREAMS },
    });
    install(enforcer.store, { tenantId: TENANT }, [AGENT]);
    agent = agentClient(enforcer.address);
  });

  afterAll(async () => {
    agent?.close();
    await enforcer?.stop({ drainTimeoutMs: 10_000 });
  });

  it('an unknown tenant, an unknown agent of a served tenant, a wrong token and a revoked one get the same answer', async () => {
    const PROBES: Array<[string, Record<string, unknown>, string]> = [
      ['unknown tenant', { tenantId: randomUUID() }, AGENT.token],
      ['unknown agent', { agentId: 'ghost' }, AGENT.token],
      ['known agent, wrong token', {}, 'thoth_at_guess'],
      ['known agent, revoked token', {}, 'thoth_at_probe_old'],
    ];
    const unary = await Promise.all(
      PROBES.map(([, request, token]) =>
        agent.client.decide({ tenantId: TENANT, agentId: AGENT.id, tool: 'crm.read', ...request }, { metadata: agent.auth(token), deadlineMs: 10_000 }).then(
          () => 'answered',
          (e: unknown) => {
            const g = e as GrpcError;
            const { date: _, ...metadata } = g.metadata.toJSON(); // the second it was sent
            return JSON.stringify([g.code, g.details, metadata]);
          },
        ),
      ),
    );
    expect(new Set(unary).size, `unary answers: ${unary.join('\n')}`).toBe(1);
    expect(unary[0]).not.toContain(TENANT);
    expect(unary[0]).not.toContain('ghost');

    const streamed = await Promise.all(
      PROBES.map(async ([, request, token]) => {
        const stream = agent.client.decideStream({ metadata: agent.auth(token), deadlineMs: 10_000 });
        await stream.send({ tenantId: TENANT, agentId: AGENT.id, tool: 'crm.read', requestId: 'probe', ...request });
        stream.end();
        const answers = [];
        for await (const a of stream) answers.push(a);
        return JSON.stringify(answers.map((a) => [a.effect, a.decisionId, a.errorCode, a.errorMessage, a.matchedRules, a.receipt]));
      }),
    );
    expect(new Set(streamed).size, `streamed answers: ${streamed.join('\n')}`).toBe(1);
    expect(JSON.parse(streamed[0]!)[0][0]).toBe(Effect.DENY);
  });

  it('/healthz and /metrics name no tenant', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const body = await (await fetch(`${enforcer.httpUrl}${path}`)).text();
      expect(body, path).not.toContain(TENANT);
      expect(body, path).not.toMatch(/tenant(_id)?="/);
    }
  });

  it('a client opening more concurrent streams than the enforcer allows has the extra ones refused, not served', async () => {
    // The client behaves as if the server allowed 100: every stream leaves before the server's SETTINGS is read.
    const session = connect(`http://${enforcer.address}`, { peerMaxConcurrentStreams: 100 });
    try {
      // One gRPC message: HealthCheckRequest{service: ""}, which encodes to no bytes.
      const framed = Buffer.from([0, 0, 0, 0, 0]);
      const outcomes = await Promise.all(
        Array.from(
          { length: MAX_STREAMS + 4 },
          () =>
            new Promise<string>((resolve) => {
              // Health/Watch answers at once and stays open: each stream holds its slot.
              const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Watch', 'content-type': 'application/grpc', te: 'trailers' });
              stream.on('data', () => resolve('served'));
              stream.on('error', (error: NodeJS.ErrnoException) => resolve(`refused ${error.code ?? ''}`));
              stream.on('close', () => resolve(`closed ${stream.rstCode}`));
              stream.end(framed);
            }),
        ),
      );
      expect(outcomes.filter((o) => o === 'served')).toHaveLength(MAX_STREAMS);
      expect(outcomes.filter((o) => o.startsWith('refused'))).toHaveLength(4);
    } finally {
      session.destroy();
    }
  });
});
