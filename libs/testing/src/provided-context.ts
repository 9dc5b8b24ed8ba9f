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
    'thoth.kafkaVersion': string;
    'thoth.topicPrefix': string;
  }
}

export {};
