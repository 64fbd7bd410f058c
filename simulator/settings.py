"""The simulator's settings section: how fast the live simulator's clock runs."""

from __future__ import annotations

from dataclasses import dataclass

from warehouse.settings import setting


@dataclass(frozen=True)
class SimulatorSettings:
    """What ``amoscope simulate`` and the demo's live simulator need."""

    simulator_days_per_minute: float = setting(
        1.0,
        "Simulated days per real minute of the live simulator (amoscope simulate, amoscope demo); "
        "every duration follows this clock.",
        minimum=0,
    )

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self.simulator_days_per_minute * 24 * 60
