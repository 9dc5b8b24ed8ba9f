/**
 * The evaluation budget of the decision being made (docs/policy.md, "Evaluation budget").
 *
 * decide() is synchronous, so one decision evaluates at a time per thread: its deadline is
 * module state, set by `within` for the duration of one evaluation. Code that can run long on
 * agent-controlled input (a `matches()` over a large argument) asks `spent()` as it goes and
 * throws `BudgetExceeded`; decide() turns that into an evaluation failure of the element.
 */
export const DEFAULT_EVALUATION_BUDGET_MS = 5;

let deadline = Number.POSITIVE_INFINITY;
let clock: () => number = () => performance.now();

/** Thrown where evaluation stops because its budget is spent. */
export class BudgetExceeded extends Error {
  readonly code = 'budget.exceeded';
  constructor(message = 'the evaluation budget is spent') {
    super(message);
  }
}

/** Runs `fn` with a deadline `budgetMs` after `now()`; nested calls keep the earlier deadline. */
export function within<T>(budgetMs: number, now: () => number, fn: () => T): T {
  const previous = deadline;
  const previousClock = clock;
  deadline = Math.min(previous, now() + budgetMs);
  clock = now;
  try {
    return fn();
  } finally {
    deadline = previous;
    clock = previousClock;
  }
}

/**
 * True once the current evaluation's deadline has passed, or is less than `marginMs` away (never
 * outside `within`). Work that looks at the clock only now and then asks with a margin of the
 * time between two looks, so that it stops early enough for the answer to be given in time.
 */
export function spent(marginMs = 0): boolean {
  return deadline !== Number.POSITIVE_INFINITY && clock() > deadline - marginMs;
}
