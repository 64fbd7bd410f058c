"""Who performs a command-center action: a signed-in admin, or the system (CLI operator, scheduler).

Its own module because both the action frame (:mod:`auth.command_center`) and the actions
themselves (:mod:`auth.user_actions`) need it, and the frame imports the actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from auth.sessions import SessionUser
from warehouse.events import RequestContext


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a signed-in admin, or the system (CLI operator, scheduler)."""

    role: str
    user_id: int | None
    amo_id: int | None  # None: the system, which may act in any AMO
    context: RequestContext
    base_url: str = "http://127.0.0.1:8050"
    session_id: int | None = None  # rechecked inside the action's transaction

    @classmethod
    def from_session(cls, user: SessionUser, context: RequestContext, base_url: str) -> Actor:
        return cls(role=user.role, user_id=user.user_id, amo_id=user.amo_id, context=context,
                   base_url=base_url, session_id=user.session_id)

    @classmethod
    def system(cls, base_url: str, *, auth_method: str = "CLI", on_behalf_of: int | None = None) -> Actor:
        context = RequestContext(auth_method=auth_method, actor_role="system", on_behalf_of=on_behalf_of)
        return cls(role="system", user_id=None, amo_id=None, context=context, base_url=base_url)
