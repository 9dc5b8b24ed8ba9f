import { describe, expect, it } from 'vitest';
import { alertDocument } from './alert.js';
import { cefExtensionEscape, cefHeaderEscape, cefLine, octetCounted, syslogMessage } from './cef.js';
import { decisionRecord, rule } from './test-fixtures.js';

const doc = (overrides: Parameters<typeof decisionRecord>[0] = {}) =>
  alertDocument({
    alertId: '11111111-1111-4111-8111-111111111111',
    record: decisionRecord(overrides),
    reason: { kind: 'block', severity: 'high' },
    ledgerPublicUrl: 'https://ledger.example',
    now: new Date('2026-11-02T09:30:01.000Z'),
  });

describe('CEF escaping', () => {
  it('escapes backslash and pipe in the header, and flattens line breaks', () => {
    expect(cefHeaderEscape('a|b\\c')).toBe('a\\|b\\\\c');
    expect(cefHeaderEscape('one\r\ntwo\nthree')).toBe('one two three');
    expect(cefHeaderEscape('x=y')).toBe('x=y');
  });

  it('escapes backslash, equals and line breaks in extension values (not pipes)', () => {
    expect(cefExtensionEscape('a=b\\c|d')).toBe('a\\=b\\\\c|d');
    expect(cefExtensionEscape('one\r\ntwo\nthree\rfour')).toBe('one\\ntwo\\nthree\\rfour');
  });
});

describe('cefLine and syslogMessage', () => {
  it('is one CEF:0 line with the standard keys', () => {
    const line = cefLine(doc());
    expect(line.startsWith('CEF:0|Thoth|Thoth|1|block|Blocked crm.delete_contact by crm-agent|8|rt=1793611800001 ')).toBe(true);
    expect(line).toContain(' externalId=11111111-1111-4111-8111-111111111111 cat=block act=deny suser=crm-agent src=203.0.113.7 ');
    expect(line).toContain(' cs1Label=decisionId cs1=dec-1 ');
    expect(line).toContain(' cs6Label=evidence cs6=https://ledger.example/v1/decisions/dec-1/evidence ');
    expect(line).toContain(' flexString1Label=receipt flexString1={"decisionId":"dec-1"');
    expect(line).not.toContain('\n');
  });

  it('leaves src out when the source is not an IP address', () => {
    expect(cefLine(doc({ sourceIp: 'not an ip' }))).not.toContain(' src=');
  });

  it('frames it as RFC 5424 with PRI = facility·8 + severity, and octet counting for TCP', () => {
    const message = syslogMessage(doc(), { facility: 10, hostname: 'cp 1.example' });
    expect(message.startsWith('<83>1 2026-11-02T09:30:00.001Z cp1.example thoth - block - CEF:0|')).toBe(true);
    const framed = octetCounted('é');
    expect(framed).toBe('2 é');
  });

  it('keeps hostile values inside their field', () => {
    const line = cefLine(doc({ tool: 'crm|drop', matchedRules: [rule({ reason: 'a=b\nsuser=root \\' })] }));
    expect(line).toContain('|Blocked crm\\|drop by crm-agent|8|');
    expect(line).toContain(' msg=crm-no-deletes: a\\=b\\nsuser\\=root \\\\ cs1Label=');
  });
});
