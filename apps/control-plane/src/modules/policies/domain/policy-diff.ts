import { structuredPatch } from 'diff';

export interface PolicyDiffLine {
  /** ' ' context, '+' added, '-' removed. */
  readonly op: ' ' | '+' | '-';
  readonly text: string;
}

export interface PolicyDiffHunk {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  readonly lines: readonly PolicyDiffLine[];
}

export interface PolicyDiff {
  readonly from: number;
  readonly to: number;
  readonly added: number;
  readonly removed: number;
  readonly hunks: readonly PolicyDiffHunk[];
  /** The same diff as unified-diff text, for a terminal or `git apply`. */
  readonly unified: string;
}

/** Line diff of two versions' sources, three lines of context. */
export function diffPolicySources(from: { version: number; source: string }, to: { version: number; source: string }): PolicyDiff {
  const patch = structuredPatch(`policy@v${from.version}`, `policy@v${to.version}`, from.source, to.source, undefined, undefined, { context: 3 });
  let added = 0;
  let removed = 0;
  const hunks = patch.hunks.map((h) => ({
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    lines: h.lines
      .filter((l) => !l.startsWith('\\'))
      .map((l): PolicyDiffLine => {
        const op = l[0] === '+' ? '+' : l[0] === '-' ? '-' : ' ';
        if (op === '+') added++;
        if (op === '-') removed++;
        return { op, text: l.slice(1) };
      }),
  }));
  const unified = [
    `--- policy@v${from.version}`,
    `+++ policy@v${to.version}`,
    ...patch.hunks.flatMap((h) => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines]),
  ].join('\n');
  return { from: from.version, to: to.version, added, removed, hunks, unified: hunks.length === 0 ? '' : `${unified}\n` };
}
