// Writes shadow-report.previous.json with the code of the previous release, 63aae65: the report
// JSON (schemaVersion 1) its ShadowReportBuilder computed, as the shadow_reports.report column
// stores it (jsonb of JSON.stringify), over decisions of its own test fixtures. Run from a worktree
// of that commit, never against today's code:
//   git worktree add --detach /tmp/old-rel 63aae65 && cd /tmp/old-rel && pnpm install --frozen-lockfile --offline
//   cp <this file> apps/control-plane/src/modules/shadow-report/domain/shadow-report-previous.ts
//   pnpm exec tsx apps/control-plane/src/modules/shadow-report/domain/shadow-report-previous.ts <testdata dir>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ShadowReportBuilder } from './shadow-report.js';
import { DAY, decision, denyRule, HOUR, T0, wouldDeny } from './test-fixtures.js';

const fpB = 'b'.repeat(64);
const records = [
  decision({ at: T0 + 10 * 60_000 }),
  decision({ at: T0 + 5 * HOUR }),
  decision({ at: T0 + 3 * DAY + 2 * HOUR, tool: 'crm.update_contact' }),
  decision({ at: T0 + DAY + HOUR, agentId: 'billing-agent', tool: 'billing.pay', resource: 'billing/invoices', credentialFingerprint: fpB }),
  wouldDeny({ at: T0 + 6 * DAY, agentId: 'billing-agent', tool: 'billing.refund', resource: 'billing/invoices', credentialFingerprint: fpB }, denyRule('no-refunds', 'critical')),
  wouldDeny({ at: T0 + 4 * DAY, tool: 'crm.delete_records', resource: 'crm/executives', arguments: { ids: [1, 2, 3] } }, denyRule('crm-delete-blast-radius', 'critical', 'blast_radius'), denyRule('q3-freeze', 'high', 'freeze_window')),
  decision({ at: T0 + 5 * DAY, credentialFingerprint: fpB, sourceIp: '203.0.113.9', sourceRegion: 'us-east-1' }),
];
const builder = new ShadowReportBuilder({ from: new Date(T0), to: new Date(T0 + 7 * DAY) });
for (const r of records) builder.add(r);
const report = builder.build(new Date(T0 + 7 * DAY), undefined, []);
writeFileSync(join(process.argv[2]!, 'shadow-report.previous.json'), `${JSON.stringify(report)}\n`);
console.log(Object.keys(report));
