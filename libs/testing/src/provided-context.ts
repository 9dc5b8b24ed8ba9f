// What the global setup hands to every test file through vitest's inject().
declare module 'vitest' {
  export interface ProvidedContext {
    'thoth.runId': string;
    'thoth.databaseUrl': string;
    'thoth.serverUrl': string;
    /** The Postgres superuser, for tests that must act behind the application's back (ledger tamper tests). */
    'thoth.adminUrl': string;
    'thoth.postgresVersion': string;
    'thoth.kafkaBrokers': string[];
    /** The tests' Kafka principal (a super user on infra/local's broker) and how to reach it. */
    'thoth.kafka': {
      brokers: string[];
      sasl: { mechanism: 'scram-sha-512' | 'scram-sha-256'; username: string; password: string } | undefined;
      /** PEM of the CA, and its file for child processes; undefined: no TLS. */
      tls: { ca: string | undefined; caFile: string | undefined } | undefined;
    };
    'thoth.kafkaVersion': string;
    'thoth.topicPrefix': string;
  }
}

export {};
