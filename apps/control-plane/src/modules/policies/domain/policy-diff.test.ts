import { describe, expect, it } from 'vitest';
import { diffPolicySources } from './policy-diff.js';

describe('policy diffs', () => {
  it('are line diffs with counts, structured hunks and unified text', () => {
    const a = 'a: 1\nb: 2\nc: 3\n';
    const b = 'a: 1\nb: 20\nc: 3\nd: 4\n';
    const d = diffPolicySources({ version: 1, source: a }, { version: 2, source: b });
    expect(d).toMatchObject({ from: 1, to: 2, added: 2, removed: 1 });
    expect(d.hunks).toHaveLength(1);
    expect(d.hunks[0]?.lines).toEqual([
      { op: ' ', text: 'a: 1' },
      { op: '-', text: 'b: 2' },
      { op: '+', text: 'b: 20' },
      { op: ' ', text: 'c: 3' },
      { op: '+', text: 'd: 4' },
    ]);
    expect(d.unified).toBe('--- policy@v1\n+++ policy@v2\n@@ -1,3 +1,4 @@\n a: 1\n-b: 2\n+b: 20\n c: 3\n+d: 4\n');
  });

  it('is empty between equal sources', () => {
    const d = diffPolicySources({ version: 1, source: 'x\n' }, { version: 3, source: 'x\n' });
    expect(d).toMatchObject({ added: 0, removed: 0, hunks: [], unified: '' });
  });
});
