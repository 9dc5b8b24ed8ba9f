"""Offline verification of decision receipts with the enforcer's public key: a port of
`verifyReceipt` (libs/snapshot/src/receipt.ts, whose module comment defines the payloads).

Version 1 signs the receipt's own payload; versions 2 and 3 are batch-signed: the receipt's
leaf entry is hashed into an RFC 9162 Merkle tree whose root, with the key id and the batch
size, is what the one Ed25519 signature covers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from thoth._gen.decision.v1 import decision_pb2 as pb

HASH_SIZE = 32

ReceiptErrorCode = Literal["UNKNOWN_KEY", "BAD_SIGNATURE", "BAD_BATCH_PROOF", "UNKNOWN_VERSION"]


@dataclass(frozen=True)
class ReceiptCheck:
    ok: bool
    code: ReceiptErrorCode | None = None
    message: str = ""


OK = ReceiptCheck(ok=True)


def key_id_of(public_key: bytes) -> str:
    """`ed25519:` + the first 16 hex digits of SHA-256 of the raw 32-byte public key."""
    return "ed25519:" + hashlib.sha256(public_key).hexdigest()[:16]


def receipt_keys(public_keys: Iterable[bytes | str]) -> dict[str, Ed25519PublicKey]:
    """Trusted keys by key id, from raw 32-byte Ed25519 public keys or their base64."""
    keys: dict[str, Ed25519PublicKey] = {}
    for key in public_keys:
        raw = base64.b64decode(key) if isinstance(key, str) else key
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 public key has 32 bytes, got {len(raw)}")
        keys[key_id_of(raw)] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def _field(name: str, value: str) -> str:
    return f"{name} {len(value.encode('utf-8'))}:{value}\n"


def _outcome(value: int) -> str:
    try:
        return pb.Outcome.Name(value).removeprefix("OUTCOME_")
    except ValueError:
        return "UNSPECIFIED"


def _payload_text(header: str, r: pb.Receipt) -> str:
    text = header
    text += _field("decision_id", r.decision_id)
    text += _field("request_id", r.request_id)
    text += _field("tenant_id", r.tenant_id)
    text += _field("agent_id", r.agent_id)
    text += _field("tool", r.tool)
    text += _field("arguments_digest", r.arguments_digest)
    text += _field("outcome", _outcome(r.outcome))
    text += f"reasons {len(r.reasons)}:\n"
    for reason in r.reasons:
        text += _field("reason", reason)
    text += _field("policy_version", str(r.policy_version))
    text += _field("policy_hash", r.policy_hash)
    text += _field("config_version", str(r.config_version))
    text += _field("decided_at", f"{r.decided_at.seconds}.{r.decided_at.nanos:09d}")
    text += _field("enforcer_id", r.enforcer_id)
    text += _field("key_id", r.key_id)
    return text


def receipt_signing_payload(receipt: pb.Receipt) -> bytes:
    """What a version 1 receipt's signature covers."""
    return _payload_text("thoth.receipt.v1\n", receipt).encode("utf-8")


def receipt_leaf_payload(receipt: pb.Receipt) -> bytes:
    """The leaf entry of a batch-signed receipt (version 2, or 3 with its event digest)."""
    if receipt.receipt_version == 3:
        text = _payload_text("thoth.receipt.v3\n", receipt) + _field("event_digest", receipt.event_digest)
    else:
        text = _payload_text("thoth.receipt.v2\n", receipt)
    return text.encode("utf-8")


def receipt_batch_signing_payload(key_id: str, batch_size: int, root: bytes, version: int) -> bytes:
    text = f"thoth.receipt.batch.v{version}\n" + _field("key_id", key_id)
    text += _field("batch_size", str(batch_size)) + _field("root", root.hex())
    return text.encode("utf-8")


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Iterable[bytes]) -> bytes | str:
    """RFC 9162 §2.1.3.2: the root an inclusion path leads to, or why it leads nowhere."""
    path = list(proof)
    if index < 0 or size < 0 or index >= size:
        return f"leaf index {index} is outside a tree of size {size}"
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return f"proof has more than the {len(path) - 1} hashes a tree of size {size} needs"
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        return f"proof has {len(path)} hashes, too few for leaf {index} of {size}"
    return r


def _verify(key: Ed25519PublicKey, signature: bytes, payload: bytes) -> bool:
    if len(signature) != 64:
        return False
    try:
        key.verify(signature, payload)
    except InvalidSignature:
        return False
    return True


def verify_receipt(receipt: pb.Receipt, trusted: Mapping[str, Ed25519PublicKey]) -> ReceiptCheck:
    """Verifies a receipt of any version offline, with the enforcer keys one trusts
    (`receipt_keys([...])`)."""
    key = trusted.get(receipt.key_id)
    if key is None:
        return ReceiptCheck(False, "UNKNOWN_KEY", f"receipt signed by unknown key {receipt.key_id!r}")
    version = receipt.receipt_version
    if version in (0, 1):
        if receipt.batch_size or receipt.batch_index or len(receipt.batch_path) > 0:
            return ReceiptCheck(False, "BAD_BATCH_PROOF", "a version 1 receipt carries no batch fields")
        if not _verify(key, receipt.signature, receipt_signing_payload(receipt)):
            return ReceiptCheck(False, "BAD_SIGNATURE", f"receipt signature does not verify with key {receipt.key_id}")
        return OK
    if version not in (2, 3):
        return ReceiptCheck(False, "UNKNOWN_VERSION", f"receipt version {version} is not known to this verifier")
    if any(len(p) != HASH_SIZE for p in receipt.batch_path):
        return ReceiptCheck(False, "BAD_BATCH_PROOF", f"a batch path hash is not {HASH_SIZE} bytes")
    leaf = leaf_hash(receipt_leaf_payload(receipt))
    root = root_from_inclusion_proof(receipt.batch_index, receipt.batch_size, leaf, receipt.batch_path)
    if isinstance(root, str):
        return ReceiptCheck(False, "BAD_BATCH_PROOF", f"batch inclusion path: {root}")
    payload = receipt_batch_signing_payload(receipt.key_id, receipt.batch_size, root, version)
    if not _verify(key, receipt.signature, payload):
        return ReceiptCheck(False, "BAD_SIGNATURE", f"batch signature does not verify with key {receipt.key_id}")
    return OK
