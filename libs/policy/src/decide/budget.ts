/**
 * The evaluation budget of the decision being made (docs/policy.md, "Evaluation budget").
 *
 * decide() is synchronous, so one decision evaluates at a time per thread: its deadline is
 * module state, set by `within` for the duration of one evaluation. Code that can run long on
 * agent-controlled input (a `matches()` over a large argument) asks `spent()` as it goes and
 * throws `BudgetExceeded`; decide() turns that into an evaluation failure of the element.
 *
 * The deadline is on the wall clock, which is cheap to read; but a wall clock also counts the
 * time the process was not running (another process on the CPU, a pause of the machine). So the
 * first look that finds the deadline passed reads the deciding thread's CPU clock, when there is
 * one, and gives the evaluation its budget again on that clock: a decision that was only paused
 * finishes, and one that computes (a slow expression) is still cut, having spent at most twice
 * its budget. Reading the CPU clock costs a system call (about 1 µs), which is why it is read
 * only then.
 */
export const DEFAULT_EVALUATION_BUDGET_MS = 5;

/** CPU time (ms) of the calling thread, where the runtime tells it (Node.js 23.9 and later). */
export const threadCpuClock: (() => number) | undefined =
  typeof process !== 'undefined' && typeof process.threadCpuUsage === 'function'
    ? () => {
        const { user, system } = process.threadCpuUsage();
        return (user + system) / 1_000;
      }
    : undefined;

let deadline = Number.POSITIVE_INFINITY;
let clock: () => number = () => performance.now();
let budget = 0;
let cpuClock: (() => number) | undefined;
/** The deadline on `cpuClock`, once the wall clock's has passed. */
let cpuDeadline: number | undefined;

/** Thrown where evaluation stops because its budget is spent. */
export class BudgetExceeded extends Error {
  readonly code = 'budget.exceeded';
  constructor(message = 'the evaluation budget is spent') {
    super(message);
  }
}

/**
 * Runs `fn` with a deadline `budgetMs` after `now()`, given again on `cpuNow` (the deciding
 * thread's CPU time) once `now` has passed it; without `cpuNow`, the wall-clock deadline is the
 * only one. Nested calls keep the earlier deadline.
 */
export function within<T>(budgetMs: number, now: () => number, fn: () => T, cpuNow?: () => number): T {
  const saved = { deadline, clock, budget, cpuClock, cpuDeadline };
  const start = now() + budgetMs;
  if (start < deadline) {
    deadline = start;
    clock = now;
    budget = budgetMs;
    cpuClock = cpuNow;
    cpuDeadline = undefined;
  }
  try {
    return fn();
  } finally {
    ({ deadline, clock, budget, cpuClock, cpuDeadline } = saved);
  }
}

/**
 * True once the current evaluation's deadline has passed, or is less than `marginMs` away (never
 * outside `within`). Work that looks at the clock only now and then asks with a margin of the
 * time between two looks, so that it stops early enough for the answer to be given in time.
 */
export function spent(marginMs = 0): boolean {
  if (deadline === Number.POSITIVE_INFINITY || clock() <= deadline - marginMs) return false;
  if (cpuClock === undefined) return true;
  const cpu = cpuClock();
  cpuDeadline ??= cpu + budget;
  return cpu > cpuDeadline - marginMs;
}
