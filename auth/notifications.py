"""Notifications: the ``notifications`` table is every user's inbox; senders deliver copies.

Writing a notification is part of the caller's transaction (an admin's "notify" and its audit
row commit together). Delivery is separate and pluggable: :func:`deliver_pending` hands every
unsent row to a :class:`Sender` and marks it sent. The built-in :class:`InboxSender` delivers to
the in-app inbox only, which the row already is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from auth.errors import ActionRefused
from warehouse.schema import notifications

MAX_SUBJECT = 200
MAX_BODY = 5000


class Sender(Protocol):
    """Delivers one notification (e-mail, chat, …); raising leaves it unsent for a later try."""

    def send(self, notification: dict[str, Any]) -> None: ...


class InboxSender:
    """Delivery to the in-app inbox: nothing to do beyond marking the row sent."""

    def send(self, notification: dict[str, Any]) -> None:
        return None


def check_message(subject: str, body: str) -> None:
    """Refuse an empty or oversized message, or a subject with line breaks (header injection)."""
    if not subject or not subject.strip():
        raise ActionRefused("A notification needs a subject.")
    if any(ch in subject for ch in "\r\n\0"):
        raise ActionRefused("A subject must be one line.")
    if len(subject) > MAX_SUBJECT or len(body) > MAX_BODY:
        raise ActionRefused(f"Subject (≤{MAX_SUBJECT}) or message (≤{MAX_BODY} characters) is too long.")
    if not body or not body.strip():
        raise ActionRefused("A notification needs a message.")


def notify(connection: Connection, user_id: int, *, kind: str, subject: str, body: str,
           created_by: int | None) -> int:
    """Put a message in a user's inbox (in the caller's transaction); return its id."""
    check_message(subject, body)
    return connection.execute(
        notifications.insert().values(user_id=user_id, kind=kind, subject=subject.strip(), body=body,
                                      created_by=created_by).returning(notifications.c.id)
    ).scalar_one()


def inbox(connection: Connection, user_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """The newest notifications of one user."""
    rows = connection.execute(
        sa.select(notifications.c.id, notifications.c.kind, notifications.c.subject,
                  notifications.c.body, notifications.c.created_at, notifications.c.read_at)
        .where(notifications.c.user_id == user_id)
        .order_by(notifications.c.id.desc()).limit(limit)
    ).mappings().all()
    return [dict(row) for row in rows]


def deliver_pending(engine: Engine, sender: Sender, *, batch: int = 100) -> int:
    """Hand unsent notifications to ``sender``; return how many were delivered."""
    delivered = 0
    with engine.begin() as connection:
        query = (sa.select(notifications).where(notifications.c.sent_at.is_(None))
                 .order_by(notifications.c.id).limit(batch))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for row in connection.execute(query).mappings().all():
            sender.send(dict(row))
            connection.execute(notifications.update().where(notifications.c.id == row["id"])
                               .values(sent_at=datetime.now(UTC)))
            delivered += 1
    return delivered
