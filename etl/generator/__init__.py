"""The synthetic AMO: a deterministic seed of three years of history, and a live simulator.

``seed_database`` fills an empty database (same seed and as-of date, same rows);
``database_is_empty`` tells whether it may; ``simulate`` keeps adding realistic changes.
"""

from etl.generator.history import SCALES
from etl.generator.seed import SeedReport, database_is_empty, seed_database
from etl.generator.simulate import simulate
from etl.generator.world import GeneratorError

__all__ = ["SCALES", "GeneratorError", "SeedReport", "database_is_empty", "seed_database", "simulate"]
