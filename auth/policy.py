"""The access policy: the one table of who reaches which page, Dash callback and action.

Everything not listed here is denied. Scope (AMO and department) always comes from the signed-in
user, never from what a request asks for: :func:`department_in_scope` decides which department's
data a page may show.

Adding a page: one row in :data:`PAGES` (and one per callback in :data:`CALLBACKS`).
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("superuser", "admin", "quality", "auditor", "member")
ADMINS = frozenset({"superuser", "admin"})

# Department code → the slug of its page under /maintenance/<amo>/.
DEPARTMENT_SLUGS = {
    "QUAL": "quality", "PLAN": "planning", "PROD": "production", "REL": "reliability",
    "SAFE": "safety", "STOR": "stores", "ENG": "engineering", "WKSP": "workshops", "ADMIN": "admin",
}
SLUG_DEPARTMENTS = {slug: code for code, slug in DEPARTMENT_SLUGS.items()}


@dataclass(frozen=True)
class PageRule:
    """Who may open a page: these roles, plus members of ``department`` (when it is set)."""

    roles: frozenset[str]
    department: str | None = None


HISTORY_READERS = ADMINS | {"quality", "auditor"}


def _department_page(code: str) -> PageRule:
    return PageRule(ADMINS, department=code)


# Page path patterns below /maintenance/<amo>/ (the routing table's keys) → who may open them.
PAGES: dict[str, PageRule] = {
    "admin": PageRule(ADMINS),
    "admin/users": PageRule(ADMINS),
    "admin/users/<user_id>": PageRule(ADMINS),  # a user of another AMO is "not found"
    "quality": PageRule(ADMINS | {"quality"}),
    "history": PageRule(HISTORY_READERS),  # the AMO's audit trail
    "console": PageRule(ADMINS | {"auditor"}),
    # Drill targets: every role may open them; the records shown are scoped on the server.
    "<entity_type>": PageRule(frozenset(ROLES)),
    "<entity_type>/<id>": PageRule(frozenset(ROLES)),
    # A member's own department feed and inbox: the landing page of members whose department has
    # no page of its own for them (QUAL and ADMIN: those pages show every department's data).
    "home": PageRule(frozenset({"member"})),
    **{slug: _department_page(code) for code, slug in DEPARTMENT_SLUGS.items()
       if code not in {"QUAL", "ADMIN"}},
}

SIGNED_IN = frozenset(ROLES)
DEPARTMENT_VIEWERS = ADMINS | {"quality", "member"}

# Dash callbacks by output id (the keys of ``app.callback_map``) → roles that may call them.
# Clientside callbacks (the feed badge) run in the browser and are never listed, so never dispatched.
CALLBACKS: dict[str, frozenset[str]] = {
    "page-content.children": SIGNED_IN,  # the router: it checks the page itself
    # The live-activity panel of every page (members follow their department, others the AMO).
    "feed-panel.is_open": SIGNED_IN,
    "feed-chips.value": SIGNED_IN,
    "..feed-list.children...feed-cursor.data...feed-pin-signal.data...feed-url.hash..": SIGNED_IN,
    "feed-pinned.children": SIGNED_IN,
    "feed-acks.data": SIGNED_IN,
    "..inbox-list.children...inbox-state.data..": SIGNED_IN,
    "admin-users.rowData": ADMINS,
    "admin-kpis.children": ADMINS,
    "admin-schedules.rowData": ADMINS,
    "admin-timeline.rowData": ADMINS,
    "..admin-result.children...admin-form-key.data...admin-refresh.data..": ADMINS,
    "..users-table.children...users-summary.children...users-location.search...users-page.data..."
    "users-previous.disabled...users-next.disabled..": ADMINS,
    "user-facts.children": ADMINS,
    "..user-activity-list.children...user-activity-cursor.data...user-activity-more.disabled..": ADMINS,
    "..user-account-list.children...user-account-cursor.data...user-account-more.disabled..": ADMINS,
    "..user-confirm-dialog.is_open...user-confirm-text.children...user-result.children...user-reason.value..."
    "user-subject.value...user-body.value...user-form-key.data...user-refresh.data..": ADMINS,
    "..history-grid-box.children...history-location.search..": HISTORY_READERS,
    "..history-grid.getRowsResponse...history-cursors.data...history-problem.children..": HISTORY_READERS,
    "..history-event.is_open...history-event-title.children...history-event-body.children..": HISTORY_READERS,
    "..history-download.data...history-export-problem.children..": HISTORY_READERS,  # audited EXPORT
    "cockpit-body.children": DEPARTMENT_VIEWERS,
    "cockpit-more-charts.children": DEPARTMENT_VIEWERS,
    "cockpit-nav.href": DEPARTMENT_VIEWERS,
    "cockpit-as-of-nav.href": DEPARTMENT_VIEWERS,
    "..cockpit-report-download.data...cockpit-report-error.children..": ADMINS | {"quality"},  # AM summary
    "..records-grid.rowData...records-grid.columnDefs...records-title.children..": SIGNED_IN,
    "records-nav.href": SIGNED_IN,
    "records-download.data": SIGNED_IN,
    "records-download-xlsx.data": SIGNED_IN,
    "..records-subtitle.children...records-banner.children...records-grid.filterModel..": SIGNED_IN,
    "records-url.search": SIGNED_IN,
    "entity-body.children": SIGNED_IN,
    "entity-reverify-result.children": ADMINS | {"quality"},
    "console-result.children": ADMINS | {"auditor"},
    "console-grid.getRowsResponse": ADMINS | {"auditor"},
}

# Command-center and operator actions → roles allowed to perform them. "system" is the CLI
# operator and the scheduler, which act with the server's own authority.
ACTIONS: dict[str, frozenset[str]] = {
    "user.disable": ADMINS | {"system"},
    "user.enable": ADMINS | {"system"},
    "user.revoke_sessions": ADMINS | {"system"},
    "user.reset_password": ADMINS | {"system"},
    "user.notify": ADMINS | {"system"},
    "user.schedule": ADMINS | {"system"},
    "user.cancel_schedule": ADMINS | {"system"},
    "user.set_role": frozenset({"superuser", "system"}),
    "report.half_yearly": ADMINS | {"quality"},  # download the AM half-yearly summary (XLSX)
    "evidence.reverify": ADMINS | {"quality"},  # hash a CAR attachment's file again and record the result
}

# Which records a role's queries may return.
DATA_SCOPES = {"superuser": "amo", "admin": "amo", "quality": "amo", "auditor": "amo",
               "member": "department"}


def landing_slug(role: str, department_code: str) -> str:
    """The page a user lands on after login."""
    if role in ADMINS:
        return "admin"
    if role == "quality":
        return "quality"
    if role == "auditor":
        return "console"
    slug = DEPARTMENT_SLUGS.get(department_code, "")
    return slug if may_open_page(role, department_code, slug) else "home"


def may_open_page(role: str, department_code: str, page: str) -> bool:
    """Whether this role (of this department) may open the page ``page`` (a path pattern of
    :data:`PAGES`); unknown pages: no."""
    rule = PAGES.get(page)
    if rule is None:
        return False
    if role in rule.roles:
        return True
    return role == "member" and rule.department is not None and rule.department == department_code


def may_call(role: str, callback_output: str) -> bool:
    """Whether this role may run the Dash callback with this output id; unlisted: no."""
    return role in CALLBACKS.get(callback_output, frozenset())


def may_perform(role: str, action: str) -> bool:
    """Whether this role may perform the action; unlisted actions: no."""
    return role in ACTIONS.get(action, frozenset())


def department_in_scope(role: str, own_department_code: str, requested_slug: str | None) -> str | None:
    """The department code whose data a page may show: members always get their own.

    Roles with AMO scope get the department they asked for (within their own AMO, which the
    caller takes from the session), or None when the slug names no department.
    """
    if DATA_SCOPES.get(role) != "amo":
        return own_department_code
    return SLUG_DEPARTMENTS.get(requested_slug or "")


def cockpit_in_scope(role: str, own_department_code: str, requested_slug: str | None) -> str | None:
    """The department whose cockpit a page may show: :func:`department_in_scope`'s, and only when
    the user may open that department's page.

    A cockpit shows its domain across the whole AMO (the QMS cockpit: every department's findings
    and CARs), so a member of QUAL, whose data scope is their department, gets none.
    """
    code = department_in_scope(role, own_department_code, requested_slug)
    slug = DEPARTMENT_SLUGS.get(code or "")
    return code if slug and may_open_page(role, own_department_code, slug) else None
