"""Merkle tree over row hashes, and inclusion proofs that verify with nothing but hashlib.

Leaves are the row hashes (already ``SHA-256(0x00 || row)``). Each level pairs neighbours,
``SHA-256(0x01 || left || right)``; an odd last node moves up unchanged. The root of no leaves is
``SHA-256("")``. The distinct prefixes keep a leaf from passing for an inner node.

This is the RFC 6962 tree shape: the first ``k`` levels reduce every aligned run of ``2**k``
leaves to that run's own root (and the last, shorter run to its root), so the root of all
leaves is the root over those run roots. :class:`MerkleBuilder` uses that to take leaves as they
come and keep one run of them, not the whole batch. A level is hashed by one compiled loop
(:func:`warehouse.archive.hashing.sha256_pairs`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from warehouse.archive.hashing import DIGEST_SIZE, sha256_pairs

NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
RUN_LEAVES = 1 << 16


def leaf_array(leaves: Sequence[bytes] | np.ndarray) -> np.ndarray:
    """Leaves as an ``(n, 32)`` uint8 array (a list of 32-byte digests, or such an array)."""
    if isinstance(leaves, np.ndarray):
        return leaves.reshape(-1, DIGEST_SIZE)
    if any(len(leaf) != DIGEST_SIZE for leaf in leaves):
        raise ValueError("Merkle leaves must be 32-byte SHA-256 digests")
    return np.frombuffer(b"".join(leaves), np.uint8).reshape(-1, DIGEST_SIZE)


def _next_level(level: np.ndarray) -> np.ndarray:
    paired = sha256_pairs(NODE_PREFIX, level)
    return np.concatenate([paired, level[-1:]]) if len(level) % 2 else paired


def merkle_root(leaves: Sequence[bytes] | np.ndarray) -> bytes:
    """The root of the tree over ``leaves`` (in order)."""
    level = leaf_array(leaves)
    if len(level) == 0:
        return EMPTY_ROOT
    while len(level) > 1:
        level = _next_level(level)
    return level[0].tobytes()


class MerkleBuilder:
    """The Merkle root of leaves added piece by piece, in order, with bounded memory.

    Keeps fewer than ``run_leaves`` (a power of two) pending leaves plus one root per full run.
    """

    def __init__(self, run_leaves: int = RUN_LEAVES):
        if run_leaves < 1 or run_leaves & (run_leaves - 1):
            raise ValueError(f"run_leaves must be a power of two, got {run_leaves}")
        self._run_leaves = run_leaves
        self._pending: list[np.ndarray] = []
        self._pending_count = 0
        self._run_roots: list[bytes] = []
        self.count = 0

    def add(self, leaves: np.ndarray) -> None:
        """Append leaves (an ``(n, 32)`` uint8 array) after those added before."""
        self._pending.append(leaves)
        self._pending_count += len(leaves)
        self.count += len(leaves)
        if self._pending_count >= self._run_leaves:
            pending = np.concatenate(self._pending)
            full = len(pending) - len(pending) % self._run_leaves
            for start in range(0, full, self._run_leaves):
                self._run_roots.append(merkle_root(pending[start:start + self._run_leaves]))
            self._pending = [pending[full:]]
            self._pending_count = len(pending) - full

    def root(self) -> bytes:
        """The root over every leaf added so far."""
        roots = list(self._run_roots)
        if self._pending_count:
            roots.append(merkle_root(np.concatenate(self._pending)))
        return merkle_root(roots) if roots else EMPTY_ROOT


def inclusion_proof(leaves: Sequence[bytes] | np.ndarray, index: int) -> list[dict[str, str]]:
    """The sibling hashes from leaf ``index`` up to the root: ``[{"side": "left"|"right", "hash"}]``."""
    level = leaf_array(leaves)
    if not 0 <= index < len(level):
        raise IndexError(f"leaf {index} is outside a tree of {len(level)} leaves")
    proof = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            side = "left" if sibling < index else "right"
            proof.append({"side": side, "hash": level[sibling].tobytes().hex()})
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
