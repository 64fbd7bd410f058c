"""What a verification found: one problem per finding, each located at a file or manifest."""

from __future__ import annotations

from dataclasses import dataclass, field

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
