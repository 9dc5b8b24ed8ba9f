import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type SecureServerOptions, type ServerHttp2Session, type Settings } from 'node:http2';

/**
 * An HTTP/2 listener's life as a gRPC server lives it: grpc-js's session settings, the open
 * sessions, listen, graceful and forced shutdown. GrpcServer serves Decide on it; the
 * enforcer benchmark's connect-node peer uses the same one, so both are measured alike.
 */
export class Http2Listener {
  readonly server: Http2Server | Http2SecureServer;
  readonly #sessions = new Set<ServerHttp2Session>();
  #closing = false;

  constructor(options: { readonly tls?: SecureServerOptions; readonly settings?: Settings }) {
    const http2Options = {
      // As grpc-js: Node's per-session memory cap misbehaves under load, so it is lifted.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
      ...(options.settings ? { settings: options.settings } : {}),
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
