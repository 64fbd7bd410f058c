"""Fixtures of the dashboards tests: a migrated PostgreSQL database with one AMO, the real app.

They and the helpers live in ``tests/auth/support.py``, registered as the module
``auth_test_support`` by ``tests/conftest.py`` (test folders are not packages).
"""

from auth_test_support import (  # noqa: F401 - fixtures used by this folder's tests
    _background_drops_finish,
    amo_id,
    app,
    chromium,
    dash_app,
    pg_url,
    served,
    settings,
)
