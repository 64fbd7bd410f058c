"""What a verification found: one problem per finding, each located at a file or manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from warehouse.archive.anchors import Anchor


@dataclass(frozen=True)
class Problem:
    where: str  # the manifest, checkpoint, file or folder at fault
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class VerifyReport:
    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    manifests: int = 0
    files: int = 0
    rows: int = 0
    checkpoints: int = 0
    anchor: Anchor | None = None  # the trusted checkpoint hash checked against, if any
    signatures_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))


def duration_text(span: timedelta) -> str:
    """``45 s``, ``1 h 5 min``, ``2 d 3 h 0 min``: a manifest's age as a reader takes it in."""
    minutes = int(span.total_seconds() // 60)
    if minutes < 60:
        return f"{span.total_seconds():.0f} s"
    if minutes < 1440:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} d {minutes // 60 % 24} h {minutes % 60} min"
