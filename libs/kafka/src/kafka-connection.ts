import { ALLOW_PLAINTEXT, isLoopback } from '@thoth/tls';
import { readFileSync } from 'node:fs';
import { Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';

/**
 * How a process reaches Kafka and who it is there: the brokers, TLS (the CA that signed the
 * brokers' certificates, and a client certificate when the brokers ask for one) and SASL/SCRAM.
 * Every kafkajs client of ours is built from one (kafkaClientConfig); without `tls` and `sasl`
 * it is plaintext and anonymous, which production allows only on loopback.
 */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  /** PEM contents. Undefined: no TLS. An empty object: TLS against the system's CAs. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string } | undefined;
  readonly sasl?: { readonly mechanism: ScramMechanism; readonly username: string; readonly password: string } | undefined;
}

export type ScramMechanism = 'scram-sha-512' | 'scram-sha-256';

/** A Kafka client setting that cannot be used, named by its variable, with a stable code. */
export class KafkaConnectionError extends Error {
  constructor(
    /** PLAINTEXT_REFUSED: the listeners' code (@thoth/tls), for the same rule. */
    readonly code: 'kafka.config_invalid' | 'PLAINTEXT_REFUSED',
    message: string,
  ) {
    super(message);
  }
}

/** The variables read, each after `prefix` (`KAFKA_` for the apps, `THOTH_TEST_KAFKA_` for the tests). */
export const KAFKA_CONNECTION_VARIABLES = [
  'BROKERS',
  'SASL_MECHANISM',
  'SASL_USERNAME',
  'SASL_PASSWORD',
  'SASL_PASSWORD_FILE',
  'TLS',
  'TLS_CA_FILE',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
] as const;

const BROKERS = /^[^,\s]+:\d+(,[^,\s]+:\d+)*$/;

/**
 * The connection the environment describes, or undefined without `<prefix>BROKERS` (no Kafka):
 *
 *   KAFKA_BROKERS             host:port[,host:port…]
 *   KAFKA_SASL_USERNAME       SCRAM user; with KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE
 *   KAFKA_SASL_MECHANISM      scram-sha-512 (default) or scram-sha-256
 *   KAFKA_TLS_CA_FILE         PEM CA bundle the brokers' certificates chain to (turns TLS on)
 *   KAFKA_TLS                 true: TLS against the system's CAs (implied by any KAFKA_TLS_* file)
 *   KAFKA_TLS_CERT_FILE/KEY_FILE  a client certificate, for brokers that require one
 *
 * Files are read here, once, at boot. A broker that is not loopback gets neither credentials nor
 * data in the clear: without TLS and SASL the result is PLAINTEXT_REFUSED, unless
 * THOTH_ALLOW_PLAINTEXT=true says the network is trusted (the listeners' rule and opt-out, @thoth/tls).
 */
export function readKafkaConnection(env: NodeJS.ProcessEnv, prefix = 'KAFKA_'): KafkaConnection | undefined {
  const v = (name: (typeof KAFKA_CONNECTION_VARIABLES)[number]) => {
    const value = env[prefix + name];
    return value === undefined || value === '' ? undefined : value;
  };
  const brokersText = v('BROKERS');
  if (brokersText === undefined) return undefined;
  const invalid = (name: string, why: string) => new KafkaConnectionError('kafka.config_invalid', `${prefix}${name}: ${why}`);
  if (!BROKERS.test(brokersText)) throw invalid('BROKERS', 'must be host:port[,host:port…]');
  const brokers = brokersText.split(',');

  const file = (name: 'SASL_PASSWORD_FILE' | 'TLS_CA_FILE' | 'TLS_CERT_FILE' | 'TLS_KEY_FILE'): string | undefined => {
    const path = v(name);
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw invalid(name, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };

  const tlsFlag = v('TLS');
  if (tlsFlag !== undefined && tlsFlag !== 'true' && tlsFlag !== 'false') throw invalid('TLS', 'must be true or false');
  const [ca, cert, key] = [file('TLS_CA_FILE'), file('TLS_CERT_FILE'), file('TLS_KEY_FILE')];
  if ((cert === undefined) !== (key === undefined)) throw invalid(cert ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'a client certificate needs both TLS_CERT_FILE and TLS_KEY_FILE');
  if (tlsFlag === 'false' && (ca ?? cert) !== undefined) throw invalid('TLS', 'is false but TLS files are set');
  const tls = tlsFlag === 'true' || ca !== undefined || cert !== undefined ? { ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) } : undefined;

  const username = v('SASL_USERNAME');
  const inline = v('SASL_PASSWORD');
  if (inline !== undefined && v('SASL_PASSWORD_FILE') !== undefined) throw invalid('SASL_PASSWORD', 'set SASL_PASSWORD or SASL_PASSWORD_FILE, not both');
  const password = inline ?? file('SASL_PASSWORD_FILE')?.replace(/\r?\n$/, '');
  const mechanism = (v('SASL_MECHANISM') ?? 'scram-sha-512') as ScramMechanism;
  if (mechanism !== 'scram-sha-512' && mechanism !== 'scram-sha-256') throw invalid('SASL_MECHANISM', 'must be scram-sha-512 or scram-sha-256');
  if (username === undefined && password !== undefined) throw invalid('SASL_USERNAME', 'a SASL password is set without a user name');
  if (username !== undefined && !password) throw invalid('SASL_PASSWORD', `${prefix}SASL_USERNAME is set without a password (SASL_PASSWORD or SASL_PASSWORD_FILE)`);
  const sasl = username !== undefined ? { mechanism, username, password: password! } : undefined;

  const connection: KafkaConnection = { brokers, tls, sasl };
  if ((!tls || !sasl) && !brokers.every((b) => isLoopback(b.replace(/:\d+$/, ''))) && env[ALLOW_PLAINTEXT] !== 'true') {
    const lacking = [!tls && `TLS (${prefix}TLS_CA_FILE or ${prefix}TLS=true)`, !sasl && `SASL (${prefix}SASL_USERNAME and a password)`].filter(Boolean).join(' and ');
    throw new KafkaConnectionError(
      'PLAINTEXT_REFUSED',
      `PLAINTEXT_REFUSED: ${prefix}BROKERS ${brokersText} is not loopback and the connection has no ${lacking}; set them, or ${ALLOW_PLAINTEXT}=true on a network you trust`,
    );
  }
  return connection;
}

/** The kafkajs client settings of a connection; the rest (client id, logging, retries) is the caller's. */
export function kafkaClientConfig(connection: KafkaConnection, rest: Omit<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>): KafkaConfig {
  const { tls, sasl } = connection;
  return {
    ...rest,
    brokers: [...connection.brokers],
    ...(tls && { ssl: { ...(tls.ca && { ca: [tls.ca] }), ...(tls.cert && { cert: tls.cert }), ...(tls.key && { key: tls.key }) } }),
    ...(sasl && { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions }),
  };
}

/** A kafkajs client on a connection. */
export function kafkaClient(connection: KafkaConnection, rest: Omit<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>): Kafka {
  return new Kafka(kafkaClientConfig(connection, rest));
}
