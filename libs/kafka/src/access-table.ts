import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import kafkajs, { type AclEntry } from 'kafkajs';

// Node's CommonJS interop sees only kafkajs' first exports by name; these come from its default.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/**
 * infra/kafka/access.txt: who may do what on Kafka, one grant a line. The one source of the
 * broker's ACLs (infra/local/kafka.sh applies it; the Kafka access security test applies it to
 * its own topics) and of docs/security.md's table (accessTableMarkdown, kept equal by a test).
 */
export const ACCESS_TABLE_PATH = fileURLToPath(new URL('../../../infra/kafka/access.txt', import.meta.url));

export interface AccessGrant {
  /** The SCRAM user, User:<principal> in ACLs. */
  principal: string;
  /** super: in the broker's super.users; planned: granted when the work that needs it lands. */
  status: 'granted' | 'super' | 'planned';
  resource: 'topic' | 'group' | 'cluster' | 'none';
  pattern: 'literal' | 'prefixed';
  /** The resource's name; `-` for none. */
  name: string;
  /** Kafka ACL operations as written (Read, Write, Create, …); empty for none. */
  operations: string[];
  /** `all`, or `registered`: only the tenants its registration names (bound by receipts, not by Kafka). */
  tenants: 'all' | 'registered';
  purpose: string;
}

const OPERATIONS: Record<string, kafkajs.AclOperationTypes> = {
  All: AclOperationTypes.ALL,
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  ClusterAction: AclOperationTypes.CLUSTER_ACTION,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

const ENUMS = {
  status: ['granted', 'super', 'planned'],
  resource: ['topic', 'group', 'cluster', 'none'],
  pattern: ['literal', 'prefixed'],
  tenants: ['all', 'registered'],
} as const;

/** Parses the table; a malformed line is an error naming its line and column. */
export function parseAccessTable(text: string): AccessGrant[] {
  const grants: AccessGrant[] = [];
  text.split('\n').forEach((line, index) => {
    if (/^\s*(#|$)/.test(line)) return;
    const where = `infra/kafka/access.txt line ${index + 1}`;
    const match = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.+)$/.exec(line.trim());
    if (!match) throw new Error(`${where}: expected principal status resource pattern name operations tenants purpose`);
    const [, principal, status, resource, pattern, name, operations, tenants, purpose] = match as unknown as string[];
    const oneOf = <K extends keyof typeof ENUMS>(column: K, value: string): (typeof ENUMS)[K][number] => {
      if (!(ENUMS[column] as readonly string[]).includes(value)) throw new Error(`${where}: ${column} '${value}' is not one of ${ENUMS[column].join(', ')}`);
      return value as (typeof ENUMS)[K][number];
    };
    if (!/^[a-z][a-z0-9-]*$/.test(principal!)) throw new Error(`${where}: principal '${principal}' is not lowercase letters, digits and '-'`);
    const ops = operations === '-' ? [] : operations!.split(',');
    for (const op of ops) if (!(op in OPERATIONS)) throw new Error(`${where}: operation '${op}' is not one of ${Object.keys(OPERATIONS).join(', ')}`);
    grants.push({
      principal: principal!,
      status: oneOf('status', status!),
      resource: oneOf('resource', resource!),
      pattern: oneOf('pattern', pattern!),
      name: name!,
      operations: ops,
      tenants: oneOf('tenants', tenants!),
      purpose: purpose!.trim(),
    });
  });
  return grants;
}

export function readAccessTable(path = ACCESS_TABLE_PATH): AccessGrant[] {
  return parseAccessTable(readFileSync(path, 'utf8'));
}

/** Where a grant's names land: the access test maps the production names onto its own. */
export interface AccessNames {
  principal?: (name: string) => string;
  topic?: (name: string) => string;
  group?: (name: string) => string;
}

/** The ACLs of the table's granted rows (super users need none; planned rows wait for their work). */
export function accessAcls(grants: readonly AccessGrant[], names: AccessNames = {}): AclEntry[] {
  const same = (n: string) => n;
  const { principal = same, topic = same, group = same } = names;
  return grants
    .filter((g) => g.status === 'granted')
    .flatMap((g) => {
      const resource =
        g.resource === 'topic'
          ? { resourceType: AclResourceTypes.TOPIC, resourceName: topic(g.name) }
          : g.resource === 'group'
            ? { resourceType: AclResourceTypes.GROUP, resourceName: group(g.name) }
            : g.resource === 'cluster'
              ? { resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster' }
              : undefined;
      if (!resource) throw new Error(`access table: a granted row of ${g.principal} names no resource`);
      return g.operations.map((op) => ({
        ...resource,
        resourcePatternType: g.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
        principal: `User:${principal(g.principal)}`,
        host: '*',
        operation: OPERATIONS[op]!,
        permissionType: AclPermissionTypes.ALLOW,
      }));
    });
}

/** The table as docs/security.md shows it. */
export function accessTableMarkdown(grants: readonly AccessGrant[]): string {
  const status = { granted: 'granted', super: 'super user', planned: 'planned, granted when the work lands' };
  const tenants = { all: 'all', registered: 'the tenants it is registered for' };
  const resource = (g: AccessGrant) =>
    g.resource === 'none' ? '—' : g.resource === 'cluster' ? 'the cluster' : `${g.resource} \`${g.name}\`${g.pattern === 'prefixed' ? ' (prefix)' : ''}`;
  const rows = grants.map(
    (g) => `| \`${g.principal}\` | ${resource(g)} | ${g.operations.join(', ') || '—'} | ${tenants[g.tenants]} | ${status[g.status]} | ${g.purpose} |`,
  );
  return ['| principal | resource | operations | tenants | status | why |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
