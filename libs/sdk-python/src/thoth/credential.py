from __future__ import annotations

import hashlib


def credential_fingerprint(token: str | bytes) -> str:
    """The fingerprint of a credential as Thoth knows it: lowercase hex SHA-256 of the token's
    UTF-8 bytes (DecideRequest.credential_fingerprint). Only the fingerprint leaves the
    process; the token itself is never sent to the enforcer."""
    data = token.encode("utf-8") if isinstance(token, str) else token
    return hashlib.sha256(data).hexdigest()
