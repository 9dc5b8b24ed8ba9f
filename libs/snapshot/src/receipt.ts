import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Outcome, ReceiptSchema, type Receipt } from '@thoth/contracts';
import type { Keyring, Signer } from './keys.js';

/**
 * The bytes an enforcer signs for a receipt, version 1. Language-neutral on purpose:
 * the ledger and the offline verifier rebuild it from the Receipt message alone.
 *
 *   thoth.receipt.v1\n
 *   then one line per field, in this order, each `<name> <n>:<value>\n` where <value>
 *   is UTF-8 and <n> its length in bytes (so values may hold any character, newlines too):
 *     decision_id, request_id, tenant_id, agent_id, tool, arguments_digest,
 *     outcome            ALLOW | DENY | WOULD_DENY | UNSPECIFIED
 *     reasons            <n> is the number of reasons; each follows as `reason <n>:<value>\n`
 *     policy_version     decimal
 *     policy_hash
 *     config_version     decimal
 *     decided_at         `<unix seconds>.<nanoseconds, 9 digits>` (UTC)
 *     enforcer_id, key_id
 *
 * The signature (Receipt.signature) is Ed25519 over these bytes with the key that key_id
 * names (`ed25519:` + the first 16 hex digits of SHA-256 of the raw public key).
 */
export function receiptSigningPayload(receipt: Receipt): Uint8Array {
  const field = (name: string, value: string) => `${name} ${Buffer.byteLength(value, 'utf8')}:${value}\n`;
  const seconds = receipt.decidedAt?.seconds ?? 0n;
  const nanos = receipt.decidedAt?.nanos ?? 0;
  let text = 'thoth.receipt.v1\n';
  text += field('decision_id', receipt.decisionId);
  text += field('request_id', receipt.requestId);
  text += field('tenant_id', receipt.tenantId);
  text += field('agent_id', receipt.agentId);
  text += field('tool', receipt.tool);
  text += field('arguments_digest', receipt.argumentsDigest);
  text += field('outcome', Outcome[receipt.outcome] ?? 'UNSPECIFIED');
  text += `reasons ${receipt.reasons.length}:\n`;
  for (const reason of receipt.reasons) text += field('reason', reason);
  text += field('policy_version', receipt.policyVersion.toString());
  text += field('policy_hash', receipt.policyHash);
  text += field('config_version', receipt.configVersion.toString());
  text += field('decided_at', `${seconds}.${String(nanos).padStart(9, '0')}`);
  text += field('enforcer_id', receipt.enforcerId);
  text += field('key_id', receipt.keyId);
  return Buffer.from(text, 'utf8');
}

/** Sets key_id and signs; the given signature, if any, is replaced. */
export function signReceipt(init: MessageInitShape<typeof ReceiptSchema>, signer: Signer): Receipt {
  const receipt = create(ReceiptSchema, { ...init, keyId: signer.keyId, signature: new Uint8Array(0) });
  receipt.signature = signer.sign(receiptSigningPayload(receipt));
  return receipt;
}

export type ReceiptCheck = { readonly ok: true } | { readonly ok: false; readonly code: 'UNKNOWN_KEY' | 'BAD_SIGNATURE'; readonly message: string };

export function verifyReceipt(receipt: Receipt, trusted: Keyring): ReceiptCheck {
  const verifier = trusted.get(receipt.keyId);
  if (!verifier) return { ok: false, code: 'UNKNOWN_KEY', message: `receipt signed by unknown key ${JSON.stringify(receipt.keyId)}` };
  if (!verifier.verify(receiptSigningPayload(receipt), receipt.signature)) {
    return { ok: false, code: 'BAD_SIGNATURE', message: `receipt signature does not verify with key ${receipt.keyId}` };
  }
  return { ok: true };
}
