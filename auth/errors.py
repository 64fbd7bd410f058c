"""The exceptions of the auth package; each message is safe to show to the person who acted."""

from __future__ import annotations


class AuthError(Exception):
    """Base of every auth error."""


class PasswordRejected(AuthError):
    """A new password breaks the password policy; the message says which rule."""


class PermissionDenied(AuthError):
    """The policy table does not allow this role this page, callback or action."""


class ActionRefused(AuthError):
    """An allowed action that makes no sense on this target (disable yourself, last superuser…)."""


class UnknownUser(AuthError):
    """No user with that id or username in the actor's AMO."""


class InvalidResetToken(AuthError):
    """A reset token that is unknown, expired, already used or replaced by a newer one."""

    def __init__(self) -> None:
        super().__init__("This reset link is invalid or has expired. Request a new one.")


class RateLimited(AuthError):
    """Too many attempts; ``retry_after`` is the number of seconds until the next one may pass."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


class InsecureConfiguration(AuthError):
    """A setting would make the app unsafe (e.g. a weak secret key outside the demo)."""
