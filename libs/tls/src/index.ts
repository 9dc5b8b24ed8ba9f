// Transport security shared by every listener (control plane HTTP and config stream, enforcer
// Decide, ledger API): docs/security.md, "Transport security (TLS)".
export { readClientTls, readListenerTls, secureServerOptions, TLS_CERT_FILE, TLS_KEY_FILE, type ClientTls, type ClientTlsRead, type ListenerTls, type TlsRead } from './listener-tls.js';
export { isLoopback, PlaintextRefusedError, refusePlaintext, ALLOW_PLAINTEXT, type Endpoint } from './plaintext.js';
