"""How responses travel: compressed (brotli or gzip) and, for files, cached by the browser.

* HTML, JSON (callback responses included), JavaScript and CSS are compressed with the best
  encoding the browser accepts (brotli, else gzip). A static file is compressed once per
  encoding and kept in memory, so a new visitor costs no compression work.
* A fingerprinted file (Dash's ``name.v<version>m<mtime>.ext`` and ``/assets/...?m=<mtime>``)
  never changes under its URL: ``Cache-Control: public, max-age=31536000, immutable``, so a
  repeat visit or a second page fetches none of them. Unfingerprinted files are revalidated.
* Static files never read the session (``auth.web`` skips them), so they carry no cookie and
  no ``Vary: Cookie``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import flask
from dash.fingerprint import check_fingerprint
from flask_compress import Compress

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon.ico")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, no-cache"
COMPRESSED_TYPES = ["text/html", "text/css", "text/plain", "application/json", "application/javascript",
                    "text/javascript", "image/svg+xml"]
_MAX_CACHED_FILES = 256


def init_app(server: flask.Flask) -> None:
    """Install compression and the cache headers of static files on ``server``."""
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"], COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_MIMETYPES=COMPRESSED_TYPES, COMPRESS_LEVEL=6, COMPRESS_BR_LEVEL=5, COMPRESS_MIN_SIZE=500,
        COMPRESS_CACHE_BACKEND=_StaticFileCache, COMPRESS_CACHE_KEY=_static_cache_key,
    )
    Compress(server)
    # Registered after Compress, so it runs before it (Flask runs after_request in reverse).
    server.after_request(_static_file_headers)


def is_static(path: str) -> bool:
    return path.startswith(STATIC_PREFIXES)


def is_fingerprinted(request: flask.Request) -> bool:
    """True when the URL names one version of a file (a new version gets a new URL)."""
    if request.path.startswith("/assets/"):
        return "m" in request.args
    return check_fingerprint(request.path)[1]


def _static_file_headers(response: flask.Response) -> flask.Response:
    request = flask.request
    if not is_static(request.path) or response.status_code != 200:
        return response
    if response.direct_passthrough:  # a file stream: read it, so it is compressed once and cached
        response.direct_passthrough = False
        response.set_data(response.get_data())
    response.headers["Cache-Control"] = IMMUTABLE if is_fingerprinted(request) else REVALIDATE
    response.headers.pop("Expires", None)
    return response


def _static_cache_key(request: flask.Request) -> str:
    """The compression cache's key: a fingerprinted file's URL; empty (not cached) otherwise."""
    return request.full_path if is_static(request.path) and is_fingerprinted(request) else ""


class _StaticFileCache:
    """Compressed static files by (encoding, URL), a bounded LRU; other responses are not kept."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";"):  # "<encoding>;" with no URL: a dynamic response
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > _MAX_CACHED_FILES:
                self._entries.popitem(last=False)
