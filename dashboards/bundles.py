"""Which JavaScript a page loads: the partial plotly.js bundle, and component libraries on demand.

* plotly.js: ``assets/plotly-cartesian-<version>.min.js`` is plotly.js's official *cartesian*
  partial bundle (npm ``plotly.js-cartesian-dist-min``; bar, scatter, heatmap and the other 2-D
  traces), a third of the full bundle. Every asset script runs before Dash renders, and
  ``dcc.Graph`` uses ``window.Plotly`` when it is defined instead of fetching the full
  ``plotly.min.js``, which the guard does not serve at all (so no page can load it by mistake).
  The traces we draw are listed in :data:`TRACE_TYPES`; a test checks the bundle holds them.
* ``dcc.Graph``'s own code is a chunk (``async-graph.js``) that dcc fetches when the first
  graph is rendered, which is after the page's first callbacks have answered: the page
  preloads it with its scripts instead, saving a round trip before the first chart.
* dash-ag-grid (1.3 MB) and dash_table are not in the page's script tags. An asset script
  (``lazy_components.js``) stands in for their components and fetches the library the first
  time a page renders one, from the same fingerprinted URL Dash would have used.
"""

from __future__ import annotations

import html
import re

from dash import Dash

PLOTLY_BUNDLE = "plotly-cartesian-4.1.1.min.js"
TRACE_TYPES = ("bar", "scatter", "heatmap")
FULL_PLOTLY_PATH = "/_dash-component-suites/plotly/"
# namespace → the path its main script is served under (the rest of the URL is Dash's fingerprint)
LAZY_LIBRARIES = {
    "dash_ag_grid": "/_dash-component-suites/dash_ag_grid/dash_ag_grid.",
    "dash_table": "/_dash-component-suites/dash/dash_table/bundle.",
}
PRELOADED_CHUNKS = ("_dash-component-suites/dash/dcc/async-graph.js",)  # below the requests prefix
_SCRIPT_TAG = re.compile(r'<script src="([^"]+)"></script>')


class LeanDash(Dash):
    """Dash whose index page loads the lazy libraries on demand instead of up front."""

    def _generate_scripts_html(self) -> str:
        prefix = self.config.requests_pathname_prefix
        preloads = "".join(f'<link rel="preload" href="{html.escape(prefix + chunk)}" as="script">'
                           for chunk in PRELOADED_CHUNKS)
        return preloads + _SCRIPT_TAG.sub(_lazy_or_eager, super()._generate_scripts_html())


def _lazy_or_eager(match: re.Match) -> str:
    source = match.group(1)
    for namespace, prefix in LAZY_LIBRARIES.items():
        if source.startswith(prefix):
            # Not fetched by the browser; lazy_components.js reads the URL when a page needs it.
            return (f'<meta name="amoscope-lazy-library" data-namespace="{namespace}" '
                    f'content="{html.escape(source)}">')
    return match.group(0)
