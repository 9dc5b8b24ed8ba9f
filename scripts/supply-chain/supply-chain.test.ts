import { describe, expect, it } from 'vitest';
import { judgeAudit } from './audit.js';
import { licenseAllowed } from './licenses.js';

describe('the license allow-list', () => {
  it('allows permissive licenses and expressions made only of them', () => {
    for (const license of ['MIT', 'Apache-2.0', '(Apache-2.0 AND BSD-3-Clause)', '(AFL-2.1 OR BSD-3-Clause)', 'MPL-2.0', 'Apache-2.0 WITH LLVM-exception']) {
      expect(licenseAllowed(license), license).toBe(true);
    }
  });

  it('refuses copyleft and source-available licenses, unknown or missing ones, and an AND that includes one', () => {
    for (const license of ['GPL-3.0-only', 'AGPL-3.0-or-later', 'LGPL-2.1', 'SSPL-1.0', 'BUSL-1.1', 'Unknown', '', '(MIT AND GPL-2.0-only)', 'SEE LICENSE IN LICENSE', '(MIT']) {
      expect(licenseAllowed(license), license).toBe(false);
    }
    expect(licenseAllowed('(MIT OR GPL-2.0-only)')).toBe(true);
  });
});

describe('the audit’s verdict', () => {
  const report = (vulnerabilities: Record<string, number>, advisories = {}) => JSON.stringify({ advisories, metadata: { vulnerabilities } });

  it('fails on a known critical vulnerability, and only then', () => {
    const critical = { 1: { module_name: 'pg', severity: 'critical', title: 'RCE', url: 'https://example.test/1' } };
    expect(judgeAudit(report({ critical: 1, high: 2 }, critical), '', 1)).toEqual({ kind: 'critical', vulnerabilities: { critical: 1, high: 2 }, advisories: ['pg: RCE (https://example.test/1)'] });
    expect(judgeAudit(report({ critical: 0, high: 3 }), '', 1).kind).toBe('clean');
  });

  it('tells an unreachable endpoint from a clean audit, and an unexplained failure from both', () => {
    const refused = JSON.stringify({ error: { code: 'ERR_PNPM_AUDIT_BAD_RESPONSE', message: 'The audit endpoint responded with 405' } });
    expect(judgeAudit(refused, '', 1).kind).toBe('unreachable');
    expect(judgeAudit('', 'request to https://registry.npmjs.org failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org', 1).kind).toBe('unreachable');
    expect(judgeAudit('', 'something else', 1)).toEqual({ kind: 'failed', reason: 'something else' });
  });
});
