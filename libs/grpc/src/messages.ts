import type { Readable } from 'node:stream';

const HIGH_WATER = 32;

/**
 * The messages of a grpc-js readable call as an async iterator, with backpressure
 * (the call is paused while HIGH_WATER messages wait) and errors reported once, in
 * order: messages already received are yielded before the error is thrown.
 *
 * We listen to events instead of using Readable's own iterator because grpc-js emits
 * 'error' after push(null), and an 'error' without a listener would crash the process.
 */
export function readMessages<T>(
  stream: Readable,
  options: {
    /** Event names that end the stream with an error, mapped to the error to throw. */
    errors: Record<string, (event: unknown) => Error>;
    /** Called when the consumer stops early (break, return, throw). */
    onReturn?: () => void;
  },
): AsyncIterableIterator<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  stream.on('data', (message: T) => {
    if (ended) return; // the consumer has stopped; drop what still arrives
    queue.push(message);
    if (queue.length >= HIGH_WATER) stream.pause();
    notify();
  });
  const end = (): void => {
    ended = true;
    notify();
  };
  // When a client cancels, grpc-js servers see the request stream end before the call
  // is cancelled; waiting a turn of the event loop tells a cancel from a half-close.
  stream.on('end', () => setImmediate(end));
  stream.on('close', end);
  for (const [event, toError] of Object.entries(options.errors)) {
    stream.on(event, (value: unknown) => {
      failure ??= toError(value);
      notify();
    });
  }

  const finish = (): IteratorResult<T> => {
    ended = true;
    queue.length = 0;
    stream.resume(); // let whatever is still buffered drain
    return { done: true, value: undefined };
  };

  return {
    async next(): Promise<IteratorResult<T>> {
      for (;;) {
        const message = queue.shift();
        if (message !== undefined) {
          if (stream.isPaused() && queue.length < HIGH_WATER / 2) stream.resume();
          return { done: false, value: message };
        }
        // Messages grpc-js already pushed may still sit in the Readable's own buffer.
        if (failure && (stream.readableLength === 0 || stream.destroyed)) throw failure;
        if (ended && !failure) return { done: true, value: undefined };
        if (stream.isPaused()) stream.resume();
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async return(): Promise<IteratorResult<T>> {
      if (!ended && !failure) options.onReturn?.();
      return finish();
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
