"""ETL tests: the slow variants (-m slow) stay out of a plain run."""

from __future__ import annotations

from pathlib import Path

MINE = (Path(__file__).parent, Path(__file__).parents[1] / "warehouse" / "archive")


def pytest_collection_modifyitems(config, items):
    """Deselect this package's @pytest.mark.slow tests unless the run selects markers itself."""
    if config.option.markexpr:
        return
    slow = [item for item in items if item.get_closest_marker("slow")
            and any(Path(item.fspath).is_relative_to(folder) for folder in MINE)]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
