"""The warehouse: the operational schema, the event writer, the archive format and the read path.

``from warehouse import Warehouse`` is imported lazily, so ``import warehouse.schema`` (used by
migrations and the ETL) does not load DuckDB and pandas.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Warehouse"]


def __getattr__(name: str) -> Any:
    if name == "Warehouse":
        from warehouse.api import Warehouse

        return Warehouse
    raise AttributeError(f"module 'warehouse' has no attribute {name!r}")
