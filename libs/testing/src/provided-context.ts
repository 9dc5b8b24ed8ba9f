// What the global setup hands to every test file through vitest's inject().
declare module 'vitest' {
  export interface ProvidedContext {
    'thoth.runId': string;
    'thoth.databaseUrl': string;
    'thoth.serverUrl': string;
    'thoth.postgresVersion': string;
    'thoth.kafkaBrokers': string[];
    'thoth.kafkaVersion': string;
    'thoth.topicPrefix': string;
  }
}

export {};
