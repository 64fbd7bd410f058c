"""Checking the Ed25519 signatures of manifests and checkpoints against a trusted public key.

A signature covers the canonical JSON of the document as stored, minus its ``signature`` member:
every member, including ones this version does not know, so a later format's additions stay
signed and a verifier never needs to know a member to check it. The public key is never taken
from the archive itself (whoever could rewrite the archive could put their own key there): the
verifier is given it, as a PEM file.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from warehouse.archive.errors import ArchiveError
from warehouse.archive.manifest import canonical_json

ALGORITHM = "ed25519"


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key (PEM), or the public half of a private key PEM."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ArchiveError(f"cannot read the public key {path}: {error.strerror}") from None
    try:
        if b"PRIVATE KEY" in data:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise ArchiveError(f"{path} is not a PEM key: {error}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ArchiveError(f"{path} is not an Ed25519 key")
    return key


def signing_payload(document: dict) -> bytes:
    """What a signature signs: the canonical JSON of ``document`` without ``signature``."""
    return canonical_json({key: value for key, value in document.items() if key != "signature"})


def signature_problem(document: dict, public_key: Ed25519PublicKey) -> str | None:
    """Why the stored document's signature does not verify with ``public_key``, or None if it does."""
    signature = document.get("signature")
    if not isinstance(signature, dict) or not signature:
        return "is not signed, but a signing key is expected"
    if signature.get("algorithm") != ALGORITHM:
        return f"signature algorithm {signature.get('algorithm')!r} is not {ALGORITHM!r}"
    if signature.get("key_id") != key_id(public_key):
        return f"signed by key {signature.get('key_id')!r}, not the trusted key {key_id(public_key)!r}"
    try:
        public_key.verify(base64.b64decode(signature.get("value", ""), validate=True),
                          signing_payload(document))
    except (InvalidSignature, ValueError):
        return "signature does not match its content"
    return None
