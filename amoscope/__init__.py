"""AMOscope: analytics and compliance dashboards over an AMO's operational and archived history."""

from amoscope.memory import limit_malloc_arenas

limit_malloc_arenas()  # first, before any library starts a thread (see amoscope/memory.py)
