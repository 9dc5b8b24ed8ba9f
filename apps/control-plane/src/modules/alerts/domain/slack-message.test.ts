import { describe, expect, it } from 'vitest';
import { alertDocument } from './alert.js';
import { slackMessage } from './slack-message.js';
import { decisionRecord, rule } from './test-fixtures.js';

describe('slackMessage', () => {
  it('is text plus Block Kit blocks: header, reasons, facts, receipt, links — with mrkdwn escaped', () => {
    const record = decisionRecord({ agentId: 'crm<agent>', matchedRules: [rule({ reason: 'R&D <only>' })] });
    const message = slackMessage(
      alertDocument({ alertId: 'a1', record, reason: { kind: 'block', severity: 'high' }, ledgerPublicUrl: 'https://ledger.example', now: new Date(0) }),
    );
    expect(message.text).toBe(':no_entry: Thoth: Blocked crm.delete_contact by crm<agent> (high)');
    expect(message.blocks.map((b) => (b as { type: string }).type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    const [header, reasons, facts, receipt, context] = message.blocks as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- Block Kit JSON
    expect(header!['text']).toEqual({ type: 'plain_text', text: 'Blocked: crm.delete_contact', emoji: false });
    expect(reasons!['text'].text).toContain('R&amp;D &lt;only&gt;');
    expect(facts!['fields'].map((f: { text: string }) => f.text)).toContain('*Agent*\ncrm&lt;agent&gt;');
    expect(receipt!['text'].text).toContain('"decisionId": "dec-1"');
    expect(context!['elements'][0].text).toContain('<https://ledger.example/v1/decisions/dec-1/evidence|Evidence bundle>');
  });
});
