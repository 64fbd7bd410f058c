"""The synthetic AMO: a deterministic seed of three years of history, and a live simulator.

``seed_database`` fills an empty database (same seed and as-of date, same rows);
``database_is_empty`` tells whether it may; ``simulate`` keeps the AMO working on a simulated
clock that starts at ``resume_point``.
"""

from simulator.history import SCALES
from simulator.seed import SeedReport, database_is_empty, seed_database
from simulator.simulate import resume_point, simulate
from simulator.world import GeneratorError

__all__ = ["SCALES", "GeneratorError", "SeedReport", "database_is_empty", "resume_point", "seed_database",
           "simulate"]
