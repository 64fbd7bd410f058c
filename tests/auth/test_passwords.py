"""Password storage and policy (checklist A8, A9)."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from auth.errors import PasswordRejected
from auth.passwords import hash_password, verify_password


def test_password_storage_uses_argon2id_with_production_costs():
    """A9: the default hash is argon2id with RFC 9106 costs (m=65536, t=3, p=4)."""
    stored = hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (65536, 3, 4)
    assert verify_password(stored, "correct horse battery staple") == (True, None)
    assert verify_password(stored, "correct horse battery stapler") == (False, None)


def test_owasp_minimum_profile_meets_the_floor():
    parameters = extract_parameters(hash_password("correct horse battery staple", "owasp-minimum"))
    assert parameters.memory_cost >= 19456 and parameters.time_cost >= 2 and parameters.parallelism == 1


def test_werkzeug_scrypt_hashes_are_rejected():
    """A9: a werkzeug default (scrypt) hash never verifies, whatever the password."""
    from werkzeug.security import generate_password_hash
    scrypt = generate_password_hash("correct horse battery staple")
    assert scrypt.startswith("scrypt:")
    assert verify_password(scrypt, "correct horse battery staple") == (False, None)


def test_unknown_profile_is_a_clear_error():
    with pytest.raises(ValueError, match="AMOSCOPE_PASSWORD_HASH_PROFILE"):
        hash_password("correct horse battery staple", "fast")


def test_password_policy_edges():
    """A8: 7 characters rejected; 8, 64 and 128 accepted; 129 rejected; the top-3000 list
    rejected; Unicode accepted; no truncation."""
    with pytest.raises(PasswordRejected):
        hash_password("x" * 7, "owasp-minimum")
    with pytest.raises(PasswordRejected):
        hash_password("y" * 129, "owasp-minimum")
    with pytest.raises(PasswordRejected):
        hash_password(" " * 12, "owasp-minimum")
    for common in ("password", "Password", "iloveyou", "qwertyuiop", "1234567890"):
        with pytest.raises(PasswordRejected, match="most common"):
            hash_password(common, "owasp-minimum")
    for password in ("z" * 8, "a" * 64, "b" * 128, "pässwörd ✈️🔧 Ünïcode"):
        stored = hash_password(password, "owasp-minimum")
        assert verify_password(stored, password, "owasp-minimum")[0]
    long_password = "c" * 100 + "d" * 28
    stored = hash_password(long_password, "owasp-minimum")
    changed_past_byte_72 = "c" * 100 + "e" + "d" * 27
    assert not verify_password(stored, changed_past_byte_72, "owasp-minimum")[0]
