import { describe, expect, it } from 'vitest';
import { isLoopback, PlaintextRefusedError, refusePlaintext, type Endpoint } from './plaintext.js';

const endpoint = (host: string, tls = false): Endpoint => ({ name: 'the API', host, tls, remedy: 'set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE' });

describe('isLoopback', () => {
  it('is 127.0.0.0/8, ::1 (also mapped and bracketed) and localhost', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LOCALHOST']) expect(isLoopback(host), host).toBe(true);
  });

  it('is not a wildcard, another address or a name that could resolve anywhere', () => {
    for (const host of ['0.0.0.0', '::', '', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', 'control-plane', 'localhost.example.com', '127.0.0.1.nip.io']) expect(isLoopback(host), host).toBe(false);
  });
});

describe('refusePlaintext', () => {
  it('lets plaintext stay on loopback and TLS go anywhere', () => {
    expect(() => refusePlaintext([endpoint('127.0.0.1'), endpoint('::1'), endpoint('0.0.0.0', true)], false)).not.toThrow();
  });

  it('refuses plaintext elsewhere with PLAINTEXT_REFUSED, naming the listener, its address and what to set', () => {
    let error: unknown;
    try {
      refusePlaintext([endpoint('127.0.0.1'), endpoint('0.0.0.0'), { ...endpoint('10.1.2.3'), name: 'the config stream' }], false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlaintextRefusedError);
    expect((error as PlaintextRefusedError).code).toBe('PLAINTEXT_REFUSED');
    const message = (error as Error).message;
    expect(message).toMatch(/^PLAINTEXT_REFUSED: the API would be plaintext on 0\.0\.0\.0, which is not a loopback address: set THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE; the config stream would be plaintext on 10\.1\.2\.3/);
    expect(message).toContain('THOTH_ALLOW_PLAINTEXT=true');
  });

  it('is overruled by THOTH_ALLOW_PLAINTEXT=true, explicitly', () => {
    expect(() => refusePlaintext([endpoint('0.0.0.0')], true)).not.toThrow();
  });
});
