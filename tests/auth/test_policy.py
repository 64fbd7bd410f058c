"""The policy table itself: deny by default, landings, department scope (checklist D29, D30)."""

from __future__ import annotations

import pytest

from auth.policy import (
    ACTIONS,
    CALLBACKS,
    DEPARTMENT_SLUGS,
    PAGES,
    ROLES,
    cockpit_in_scope,
    department_in_scope,
    landing_slug,
    may_call,
    may_open_page,
    may_perform,
)


def test_unknown_pages_callbacks_and_actions_are_denied():
    for role in ROLES:
        assert not may_open_page(role, "ADMIN", "secret-page")
        assert not may_call(role, "no-such.children")
        assert not may_perform(role, "user.delete_everything")


def test_every_landing_page_is_in_the_table_and_open_to_its_user():
    for role in ROLES:
        for code in DEPARTMENT_SLUGS:
            slug = landing_slug(role, code)
            assert slug in PAGES and may_open_page(role, code, slug), (role, code)


def test_members_of_qual_and_admin_land_on_their_home_page_and_get_no_cockpit():
    """Their departments' pages (QMS cockpit, command center) show every department's data;
    a member's scope is their department, so they land on their feed and inbox instead."""
    for code in ("QUAL", "ADMIN"):
        assert landing_slug("member", code) == "home"
        assert not may_open_page("member", code, DEPARTMENT_SLUGS[code])
        assert cockpit_in_scope("member", code, "quality") is None
        assert department_in_scope("member", code, "home") == code  # the feed of their own department
    assert landing_slug("member", "PROD") == "production"
    assert cockpit_in_scope("member", "PROD", "quality") == "PROD"
    assert cockpit_in_scope("quality", "QUAL", "quality") == "QUAL"
    assert cockpit_in_scope("admin", "ADMIN", "stores") == "STOR"
    assert cockpit_in_scope("auditor", "QUAL", "quality") is None


@pytest.mark.parametrize("slug", ["planning", "production", "reliability", "safety", "stores", "engineering",
                                  "workshops"])
def test_members_reach_only_their_own_department(slug):
    own = next(code for code, name in DEPARTMENT_SLUGS.items() if name == slug)
    for code in DEPARTMENT_SLUGS:
        assert may_open_page("member", code, slug) == (code == own)
    assert not may_open_page("member", own, "admin")
    assert not may_open_page("member", own, "quality")
    assert not may_open_page("member", own, "auditor")


def test_qms_cockpit_is_for_quality_and_admins_only():
    allowed = {role for role in ROLES if may_open_page(role, "QUAL", "quality")}
    assert allowed == {"superuser", "admin", "quality"}


def test_department_scope_comes_from_the_session_for_members():
    assert department_in_scope("member", "PROD", "stores") == "PROD"
    assert department_in_scope("admin", "ADMIN", "stores") == "STOR"
    assert department_in_scope("admin", "ADMIN", "nonsense") is None


def test_only_superusers_and_the_system_change_roles():
    assert ACTIONS["user.set_role"] == {"superuser", "system"}
    assert all("member" not in roles and "auditor" not in roles for roles in ACTIONS.values())
    assert all(isinstance(roles, frozenset) and roles for roles in CALLBACKS.values())


def test_security_doc_lists_the_policy_table():
    """docs/security.md shows every page, callback and action of the table."""
    from pathlib import Path
    text = (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    for slug in PAGES:
        assert f"`/maintenance/<amo>/{slug}`" in text
    for output in CALLBACKS:
        assert f"`{output}`" in text
    for action in ACTIONS:
        assert f"`{action}`" in text
