import type { DecisionRecord, DecisionRecordsRepository } from '../../decisions/index.js';
import type { ReportWindow } from '../domain/report-window.js';

/** Decisions read per round trip. */
const PAGE = 5_000;

/**
 * Reads the tenant's decisions in [from, to), oldest first, page by page. Stops and returns
 * false as soon as more than `max` were seen (the caller refuses the work); true otherwise.
 */
export async function readDecisionWindow(
  decisions: DecisionRecordsRepository,
  tenantId: string,
  window: ReportWindow,
  max: number,
  each: (record: DecisionRecord) => void,
): Promise<boolean> {
  let seen = 0;
  let after: { decidedAt: Date; decisionId: string } | undefined;
  for (;;) {
    const page = await decisions.inWindow(tenantId, { from: window.from, to: window.to, limit: PAGE, ...(after ? { after } : {}) });
    for (const record of page) {
      if (++seen > max) return false;
      each(record);
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) return true;
    after = { decidedAt: last.decidedAt, decisionId: last.decisionId };
  }
}
