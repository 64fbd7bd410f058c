"""Input checks at the edge: what a request and its fields must look like before any handler
acts on them.

Malformed input gets a clear 4xx, never a 500: 400 when the request cannot be read (control
characters in the path or query, a username with a NUL byte, JSON that does not parse), 413
when the body is larger than any page sends, 422 when it parses but is not what the endpoint
takes (a Dash dispatch body of the wrong shape or types). Each refusal is audited as
INPUT_REJECTED, and refused logins and reset requests still count against the rate limits.

PostgreSQL cannot store a NUL byte in text, so whatever a refusal records goes through
:func:`storable` first.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

import flask

from auth.errors import AuthError

MAX_BODY_BYTES = 1024 * 1024  # the largest request any page sends (a console query) is ~20 KB
MAX_USERNAME = 254
MAX_PASSWORD_INPUT = 1024  # no valid password is longer than 128 characters (auth.passwords)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
NOT_TEXT = re.compile(r"[\x00\ud800-\udfff]")  # what no text column can hold or UTF-8 encode


class BadInput(AuthError):
    """The request cannot be acted on as sent; the message says why and is safe to show."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def storable(text: str) -> str:
    """``text`` with NUL bytes and lone surrogates replaced by U+FFFD, so it can be counted and
    audited whatever it held (other control characters are kept: audit values are data)."""
    return NOT_TEXT.sub("\ufffd", text)


def request_problem(request: flask.Request) -> BadInput | None:
    """Why the request line itself is unreadable (path, query, size), or None."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return BadInput(f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.", 413)
    if CONTROL.search(request.path):
        return BadInput("The address contains control characters.")
    if CONTROL.search(unquote_plus(request.query_string.decode("utf-8", "replace"))):
        return BadInput("The address contains control characters.")
    return None


def username_problem(username: object) -> BadInput | None:
    """Why a submitted username cannot be one (wrong type, too long, control characters)."""
    if not isinstance(username, str):
        return BadInput("The username must be text.")
    if len(username) > MAX_USERNAME:
        return BadInput(f"The username is longer than {MAX_USERNAME} characters.")
    if CONTROL.search(username) or NOT_TEXT.search(username):
        return BadInput("The username contains control characters.")
    return None


def password_problem(password: object) -> BadInput | None:
    """Why a submitted password cannot be checked (wrong type or far too long)."""
    if not isinstance(password, str):
        return BadInput("The password must be text.")
    if len(password) > MAX_PASSWORD_INPUT:
        return BadInput(f"The password is longer than {MAX_PASSWORD_INPUT} characters.")
    return None
