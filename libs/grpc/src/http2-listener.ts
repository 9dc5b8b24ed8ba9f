import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type SecureServerOptions, type ServerHttp2Session, type Settings } from 'node:http2';

/** What one HTTP/2 connection may make the server hold; the rest of the limits are fixed (see Http2Listener). */
export interface Http2Limits {
  /**
   * Streams (calls) open at once on one connection. Advertised in SETTINGS: a compliant client
   * queues its calls beyond it, one that ignores it has the extra streams refused (REFUSED_STREAM).
   * Default 256: an SDK needs one for its DecideStream, or one per call in flight over unary.
   */
  readonly maxConcurrentStreams?: number;
  /**
   * Memory one connection may hold, in MB: its streams, header compression tables, data queued to
   * be sent, unacknowledged PING and SETTINGS. New streams are refused while it is exceeded.
   * Default 64 (Node's is 10; grpc-js lifts it altogether).
   */
  readonly maxSessionMemoryMb?: number;
}

const DEFAULT_MAX_CONCURRENT_STREAMS = 256;
const DEFAULT_MAX_SESSION_MEMORY_MB = 64;

/**
 * An HTTP/2 listener's life as a gRPC server lives it: the session limits, the open sessions,
 * listen, graceful and forced shutdown. GrpcServer serves Decide on it; the enforcer benchmark's
 * connect-node peer uses the same one, so both are measured alike.
 *
 * A connection is bounded (docs/security.md, "Refusals before authentication") by Http2Limits and:
 * - header lists of at most 16 KiB and 64 entries (SETTINGS_MAX_HEADER_LIST_SIZE): a gRPC call
 *   sends a dozen headers, its token among them, where Node would take 64 KiB and 128;
 * - 100 streams refused over its life (the client ignores the stream limit) or 1,000 invalid
 *   frames, after which it is closed; RST_STREAM at most 33 a second after a burst of 1,000
 *   (the HTTP/2 rapid reset attack, CVE-2023-44487). Node's defaults, stated here on purpose;
 * - PING and SETTINGS floods are nghttp2's to stop: it ends a session that leaves more than 1,000
 *   of their acknowledgements unsent (not configurable from Node).
 */
export class Http2Listener {
  readonly server: Http2Server | Http2SecureServer;
  readonly #sessions = new Set<ServerHttp2Session>();
  #closing = false;

  constructor(options: { readonly tls?: SecureServerOptions; readonly settings?: Settings; readonly limits?: Http2Limits }) {
    const http2Options = {
      maxSessionMemory: options.limits?.maxSessionMemoryMb ?? DEFAULT_MAX_SESSION_MEMORY_MB,
      maxHeaderListPairs: 64,
      maxSessionRejectedStreams: 100,
      maxSessionInvalidFrames: 1_000,
      streamResetBurst: 1_000,
      streamResetRate: 33,
      // As grpc-js: what the server sends is its own, never cut off.
      maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
      settings: {
        maxConcurrentStreams: options.limits?.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
        maxHeaderListSize: 16 * 1024,
        ...options.settings,
      },
    };
    this.server = options.tls ? createSecureServer({ ...options.tls, ...http2Options, ALPNProtocols: ['h2'] }) : createServer(http2Options);
    this.server.on('session', (session: ServerHttp2Session) => {
      if (this.#closing) {
        session.destroy();
        return;
      }
      this.#sessions.add(session);
      session.on('error', () => {}); // followed by 'close'
      session.once('close', () => this.#sessions.delete(session));
    });
  }

  /** Listens on `host:port` (port 0 picks one); resolves with the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops taking connections and calls; resolves once the calls in progress have ended. */
  tryShutdown(): Promise<void> {
    this.#closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.#sessions) session.close();
    return closed;
  }

  /** Ends every connection now; calls in progress are cancelled. */
  forceShutdown(): void {
    this.#closing = true;
    for (const session of this.#sessions) session.destroy();
    this.server.close();
  }
}
