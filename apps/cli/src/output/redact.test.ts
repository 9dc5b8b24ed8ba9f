import { describe, expect, it } from 'vitest';
import { redact } from './redact.js';

describe('redact', () => {
  it('cuts API keys, agent and enforcer tokens and bearer credentials to their prefix, wherever they stand', () => {
    const key = `thoth_sk_${'a1B2'.repeat(8)}_Zz09Yy`;
    const agent = `thoth_at_${'x'.repeat(43)}_abcdef`;
    expect(redact(`401 key ${key} refused; token=${agent}, thoth_et_short.`)).toBe('401 key thoth_sk_… refused; token=thoth_at_…, thoth_et_….');
    expect(redact('{"authorization":"Bearer s3cr3t-value"}')).toBe('{"authorization":"Bearer …"}');
    expect(redact('thoth_sk_ is the prefix of every key')).toBe('thoth_sk_ is the prefix of every key');
  });
});
