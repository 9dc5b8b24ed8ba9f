/** One thing a service needs before it is ready, and why it is not (a stable code, a sentence). */
export interface NotReady {
  readonly code: string;
  readonly reason: string;
}

/** Resolves with `value`, or rejects after `ms` (a probe of the database must not hang /readyz). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
