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
      from: { path: '^apps/([^/]+)/', pathNot: '^apps/(thoth|cli)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'the-cli-uses-the-ledgers-offline-door',
      comment: 'The thoth command talks to the control plane over HTTP; of the apps it imports only the checks that need no running ledger (@thoth/ledger/offline).',
      severity: 'error',
      from: { path: '^apps/cli/' },
      to: { path: '^apps/', pathNot: '^apps/(cli/|ledger/src/offline\\.ts$)' },
    },
    {
      name: 'contexts-meet-at-their-index',
      comment:
        "A bounded context (apps/control-plane/src/modules/<name>/, and distribution/) is used by another context only " +
        "through its index.ts: its commands, queries, events, module and the read types it offers. Its aggregates' " +
        "internals, handlers and storage/ stay its own. Tests are not held to it (*.test.ts, test-fixtures.ts, the apps' " +
        "test/ folders, test/): a white-box test may drive another context's handler or fixture.",
      severity: 'error',
      from: {
        path: '^apps/control-plane/src/(modules/[^/]+|distribution)/',
        pathNot: '\\.test\\.ts$|(^|/)test-fixtures\\.ts$',
      },
      to: {
        path: '^apps/control-plane/src/(modules/[^/]+|distribution)/',
        pathNot: [
          '^apps/control-plane/src/$1/',
          '^apps/control-plane/src/(modules/[^/]+|distribution)/index\\.ts$',
        ],
      },
    },
    {
      name: 'domains-read-other-contexts-as-types',
      comment:
        "A context's domain/ may name another context's types (through its index.ts) but imports no value of another " +
        "context: a value import runs that context's index.ts, and with it its Nest module and the framework, which " +
        "domain-knows-no-framework keeps out of domain/. Tests are not held to it.",
      severity: 'error',
      from: {
        path: '^apps/control-plane/src/modules/([^/]+)/domain/',
        pathNot: '\\.test\\.ts$|(^|/)test-fixtures\\.ts$',
      },
      to: {
        path: '^apps/control-plane/src/(modules/[^/]+|distribution)/',
        pathNot: '^apps/control-plane/src/modules/$1/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'the-rest-meets-contexts-at-their-index',
      comment:
        "Outside the contexts (app.module.ts, control-plane.ts, platform/, event-store/, shared/, config/, apps/thoth, " +
        "scripts) a context is reached through its index.ts too. Tests are not held to it (see contexts-meet-at-their-index).",
      severity: 'error',
      from: {
        path: '^(apps|libs|scripts)/',
        pathNot: [
          '^apps/control-plane/src/(modules/[^/]+|distribution)/',
          '\\.test\\.ts$',
          '(^|/)test-fixtures\\.ts$',
          '^apps/[^/]+/test/',
        ],
      },
      to: {
        path: '^apps/control-plane/src/(modules/[^/]+|distribution)/',
        pathNot: '^apps/control-plane/src/(modules/[^/]+|distribution)/index\\.ts$',
      },
    },
    {
      name: 'no-folder-cycles-in-the-control-plane',
      comment:
        "No two folders of the control plane depend on each other, even when no file-level cycle exists (tenants → trial " +
        "→ shadow-report → tenants was one: a context announces with its events, or owns the port the other implements). " +
        "Every folder level under apps/control-plane/src counts: top-level folders (platform, event-store, shared, config, " +
        "distribution), each context, and the folders inside a context (commands/ ⇄ storage/ would fail too). A folder's " +
        "imports are those of its files and subfolders; an import lands on the folder of the file imported (for another " +
        "context, its index.ts: the context's own folder). Tests count (they import like any file). Not libs/: " +
        "libs/sdk (client ⇄ guard) and libs/policy (compile ⇄ decide ⇄ drift) have folder cycles today.",
      severity: 'error',
      scope: 'folder',
      from: { path: '^apps/control-plane/src/' },
      to: { path: '^apps/control-plane/src/', circular: true },
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
    exclude: { path: '(^|/)src/gen/|\\.d\\.ts$|^libs/contracts/testdata/make/' },
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
