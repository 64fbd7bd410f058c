"""The dashboards' settings section: the sections of the layers the pages stand on."""

from __future__ import annotations

from dataclasses import dataclass

from auth.settings import AuthSettings
from warehouse.settings import WarehouseSettings, nested, setting


@dataclass(frozen=True)
class DashboardsSettings:
    """What ``create_app`` needs: the warehouse every page reads through, auth for the sign-in,
    and the front end's feature flags."""

    warehouse: WarehouseSettings = nested(WarehouseSettings)
    auth: AuthSettings = nested(AuthSettings)
    focus_mode: bool = setting(
        True, "Offer focus mode (a button and the F key hide the navbar; the page launcher stays reachable).")
    warm_up: bool = setting(
        True, "Warm each server worker up in the background as it starts (open the warehouse, compute "
              "today's cockpit KPIs of every AMO), so the first cockpit is not the slow one.")
    cockpit_config: str = setting(
        "", "A TOML file of per-department cockpit panels and KPI thresholds (empty: the defaults).")
    evidence_root: str = setting(
        "", "Folder holding the CAR evidence files (one folder per bucket of their storage URI), for "
            "re-verifying their SHA-256 from the record page (empty: no re-verification).")
