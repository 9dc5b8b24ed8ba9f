// Writes receipt-key-entry.current.json and directory-key.current.pub with the code of the commit
// that added them; the format is the receipt key directory's first (60ffb17, moved to libs by 3f8895b),
// still current. A record of the receipt keys topic as the control plane publishes it (signReceiptKeyEntry), announcing the key of
// decision-event.trace-parent.bin's enforcer. Run at that commit, copied where @thoth/snapshot resolves:
//   cp <this file> libs/snapshot/src/ && pnpm exec tsx libs/snapshot/src/receipt-key-entry.ts libs/contracts/testdata
import { fromBinary } from '@bufbuild/protobuf';
import { DecisionEventSchema } from '@thoth/contracts';
import { generateSigningKey, publicKeyBase64, signerFromSeed, signReceiptKeyEntry, verifierFromPublicKey } from '@thoth/snapshot';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2]!;
const event = fromBinary(DecisionEventSchema, new Uint8Array(readFileSync(join(dir, 'decision-event.trace-parent.bin'))));
const receiptKey = verifierFromPublicKey(readFileSync(join(dir, 'receipt-key.trace-parent.pub'), 'utf8').trim());
const controlPlane = signerFromSeed(generateSigningKey());
const record = signReceiptKeyEntry(
  { tenantId: event.tenantId, enforcerId: event.enforcerId, instanceId: event.enforcerId, keyId: receiptKey.keyId, publicKey: publicKeyBase64(receiptKey), announcedAt: '2026-12-07T23:50:00.000Z', status: 'active' },
  controlPlane,
);
writeFileSync(join(dir, 'receipt-key-entry.current.json'), `${JSON.stringify(record, null, 2)}\n`);
writeFileSync(join(dir, 'directory-key.current.pub'), `${publicKeyBase64(controlPlane)}\n`);
console.log(record);
