import { ApprovalStep_Kind, type DecisionEvent } from '@thoth/contracts';
import { keyIdOf, keyring, verifierFromPublicKey, type Keyring, type Verifier } from './keys.js';
import { verifyDecisionEvent, type DecisionEventCheck } from './event-digest.js';

/**
 * Why a decision is not believed; stable codes, the same wherever decisions are ingested (the
 * control plane's read model and the ledger), stored with each quarantined event and counted.
 */
export type DecisionTrustCode =
  | 'receipt.missing'
  | 'receipt.unknown_key'
  | 'receipt.wrong_enforcer'
  | 'receipt.downgraded'
  | 'receipt.bad_signature'
  | 'receipt.bad_batch_proof'
  | 'receipt.event_mismatch'
  | 'receipt.unknown_version';

export type DecisionVerdict = { readonly ok: true } | { readonly ok: false; readonly code: DecisionTrustCode; readonly reason: string };

/**
 * The process name the control plane signs its own decisions under (a person's approval or
 * rejection, docs/approvals.md): its receipt key is in every tenant's directory under this
 * instance id, which no enforcer may take (the config stream refuses it in a Hello).
 */
export const CONTROL_PLANE_INSTANCE = 'thoth-control-plane';

/** A receipt key of one of a tenant's enforcers, and the process that announced it. */
export interface AnnouncedKey {
  readonly keyId: string;
  readonly publicKey: string;
  readonly instanceId: string;
}

/** The receipt keys a tenant's enforcers announced: what that tenant's decisions are verified against. */
export class TenantReceiptKeys {
  private constructor(
    readonly keyring: Keyring,
    /** Key id → the instance ids that announced it. */
    private readonly instances: ReadonlyMap<string, ReadonlySet<string>>,
  ) {}

  static readonly NONE = new TenantReceiptKeys(new Map(), new Map());

  /** Throws on a public key that is not 32 bytes of base64 or whose id is not `keyId` (the directory's readers check first). */
  static of(announced: Iterable<AnnouncedKey>): TenantReceiptKeys {
    const verifiers = [];
    const instances = new Map<string, Set<string>>();
    for (const { keyId, publicKey, instanceId } of announced) {
      const verifier = verifierFromPublicKey(publicKey);
      if (verifier.keyId !== keyId) throw new Error(`key id ${keyId} is not the id of its public key, ${keyIdOf(verifier.publicKey)}`);
      verifiers.push(rememberingBatches(verifier));
      instances.set(keyId, (instances.get(keyId) ?? new Set()).add(instanceId));
    }
    return new TenantReceiptKeys(keyring(verifiers), instances);
  }

  has(keyId: string): boolean {
    return this.keyring.has(keyId);
  }

  keyIds(): string[] {
    return [...this.keyring.keys()];
  }

  announcedBy(keyId: string, instanceId: string): boolean {
    return this.instances.get(keyId)?.has(instanceId) ?? false;
  }
}

const REMEMBERED = 16_384;

/**
 * The batch signatures already verified, under whichever tenant: `${keyId} ${signature}` → the
 * payload it verified over. Only the exact payload and signature that verified under a key are
 * remembered, so a hit proves what a fresh verification would; the tenant's own keyring still
 * decides whether that key counts for the event's tenant (TenantReceiptKeys.of).
 */
const verifiedBatches = new Map<string, string>();

/**
 * An enforcer signs a batch of receipts with one signature over their root: its decisions arrive
 * together, so the signature of a batch already verified is not verified again for each of them
 * (one Ed25519 verification, ~60 µs, per batch instead of per event). An enforcer serving several
 * tenants signs their decisions in one batch: the memory is shared by every tenant's keys, the
 * last REMEMBERED batches of all keys.
 */
function rememberingBatches(verifier: Verifier): Verifier {
  return {
    keyId: verifier.keyId,
    publicKey: verifier.publicKey,
    verify: (payload, signature) => {
      const batch = `${verifier.keyId} ${Buffer.from(signature).toString('base64')}`;
      const signed = Buffer.from(payload).toString('base64');
      if (verifiedBatches.get(batch) === signed) return true;
      if (!verifier.verify(payload, signature)) return false;
      if (verifiedBatches.size >= REMEMBERED) verifiedBatches.delete(verifiedBatches.keys().next().value!);
      verifiedBatches.set(batch, signed);
      return true;
    },
  };
}

const CODES: Record<Exclude<DecisionEventCheck, { ok: true }>['code'], DecisionTrustCode> = {
  NO_RECEIPT: 'receipt.missing',
  UNKNOWN_KEY: 'receipt.unknown_key',
  BAD_SIGNATURE: 'receipt.bad_signature',
  BAD_BATCH_PROOF: 'receipt.bad_batch_proof',
  EVENT_MISMATCH: 'receipt.event_mismatch',
  UNKNOWN_VERSION: 'receipt.unknown_version',
};

/**
 * Believes a decision only if its receipt verifies, over the whole event (version 3), with a key
 * an enforcer of the event's own tenant announced (`keys` are that tenant's), from the process
 * the event names. The one rule every ingestion of decisions applies (docs/security.md).
 * `encoded`: the bytes `event` was decoded from, when the caller has them (verifyDecisionEvent).
 */
export function judgeDecisionEvent(event: DecisionEvent, keys: TenantReceiptKeys, encoded?: Uint8Array): DecisionVerdict {
  const check = verifyDecisionEvent(event, keys.keyring, encoded);
  if (!check.ok) return { ok: false, code: CODES[check.code], reason: check.message };
  // Only enforcers that sign the whole event announce keys: an older receipt under one is a downgrade.
  if (check.coverage !== 'event') return { ok: false, code: 'receipt.downgraded', reason: `a receipt of version ${event.receipt?.receiptVersion} covers only its own fields, and key ${check.keyId} signs whole events` };
  if (!keys.announcedBy(check.keyId, event.enforcerId)) {
    return { ok: false, code: 'receipt.wrong_enforcer', reason: `key ${check.keyId} was not announced by enforcer process ${event.enforcerId}` };
  }
  // Only a person, through the control plane, approves or rejects: an enforcer's key never signs that step.
  const step = event.approval?.kind;
  if ((step === ApprovalStep_Kind.APPROVED || step === ApprovalStep_Kind.REJECTED) && event.enforcerId !== CONTROL_PLANE_INSTANCE) {
    return { ok: false, code: 'receipt.wrong_enforcer', reason: `an approval or rejection is the control plane's decision (${CONTROL_PLANE_INSTANCE}), not enforcer process ${event.enforcerId}'s` };
  }
  return { ok: true };
}
