import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { accessAcls, accessTableMarkdown, parseAccessTable, readAccessTable } from './access-table.js';

const SECURITY_MD = fileURLToPath(new URL('../../../docs/security.md', import.meta.url));

describe('the Kafka access table', () => {
  const table = readAccessTable();

  it('is what docs/security.md shows ("Kafka: principals and grants")', () => {
    const doc = readFileSync(SECURITY_MD, 'utf8');
    expect(doc, 'regenerate the table in docs/security.md from infra/kafka/access.txt (accessTableMarkdown)').toContain(accessTableMarkdown(table));
  });

  it('grants each application only its own side of each topic', () => {
    const can = (principal: string, op: string, name: string) => table.some((g) => g.principal === principal && g.status === 'granted' && g.name === name && g.operations.includes(op));
    expect(can('thoth-enforcer', 'Write', 'thoth.decisions')).toBe(true);
    // Fleet state: an enforcer reads its peers' decisions and the keys they are verified against, writes no key.
    expect(can('thoth-enforcer', 'Read', 'thoth.decisions')).toBe(true);
    expect(can('thoth-enforcer', 'DescribeConfigs', 'thoth.decisions')).toBe(true);
    expect(can('thoth-enforcer', 'Read', 'thoth.receipt-keys')).toBe(true);
    expect(can('thoth-enforcer', 'Write', 'thoth.receipt-keys')).toBe(false);
    for (const reader of ['thoth-ledger', 'thoth-control-plane']) expect(can(reader, 'Read', 'thoth.decisions')).toBe(true);
    expect(can('thoth-ledger', 'Write', 'thoth.decisions')).toBe(false);
    // Its own decisions (a person's approval or rejection, docs/approvals.md), believed only as signed by its receipt key.
    expect(can('thoth-control-plane', 'Write', 'thoth.decisions')).toBe(true);
    expect(can('thoth-control-plane', 'Write', 'thoth.receipt-keys')).toBe(true);
    expect(can('thoth-ledger', 'Read', 'thoth.receipt-keys')).toBe(true);
    expect(can('thoth-ledger', 'Write', 'thoth.receipt-keys')).toBe(false);
  });

  it('turns granted rows into ACLs (no super user, no planned row), under the names given', () => {
    const acls = accessAcls(
      parseAccessTable(
        [
          'admin  super    cluster  literal   kafka-cluster  All    all  root',
          'a      granted  topic    literal   t              Read,Write  registered  x',
          'a      granted  group    prefixed  g              Read   all  y',
          'a      planned  topic    literal   later          Read   all  z',
        ].join('\n'),
      ),
      { principal: (p) => `run.${p}`, group: (g) => `run.${g}` },
    );
    expect(acls).toEqual([
      { resourceType: AclResourceTypes.TOPIC, resourceName: 't', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:run.a', host: '*', operation: AclOperationTypes.READ, permissionType: 3 },
      { resourceType: AclResourceTypes.TOPIC, resourceName: 't', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:run.a', host: '*', operation: AclOperationTypes.WRITE, permissionType: 3 },
      { resourceType: AclResourceTypes.GROUP, resourceName: 'run.g', resourcePatternType: ResourcePatternTypes.PREFIXED, principal: 'User:run.a', host: '*', operation: AclOperationTypes.READ, permissionType: 3 },
    ]);
  });

  it('names the line and column of a malformed row', () => {
    expect(() => parseAccessTable('# c\na granted topic literal t Read everyone why')).toThrow('infra/kafka/access.txt line 2: tenants \'everyone\' is not one of all, registered');
    expect(() => parseAccessTable('a granted topic literal t Fly all why')).toThrow(/line 1: operation 'Fly'/);
    expect(() => parseAccessTable('a granted topic')).toThrow(/line 1: expected principal status/);
  });
});
