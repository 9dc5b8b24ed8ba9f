/**
 * Architecture rules that `pnpm lint` enforces (docs/architecture.md, "Rules between the parts").
 * A violation fails `pnpm test`; scripts/dependency-rules.test.ts proves each rule bites.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-knows-no-framework',
      comment: 'Aggregates, events and value objects are plain TypeScript: no @nestjs, no database, no transport.',
      severity: 'error',
      from: { path: '(^|/)domain/' },
      to: {
        path: '(^|/)node_modules/(@nestjs|drizzle-orm|pg|@electric-sql|kafkajs|@grpc)/|^libs/(db|grpc)/',
      },
    },
    {
      name: 'enforcer-never-touches-the-database',
      comment: 'The enforcer is stateless: everything it knows arrives on the config stream.',
      severity: 'error',
      from: { path: '^apps/enforcer/' },
      to: { path: '^libs/db/|(^|/)node_modules/(pg|drizzle-orm|@electric-sql/pglite)/' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'pure-libs-stay-pure',
      comment: 'libs/policy, libs/merkle, libs/api-keys and libs/backoff depend on nothing of ours, so they embed anywhere (enforcer, control plane, SDK).',
      severity: 'error',
      from: { path: '^libs/(policy|merkle|api-keys|backoff)/' },
      to: { path: '^(apps|libs)/', pathNot: '^libs/$1/' },
    },
    {
      name: 'pure-libs-do-no-io',
      comment: 'No files, sockets or processes in the decision engine, the Merkle core, the API-key format or the backoff computation.',
      severity: 'error',
      from: { path: '^libs/(policy|merkle|api-keys|backoff)/src/', pathNot: '\\.test\\.ts$' },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|child_process|worker_threads|cluster|dns|tls)$',
      },
    },
    {
      name: 'pure-libs-use-no-drivers',
      severity: 'error',
      from: { path: '^libs/(policy|merkle|api-keys|backoff)/' },
      to: { path: '(^|/)node_modules/(pg|kafkajs|@grpc/grpc-js|drizzle-orm|@electric-sql/pglite)/' },
    },
    {
      name: 'apps-do-not-import-each-other',
      comment: 'Apps meet through contracts (protobuf) and libs, never by importing each other; only the embedded launcher composes them.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/thoth/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)src/gen/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    combinedDependencies: true,
  },
};
