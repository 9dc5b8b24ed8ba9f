import { describe, expect, it } from 'vitest';
import type { DecisionRecord, DecisionRecordsRepository } from '../../decisions/index.js';
import { decision, T0 } from '../domain/test-fixtures.js';
import { readDecisionWindow } from './decision-window.js';

/** The repository's keyset contract over an in-memory list (oldest first; `after` excludes). */
function repositoryOf(records: DecisionRecord[], pages: Array<{ after?: string; limit?: number }>): DecisionRecordsRepository {
  return {
    async inWindow(_tenantId: string, w: { after?: { decisionId: string }; limit?: number }) {
      pages.push({ ...(w.after ? { after: w.after.decisionId } : {}), ...(w.limit !== undefined ? { limit: w.limit } : {}) });
      const start = w.after ? records.findIndex((r) => r.decisionId === w.after!.decisionId) + 1 : 0;
      return records.slice(start, start + (w.limit ?? records.length));
    },
  } as unknown as DecisionRecordsRepository;
}

const WINDOW = { from: new Date(T0), to: new Date(T0 + 1) };

describe('reading a window of decisions', () => {
  it('reads page after page, in order, until a short page', async () => {
    const records = Array.from({ length: 12_001 }, (_, i) => decision({ at: T0, decisionId: `d-${String(i).padStart(6, '0')}` }));
    const pages: Array<{ after?: string; limit?: number }> = [];
    const seen: string[] = [];
    expect(await readDecisionWindow(repositoryOf(records, pages), 't', WINDOW, 20_000, (r) => seen.push(r.decisionId))).toBe(true);
    expect(seen).toEqual(records.map((r) => r.decisionId));
    expect(pages).toEqual([{ limit: 5000 }, { after: 'd-004999', limit: 5000 }, { after: 'd-009999', limit: 5000 }]);
  });

  it('stops as soon as there are more than the maximum, and says so', async () => {
    const records = Array.from({ length: 11 }, (_, i) => decision({ at: T0, decisionId: `e-${i}` }));
    let seen = 0;
    expect(await readDecisionWindow(repositoryOf(records, []), 't', WINDOW, 10, () => seen++)).toBe(false);
    expect(seen).toBe(10);
    expect(await readDecisionWindow(repositoryOf(records, []), 't', WINDOW, 11, () => undefined)).toBe(true);
  });
});
