"""Ed25519 keys for manifest and checkpoint signatures: make a key pair, sign a document."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from etl.errors import EtlError
from warehouse.archive.manifest import Manifest
from warehouse.archive.signatures import ALGORITHM, key_id, signing_payload


def generate_keypair(private_path: Path) -> tuple[Path, str]:
    """Write a new private key (PEM, mode 0600) and its public key beside it (``.pub``).

    Refuses to overwrite an existing key: losing it would orphan every signature made with it.
    Returns the public key path and the key id.
    """
    private_path = Path(private_path)
    public_path = private_path.with_name(private_path.name + ".pub")
    for path in (private_path, public_path):
        if path.exists():
            raise EtlError(f"{path} already exists; choose another path or move the old key away first")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(private_pem)
    public_path.write_bytes(public_pem)
    return public_path, key_id(key.public_key())


class Signer:
    """Signs manifests with the private key named by ``AMOSCOPE_SIGNING_KEY_PATH``."""

    def __init__(self, private_path: Path):
        where = f"AMOSCOPE_SIGNING_KEY_PATH={private_path}"
        try:
            data = Path(private_path).read_bytes()
            key = serialization.load_pem_private_key(data, password=None)
        except OSError as error:
            raise EtlError(f"{where}: cannot read it ({error.strerror})") from None
        except (ValueError, TypeError) as error:
            raise EtlError(f"{where} is not an unencrypted PEM key: {error}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise EtlError(f"{where} is not an Ed25519 key (make one with 'amoscope archive keygen')")
        self._key = key
        self.key_id = key_id(key.public_key())

    def signature(self, document: dict) -> dict[str, str]:
        """The ``signature`` member for a document (manifest or checkpoint) without one."""
        value = base64.b64encode(self._key.sign(signing_payload(document))).decode()
        return {"algorithm": ALGORITHM, "key_id": self.key_id, "value": value}

    def sign(self, manifest: Manifest) -> Manifest:
        return manifest.with_signature(self.signature(manifest.to_document(with_signature=False)))
