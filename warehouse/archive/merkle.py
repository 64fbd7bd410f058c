"""Merkle tree over row hashes, and inclusion proofs that verify with nothing but hashlib.

Leaves are the row hashes (already ``SHA-256(0x00 || row)``). Each level pairs neighbours,
``SHA-256(0x01 || left || right)``; an odd last node moves up unchanged. The root of no leaves is
``SHA-256("")``. The distinct prefixes keep a leaf from passing for an inner node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def _next_level(level: Sequence[bytes]) -> list[bytes]:
    sha256 = hashlib.sha256
    paired = [sha256(NODE_PREFIX + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])
    return paired


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over ``leaves`` (in order)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        level = _next_level(level)
    return level[0]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[dict[str, str]]:
    """The sibling hashes from leaf ``index`` up to the root: ``[{"side": "left"|"right", "hash"}]``."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} is outside a tree of {len(leaves)} leaves")
    proof = []
    level = list(leaves)
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append({"side": "left" if sibling < index else "right", "hash": level[sibling].hex()})
        level = _next_level(level)
        index //= 2
    return proof


def root_from_proof(leaf: bytes, proof: Sequence[dict[str, str]]) -> bytes:
    """The root a proof leads to from ``leaf``; equal to the manifest's root iff the leaf is in it."""
    node = leaf
    for step in proof:
        sibling = bytes.fromhex(step["hash"])
        if step["side"] == "left":
            node = hashlib.sha256(NODE_PREFIX + sibling + node).digest()
        elif step["side"] == "right":
            node = hashlib.sha256(NODE_PREFIX + node + sibling).digest()
        else:
            raise ValueError(f"proof step side must be 'left' or 'right', got {step['side']!r}")
    return node
