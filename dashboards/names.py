"""Words for what events hold: people by name and records by label, each a link to its page,
event names in words, times relative to now.

:class:`Names` looks up every name and label a list of events needs in one query per record
type, within the reader's AMO only: an id of another AMO gets no name, never someone else's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from dash import html
from sqlalchemy.engine import Connection

from auth.directory import full_names
from auth.policy import may_open_page
from dashboards import records
from dashboards.paths import record_path, user_path

USER_PAGE = "admin/users/<user_id>"
AUDIT_WORDS = {
    "CREATE": "created", "UPDATE": "updated", "STATE_CHANGE": "changed the status of", "SIGN": "signed",
    "VOID": "voided", "VIEW": "viewed", "EXPORT": "exported", "LOGIN": "signed in",
    "LOGIN_FAILED": "failed to sign in", "LOGOUT": "signed out", "LOCKOUT": "was locked out",
    "PASSWORD_RESET": "set a new password for", "PASSWORD_RESET_REQUEST": "asked for a password reset for",
    "AUTHZ_DENIED": "was refused", "CONSOLE_QUERY": "ran an archive console query",
    "ADMIN_DISABLE": "disabled", "ADMIN_ENABLE": "enabled", "ADMIN_REVOKE": "revoked the sessions of",
    "ADMIN_RESET": "sent a password reset to", "ADMIN_NOTIFY": "sent a message to",
    "ADMIN_SCHEDULE": "scheduled an action for", "ADMIN_CANCEL_SCHEDULE": "cancelled a scheduled action for",
    "ADMIN_SET_ROLE": "changed the role of", "ADMIN_CREATE_USER": "created the account of",
}
KIND_WORDS = {
    "user.created": "created the account of", "user.sessions_revoked": "revoked the sessions of",
    "user.password_reset": "sent a password reset to", "user.notified": "sent a message to",
    "user.action_scheduled": "scheduled an action for", "user.schedule_cancelled": "cancelled a schedule for",
    "user.role_changed": "changed the role of", "car.effectiveness_checked": "checked the effectiveness of",
    "crs.issued": "issued the CRS of", "removal.shop_finding": "recorded a shop finding on",
    "tool.recall_review": "started a recall review of", "utilisation.reported": "reported utilisation of",
    "aircraft.in_check": "put into check", "defect.repeat_detected": "detected a repeat defect on",
}
ENTITY_WORDS = {"cars": "CAR", "staff_authorisations": "authorisation", "users": "user"}


def event_dicts(frame) -> list[dict]:
    """A warehouse page's events as dicts, with None (not NaN or NaT) for missing values."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def markdown_link(text: str, href: str | None) -> str:
    """A grid cell's text as a markdown link (or plain text without ``href``), markup escaped."""
    escaped = "".join(f"\\{c}" if c in "\\`*_[]()<>#!|" else c for c in text)
    return f"[{escaped}]({href})" if href else escaped


def action_words(action: str | None) -> str:
    """An audit action in words: ``ADMIN_DISABLE`` → "disabled"."""
    return AUDIT_WORDS.get(action or "", (action or "").replace("_", " ").lower())


def kind_words(kind: str | None) -> str:
    """An activity kind as a verb phrase: ``car.closed`` → "closed"."""
    return KIND_WORDS.get(kind or "", (kind or "").rpartition(".")[2].replace("_", " "))


def entity_words(entity_type: str | None) -> str:
    """A record type in words, singular: ``safety_reports`` → "safety report"."""
    if not isinstance(entity_type, str) or not entity_type:
        return ""
    return ENTITY_WORDS.get(entity_type, entity_type.removesuffix("s").replace("_", " "))


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """"just now", "5 min ago", "3 h ago", "2 days ago", then the date."""
    if moment is None:
        return "never"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 14 * 86_400:
        days = int(seconds // 86_400)
        return "1 day ago" if days == 1 else f"{days} days ago"
    return f"{moment:%d %b %Y}"


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@dataclass
class Names:
    """The names and labels of one AMO's users and records that a list of events mentions."""

    amo_code: str
    users: dict[int, str] = field(default_factory=dict)
    link_users: bool = True  # whether the reader may open user pages (else names are plain text)
    labels: dict[tuple[str, int], str] = field(default_factory=dict)

    @classmethod
    def load(cls, connection: Connection, user, events: Iterable[dict]) -> Names:
        """What ``events`` (dicts with actor_user_id, entity_type, entity_id) mention, in ``user``'s AMO."""
        events = list(events)
        user_ids = {_int(event.get("actor_user_id")) for event in events}
        by_type: dict[str, set[int]] = {}
        for event in events:
            entity_id = _int(event.get("entity_id"))
            if event.get("entity_type") == "users":
                user_ids.add(entity_id)
            elif event.get("entity_type") in records.KINDS and entity_id:
                by_type.setdefault(event["entity_type"], set()).add(entity_id)
        names = cls(user.amo_code, full_names(connection, user.amo_id, {i for i in user_ids if i}),
                    may_open_page(user.role, user.department_code, USER_PAGE))
        for kind, ids in by_type.items():
            numbered = records.KINDS[kind].label == "id"  # no number of its own: "tool calibration 85"
            for record_id, label in records.labels(connection, user.amo_id, kind, ids).items():
                names.labels[(kind, record_id)] = f"{entity_words(kind)} {label}" if numbered else label
        return names

    def user_name(self, user_id) -> str:
        number = _int(user_id)
        if number is None:
            return "The system"
        return self.users.get(number, "A former user")

    def user_href(self, user_id) -> str | None:
        number = _int(user_id)
        return user_path(self.amo_code, number) if self.link_users and number in self.users else None

    @staticmethod
    def about_actor(event: dict) -> bool:
        """Whether the event's record is its actor's own account (sign-ins): no need to name it twice."""
        return event.get("entity_type") == "users" and _int(event.get("entity_id")) == _int(
            event.get("actor_user_id"))

    def record_label(self, entity_type, entity_id) -> str:
        number = _int(entity_id)
        if entity_type == "users":
            return self.user_name(number)
        label = self.labels.get((entity_type, number)) if number else None
        return label or f"{entity_words(entity_type)} {entity_id}".strip()

    def record_href(self, entity_type, entity_id) -> str | None:
        number = _int(entity_id)
        if entity_type == "users":
            return self.user_href(number)
        if (entity_type, number) in self.labels:
            return record_path(self.amo_code, entity_type, number)
        return None

    def user_link(self, user_id, class_name: str = "user-link"):
        """The user's name, linked to the user page when it is a user of this AMO."""
        href = self.user_href(user_id)
        name = self.user_name(user_id)
        return html.A(name, href=href, className=class_name) if href else html.Span(name)

    def record_link(self, entity_type, entity_id, class_name: str = "record-link"):
        """The record's label, linked to its page when it is a record of this AMO."""
        if not entity_type:
            return html.Span("")
        href = self.record_href(entity_type, entity_id)
        label = self.record_label(entity_type, entity_id)
        return html.A(label, href=href, className=class_name) if href else html.Span(label)
