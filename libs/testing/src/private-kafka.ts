import { readKafkaConnection, type KafkaConnection } from '@thoth/kafka';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../../infra/local/kafka.sh', import.meta.url));

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateKafkaBroker {
  readonly brokers: string[];
  /** Its admin (a super user) over SASL_SSL, as the shared broker's tests connect (plaintext: no security); known once started. */
  readonly connection: KafkaConnection;
  /** Starts (or restarts) the broker; its data and credentials survive a stop. */
  start(): Promise<void>;
  /** Controlled shutdown, as infra/local/kafka.sh stop does it. */
  stop(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A Kafka broker of one test's own (infra/local/kafka.sh with its own ports and state
 * directory), for tests that stop and restart a broker without disturbing the shared one.
 * Needs what infra/local needs (Java, the cached jars); not started until `start()`.
 * `security: 'plaintext'` makes it a broker without TLS, SASL or ACLs, for a benchmark that
 * measures what security costs (bench:ledger); tests use the secured default.
 */
export async function privateKafkaBroker(options: { readonly security?: 'sasl_ssl' | 'plaintext' } = {}): Promise<PrivateKafkaBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const stateDir = await mkdtemp(join(tmpdir(), 'thoth-kafka-private-'));
  const env = {
    ...process.env,
    THOTH_KAFKA_PORT: String(port),
    THOTH_KAFKA_CONTROLLER_PORT: String(controllerPort),
    THOTH_KAFKA_STATE_DIR: stateDir,
    THOTH_KAFKA_HEAP_OPTS: '-Xmx384m -Xms128m',
    THOTH_KAFKA_SECURITY: options.security ?? 'sasl_ssl',
  };
  const kafkaSh = async (...args: string[]) => (await run('bash', [KAFKA_SH, ...args], { env, timeout: 180_000 })).stdout;
  let connection: KafkaConnection | undefined;
  return {
    brokers: [`127.0.0.1:${port}`],
    get connection() {
      if (!connection) throw new Error('the private Kafka broker has not been started');
      return connection;
    },
    start: async () => {
      await kafkaSh('start');
      const lines = (await kafkaSh('env')).trim().split('\n');
      connection = readKafkaConnection(Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string])));
    },
    stop: async () => void (await kafkaSh('stop')),
    destroy: async () => {
      await kafkaSh('stop').catch(() => '');
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
