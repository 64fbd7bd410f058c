"""Values in words and categories in fixed colours, for charts, lists and record pages.

A KPI table speaks in codes: ``department_id`` 3, ``overdue`` True, ``bucket`` "30", ``level``
"L1", ``ata_chapter`` "21". A person reads "Production", "Overdue", "within 30 d", "Level 1",
"ATA 21". :func:`word` does that for one value (ids through the ``labels`` read from the
database for the user's AMO), and :func:`colour` gives every category one colour, the same on
every render and page: a fixed colour for the categories that carry meaning (levels,
tolerability, good and bad states), a stable hash into the palette for the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from datetime import date, timedelta

import pandas as pd

PALETTE = ("#1c7ed6", "#f08c00", "#2f9e44", "#ae3ec9", "#1098ad", "#e64980", "#5c940d", "#7048e8",
           "#d9480f", "#0b7285", "#868e96", "#c2255c")
GOOD, BAD, WARNING, NO_DATA = "#2b8a3e", "#e03131", "#f08c00", "#868e96"
TOLERABILITY = {"ACCEPTABLE": "#8ce99a", "TOLERABLE": "#ffd43b", "INTOLERABLE": "#ff6b6b"}

# Categories whose colour carries meaning, by their words.
FIXED_COLOURS = {
    "Level 1": BAD, "Level 2": WARNING, "Observation": "#74c0fc",
    "Overdue": BAD, "Due within 30 d": WARNING, "Late": BAD, "On time": GOOD,
    "Acceptable": TOLERABILITY["ACCEPTABLE"], "Tolerable": "#fab005", "Intolerable": BAD,
    "Open": WARNING, "Closed": GOOD, "Complied": GOOD, "Repetitive": "#1c7ed6",
    "Not applicable": NO_DATA, "Terminated": "#495057",
}

# Boolean KPI columns: (words for True, words for False).
BOOLEANS = {
    "overdue": ("Overdue", "Due within 30 d"), "on_time": ("On time", "Late"),
    "expired": ("Expired", "Not expired"), "above_alert": ("Above alert level", "Within alert level"),
    "is_deferred": ("Deferred", "Not deferred"), "is_unscheduled": ("Unscheduled", "Scheduled"),
    "is_unannounced": ("Unannounced", "Announced"), "is_night": ("Night", "Day"),
    "is_calibrated": ("Calibrated", "Not calibrated"), "is_llp": ("Life-limited", "Not life-limited"),
    "is_active": ("Active", "Disabled"), "is_mor": ("MOR", "Not an MOR"), "is_sdr": ("SDR", "Not an SDR"),
    "requires_independent_inspection": ("Independent inspection required", "No independent inspection"),
}
STATUSES = {"NA": "Not applicable"}
LEVELS = {"L1": "Level 1", "L2": "Level 2", "L3": "Level 3", "OBS": "Observation"}
SEVERITY = {1: "1 Negligible", 2: "2 Minor", 3: "3 Major", 4: "4 Hazardous", 5: "5 Catastrophic"}
LIKELIHOOD = {1: "1 Extremely improbable", 2: "2 Improbable", 3: "3 Remote", 4: "4 Occasional",
              5: "5 Frequent"}
WITHIN = {"30": "within 30 d", "60": "31–60 d", "90": "61–90 d"}
# Codes kept as they are (aviation abbreviations), not turned into "Pirep".
ABBREVIATIONS = frozenset({"AD", "SB", "PIREP", "MAREP", "NFF", "CRS", "MOR", "SDR", "MEL", "ATA", "AOG",
                           "MPD", "EASA", "FAA", "CAA", "LLP", "WO", "MH", "FH", "FC", "OK", "U_S",
                           "CRS_A", "CRS_B1", "CRS_B2", "CRS_C", "B1", "B2", "C", "A"})


def word(column: str | None, value, labels: Mapping[str, Mapping] | None = None) -> str:
    """``value`` of ``column`` in words: an id through ``labels[column]``, a boolean, a level, a
    bucket, an ATA chapter, a code ("NON_ROUTINE" → "Non-routine"); "—" for nothing."""
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return "—"
    mapping = (labels or {}).get(column or "")
    if mapping is not None:
        found = mapping.get(value, mapping.get(_number(value)))
        return str(found) if found is not None else f"unknown ({value})"
    text = str(value)
    if column in BOOLEANS:
        truth = value if isinstance(value, bool) else text.lower() in ("true", "1", "t")
        return BOOLEANS[column][0 if truth else 1]
    if column == "level":
        return LEVELS.get(text, text)
    if column == "severity":
        return SEVERITY.get(_number(value), text)
    if column == "likelihood":
        return LIKELIHOOD.get(_number(value), text)
    if column == "bucket":
        return WITHIN.get(text) or text.replace("-", "–").replace(">", "> ") + " d"
    if column == "status" and text in STATUSES:
        return STATUSES[text]
    if column == "ata_chapter":
        return f"ATA {text}"
    if column == "week":
        return text[:10]
    return code_in_words(text)


def code_in_words(text: str) -> str:
    """"NON_ROUTINE" → "Non-routine", "INTERNAL_AUDIT" → "Internal audit"; abbreviations,
    numbers ("2025-06") and mixed-case text (registrations, part numbers) stay as they are."""
    if text in ABBREVIATIONS or not text.isupper() or not any(c.isalpha() for c in text):
        return text
    if "_" not in text and (len(text) <= 3 or any(c.isdigit() or c in "-/." for c in text)):
        return text  # a short code or an identifier such as CAR-0042 or D-ABCD
    spaced = text.replace("_", " ").lower().replace("non routine", "non-routine")
    return spaced[0].upper() + spaced[1:]


def colour(category: str) -> str:
    """The one colour of ``category`` (its words) on every chart: fixed when it means something,
    else a stable hash into the palette (CRC-32: the same in every process, unlike ``hash``)."""
    if category in FIXED_COLOURS:
        return FIXED_COLOURS[category]
    return PALETTE[zlib.crc32(category.encode()) % len(PALETTE)]


def colours(categories: list[str]) -> dict[str, str]:
    """The colour of each category of one chart: its :func:`colour`, except where two hash to the
    same palette colour: then the later by name takes the next colour no other series of the chart
    has, so no two series of a chart look alike. A category keeps its colour on every chart where
    it collides with none (with up to twelve series, a chart never runs out)."""
    chosen = {name: FIXED_COLOURS[name] for name in categories if name in FIXED_COLOURS}
    used = set(chosen.values())
    for name in sorted(set(categories) - set(chosen)):
        start = PALETTE.index(colour(name))
        ring = PALETTE[start:] + PALETTE[:start]  # its own colour first, then the ones after it
        chosen[name] = next((candidate for candidate in ring if candidate not in used), colour(name))
        used.add(chosen[name])
    return chosen


def every_period(column: str, values: list[str], period_end: date | None) -> list[str]:
    """The periods from the first of ``values`` to the last (or to the period of ``period_end``),
    none left out: months "2025-01", quarters "2025-Q1", weeks as their Monday "2025-01-06"."""
    present = sorted(str(value)[:10] for value in values if value is not None and str(value))
    if not present:
        return []
    try:
        return _periods(column, present[0], present[-1], period_end)
    except ValueError:  # not a period we know how to count: keep what the KPI gave
        return present


def _periods(column: str, first: str, last: str, period_end: date | None) -> list[str]:
    if column == "week":
        start, stop = date.fromisoformat(first), date.fromisoformat(last)
        return [(start + timedelta(days=7 * n)).isoformat() for n in range((stop - start).days // 7 + 1)]
    if column == "quarter":
        index = [int(first[:4]) * 4 + int(first[-1]) - 1, int(last[:4]) * 4 + int(last[-1]) - 1]
        if period_end:
            index[1] = max(index[1], period_end.year * 4 + (period_end.month - 1) // 3)
        return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index[0], index[1] + 1)]
    index = [int(first[:4]) * 12 + int(first[5:7]) - 1, int(last[:4]) * 12 + int(last[5:7]) - 1]
    if period_end:
        index[1] = max(index[1], period_end.year * 12 + period_end.month - 1)
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index[0], index[1] + 1)]


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


# Units of record fields, by the ending of the column name.
UNITS = (("_mh", "MH"), ("_fh", "FH"), ("_fc", "FC"), ("_days", "d"), ("_minutes", "min"),
         ("_bytes", "bytes"), ("_hours", "h"), ("tsn", "FH"), ("tso", "FH"), ("csn", "FC"), ("cso", "FC"))


def unit(column: str, record: dict | None = None) -> str:
    """The unit of a record field ("MH", "FH", "d"); a quantity takes the record's unit of measure."""
    if column == "qty":
        return str((record or {}).get("uom") or "")
    return next((name for ending, name in UNITS if column.endswith(ending)), "")


_UPPER_WORDS = frozenset({"tsn", "csn", "tso", "cso", "mfa", "mel", "ata", "crs", "fh", "fc", "mh", "msn",
                          "ad", "sb", "nff", "llp", "mor", "sdr", "qpa", "uom", "wo", "na", "sha256", "car",
                          "cap"})
_UNIT_WORDS = frozenset({"fh", "fc", "mh", "bytes", "days", "minutes", "hours"})


def field_name(column: str) -> str:
    """A column's name in words, its unit left to the value: "extended_due_date" → "Extended due
    date", "aircraft_id" → "Aircraft", "tsn_fh" → "TSN", "is_llp" → "LLP"."""
    tokens = column.split("_")
    if len(tokens) > 1 and tokens[-1] == "id":
        tokens = tokens[:-1]
    if len(tokens) > 1 and tokens[0] == "is":
        tokens = tokens[1:]
    if len(tokens) > 1 and tokens[-1] in _UNIT_WORDS:
        tokens = tokens[:-1]
    text = " ".join(token.upper() if token in _UPPER_WORDS else token for token in tokens)
    return text[0].upper() + text[1:]
