"""The keyed hash behind every pseudonymous ID (visitor, user, cookie): one definition for the
collector that derives them and the deletion code that finds them again."""

from __future__ import annotations

import hashlib


def keyed_hash(key: bytes, *parts: object) -> int:
    """A 64-bit keyed BLAKE2b hash of the parts."""
    digest = hashlib.blake2b(key=key[:64], digest_size=8)
    for part in parts:
        data = str(part).encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(4, "little"))
        digest.update(data)
    return int.from_bytes(digest.digest(), "little")
