"""The ``next`` check on its own (checklist A12; the end-to-end test is in test_login.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

from auth.redirects import safe_next


def test_local_paths_are_kept():
    for path in ("/maintenance/AMO1/production", "/maintenance/AMO1/admin?tab=users", "/"):
        assert safe_next(path, "/home") == path


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("/\\:%2F5cC@.evilhtps \t\r\n／．\x00")), max_size=20))
def test_nothing_leaves_the_origin(value):
    """Whatever the input, the result is a path without scheme or host, or the fallback."""
    result = safe_next(value, "/home")
    parts = urlsplit(result)
    assert result == "/home" or (not parts.scheme and not parts.netloc and result.startswith("/")
                                 and not result.startswith("//") and "\\" not in result)
