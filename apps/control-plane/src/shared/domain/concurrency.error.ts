/** Someone appended to the stream since it was loaded: reload and retry, or tell the caller (409). */
export class ConcurrencyError extends Error {
  readonly code = 'concurrency.conflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
  ) {
    super(
      actualVersion === undefined
        ? `stream ${streamId} moved past version ${expectedVersion} while this change was made`
        : `stream ${streamId} is at version ${actualVersion}, not the expected ${expectedVersion}`,
    );
    this.name = 'ConcurrencyError';
  }
}
