import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { otherCaTls, testTls, type TestTls } from '../../testing/src/tls.js';
import { readClientTls, readListenerTls, secureServerOptions } from './listener-tls.js';

let dev: TestTls;
let other: TestTls;
beforeAll(async () => {
  [dev, other] = await Promise.all([testTls('tls-lib-test'), otherCaTls()]);
});

const CA = 'THOTH_GRPC_TLS_CLIENT_CA_FILE';

describe('readListenerTls', () => {
  it('is plaintext when nothing is set', () => {
    expect(readListenerTls({}, CA)).toEqual({ ok: true, tls: undefined });
  });

  it('reads the certificate, its key and the client CA', () => {
    const read = readListenerTls({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile, [CA]: dev.caFile }, CA);
    expect(read).toEqual({ ok: true, tls: { cert: dev.cert, key: dev.key, clientCa: dev.ca } });
    if (!read.ok || !read.tls) throw new Error('expected TLS');
    expect(secureServerOptions(read.tls)).toMatchObject({ ca: dev.ca, requestCert: true, rejectUnauthorized: true });
    // The client CA of another listener is not this one's.
    expect(readListenerTls({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile, [CA]: dev.caFile })).toEqual({ ok: true, tls: { cert: dev.cert, key: dev.key } });
  });

  it('names the variable of every problem', () => {
    const problems = (env: Record<string, string>) => {
      const read = readListenerTls(env, CA);
      return read.ok ? [] : read.problems;
    };
    expect(problems({ THOTH_TLS_CERT_FILE: dev.certFile })).toEqual([expect.stringMatching(/^THOTH_TLS_KEY_FILE: required with THOTH_TLS_CERT_FILE/)]);
    expect(problems({ [CA]: dev.caFile })).toEqual([expect.stringMatching(/^THOTH_GRPC_TLS_CLIENT_CA_FILE: needs THOTH_TLS_CERT_FILE and THOTH_TLS_KEY_FILE/)]);
    expect(problems({ THOTH_TLS_CERT_FILE: '/nonexistent/x.crt', THOTH_TLS_KEY_FILE: dev.keyFile })).toEqual(['THOTH_TLS_CERT_FILE: cannot read /nonexistent/x.crt (ENOENT)']);
    // Another CA's key is not the certificate's.
    expect(problems({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: other.keyFile })).toEqual([expect.stringMatching(/^THOTH_TLS_CERT_FILE, THOTH_TLS_KEY_FILE: not a PEM certificate and its private key \(.*key values mismatch/)]);
    const junk = join(mkdtempSync(join(tmpdir(), 'thoth-tls-')), 'ca.pem');
    writeFileSync(junk, 'not a certificate');
    expect(problems({ THOTH_TLS_CERT_FILE: dev.certFile, THOTH_TLS_KEY_FILE: dev.keyFile, [CA]: junk })).toEqual([`THOTH_GRPC_TLS_CLIENT_CA_FILE: ${junk} holds no PEM certificate`]);
  });
});

describe('readClientTls', () => {
  const VARIABLES = { ca: 'THOTH_CONTROL_PLANE_CA_FILE', cert: 'THOTH_CONTROL_PLANE_CERT_FILE', key: 'THOTH_CONTROL_PLANE_KEY_FILE' };

  it('is plaintext without a CA; TLS with it; mutual with a certificate and key too', () => {
    expect(readClientTls({}, VARIABLES)).toEqual({ ok: true, tls: undefined });
    expect(readClientTls({ THOTH_CONTROL_PLANE_CA_FILE: dev.caFile }, VARIABLES)).toEqual({ ok: true, tls: { ca: dev.ca } });
    expect(readClientTls({ THOTH_CONTROL_PLANE_CA_FILE: dev.caFile, THOTH_CONTROL_PLANE_CERT_FILE: dev.certFile, THOTH_CONTROL_PLANE_KEY_FILE: dev.keyFile }, VARIABLES)).toEqual({
      ok: true,
      tls: { ca: dev.ca, cert: dev.cert, key: dev.key },
    });
  });

  it('names the variable of every problem', () => {
    expect(readClientTls({ THOTH_CONTROL_PLANE_CERT_FILE: dev.certFile, THOTH_CONTROL_PLANE_KEY_FILE: dev.keyFile }, VARIABLES)).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^THOTH_CONTROL_PLANE_CA_FILE: required with THOTH_CONTROL_PLANE_CERT_FILE/)],
    });
    expect(readClientTls({ THOTH_CONTROL_PLANE_CA_FILE: dev.caFile, THOTH_CONTROL_PLANE_KEY_FILE: dev.keyFile }, VARIABLES)).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^THOTH_CONTROL_PLANE_CERT_FILE: required with THOTH_CONTROL_PLANE_KEY_FILE/)],
    });
  });
});
