"""Default configuration. Overridden by ``instance/config.py``, then by environment variables
(see ``instance/config.py.example`` for every key)."""

# Flask's session signing key; `arshif init` writes instance/secret_key, which is used when
# this stays None.
SECRET_KEY = None
# SQLAlchemy URL of the archive database; None: SQLite file archive.sqlite3 in the instance folder.
DATABASE_URL = None
# Time zone for date facets, from/to filters and source times given without an offset.
ARSHIF_TIMEZONE = "UTC"
# Where index generations live; None: index/ in the instance folder.
INDEX_DIR = None
# Results per page when the request does not say.
PER_PAGE = 10
# Search results cached per index generation (repeated queries).
SEARCH_CACHE_SIZE = 256
# Seconds a search may run before it is stopped with a "too long" answer (HTTP 503).
SEARCH_TIME_LIMIT = 2.0
# Longest query string accepted (characters); longer requests get HTTP 414.
MAX_QUERY_STRING = 8192
# Largest request body accepted (bytes).
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
# Serving defaults for `arshif serve`.
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 5000
SERVE_WORKERS = 2
