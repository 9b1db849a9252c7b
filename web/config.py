"""Default configuration. Overridden by ``instance/config.py``, then by environment variables
(see ``instance/config.py.example`` for every key)."""

# Flask's session signing key; `arshif init` writes instance/secret_key, which is used when
# this stays None.
SECRET_KEY = None
# SQLAlchemy URL of the archive database; None: SQLite file archive.sqlite3 in the instance folder.
DATABASE_URL = None
# Time zone for date facets, from/to filters and source times given without an offset.
ARSHIF_TIMEZONE = "UTC"
# Each outlet's own time zone (outlet name → IANA zone), for its times given without an offset;
# outlets not listed use ARSHIF_TIMEZONE. Applied (and stored with the source) at ingest.
SOURCE_TIMEZONES = {"جريدة المدى": "Asia/Baghdad"}
# Seconds a web request waits on the archive database (PostgreSQL: statement_timeout and
# lock_timeout; SQLite: the busy timeout) before the page answers 503 "try again in a minute".
# Search reads the index and goes on. Ingest and reindex (CLI, jobs) wait as long as needed.
DATABASE_REQUEST_TIMEOUT = 3.0
# Seconds a web worker waits to connect to PostgreSQL (libpq counts whole seconds, at least 2).
DATABASE_CONNECT_TIMEOUT = 2
# Seconds /healthz waits for the database before answering "degraded" (index figures still given).
HEALTH_DATABASE_TIMEOUT = 0.8
# Where index generations live; None: index/ in the instance folder.
INDEX_DIR = None
# Writer processes of a full reindex (None: one per core, at most 2), used from this many
# articles on (below it forking the sub-writers costs more than it saves).
REINDEX_PROCS = None
REINDEX_MULTIPROCESS_MIN = 5000
# After an ingest (`arshif ingest`, an upload on the admin pages) that stored new or changed
# articles, an incremental reindex follows at once (a reindex job of its own), so they become
# searchable without a second step. False: they wait for `arshif reindex` (or the admin button);
# `arshif ingest --no-reindex` does the same for one run.
AUTO_REINDEX = True
# The search engine: "whoosh" (embedded, the index in INDEX_DIR) or "solr" (a SolrCloud cluster:
# README "Growing past one machine"). Nothing but the engine changes.
SEARCH_BACKEND = "whoosh"
# Solr node URLs, comma-separated (a node that does not answer is skipped for the next), or
# "zk:host1:2181,host2:2181/solr" (ZooKeeper's host string: the live nodes are read there), and the
# collection alias that names the serving generation (each full reindex creates
# <SOLR_COLLECTION>_g<time> and moves the alias). `make solr` starts these two nodes.
SOLR_URL = "http://127.0.0.1:8983/solr,http://127.0.0.1:8984/solr"
SOLR_COLLECTION = "arshif"
# Shards and replicas of each new generation's collection.
SOLR_SHARDS = 2
SOLR_REPLICAS = 2
# Basic authentication, when the cluster uses it (None: none).
SOLR_USER = None
SOLR_PASSWORD = None
# Processes that extract entities at ingest and `arshif entities reextract`, working on the next
# batch of articles while one is stored (env ARSHIF_EXTRACT_PROCS; None: one per core, at most 2;
# 0: extract in the ingesting process). Forked once a run reaches a batch of EXTRACT_PROCS_MIN
# articles (below it, starting them costs more than they save).
EXTRACT_PROCS = None
EXTRACT_PROCS_MIN = 100
# The entity tagger's model file (ingest and `arshif entities reextract`; env ARSHIF_ENTITY_MODEL);
# None: the model shipped in indexer/data. After changing it, run `arshif entities reextract`.
ENTITY_MODEL = None
# Seconds search keeps the authority file (entity names, aliases, merges) before re-reading it
# (in the background: searches go on with the last good copy meanwhile, and through an outage).
AUTHORITY_TTL = 60
# Seconds a search waits for the authority file while no copy has been read yet (a worker's
# first searches); past it, the search runs without alias expansion and entity names, and says so.
AUTHORITY_TIMEOUT = 1.0
# Search results cached per index generation (repeated queries).
SEARCH_CACHE_SIZE = 256
# Seconds a worker keeps the section labels before reading them again (web/sections.py): a
# relabel shows at once in the process that made it, within this many seconds in the others.
SECTION_LABELS_TTL = 5.0
# Seconds a search may run before it is stopped with a "too long" answer (HTTP 503).
SEARCH_TIME_LIMIT = 2.0
# Seconds all facets together may take after the hits are ready; a facet past it is left out
# (marked timed out, with a notice) rather than delaying the results.
FACET_TIME_LIMIT = 1.0
# Longest query string accepted (characters); longer requests get HTTP 414.
MAX_QUERY_STRING = 8192
# Largest request body accepted (bytes).
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
# The address readers reach Arshif at, e.g. "https://archive.example.org" (with a path when it is
# served under one). Absolute links (Atom, OpenSearch, permalinks, the API document) are built from
# it. None: from the request's Host header, and then only the hosts in TRUSTED_HOSTS are answered
# (others get 400), so that a forged Host never gets into a link.
PUBLIC_URL = None
# Host names answered without PUBLIC_URL (Flask's setting; ".example.org" takes its subdomains
# too). None: this machine (localhost, 127.0.0.1 and SERVE_HOST).
TRUSTED_HOSTS = None
# Serving defaults for `arshif serve`.
SERVE_HOST = "127.0.0.1"
SERVE_PORT = 5000
SERVE_WORKERS = 2
# Seconds a starting worker waits at most for the index's facet columns before it takes its first
# request (web/gunicorn_hooks.py; about 3 s at 300,000 articles); past it, searches wait for them
# within the facet time box as they do after a switch of generation.
WORKER_WARM_WAIT = 60
# glibc's allocator in the workers of `arshif serve` (set for gunicorn unless the environment
# sets them; 0 leaves glibc's own). SERVE_MMAP_THRESHOLD (MALLOC_MMAP_THRESHOLD_): blocks from
# this size are mapped apart and given back when freed; SERVE_TRIM_THRESHOLD
# (MALLOC_TRIM_THRESHOLD_): free memory at the heap's top past this size is given back. A
# search's arrays (300,000 scores are 2.4 MB) then come from the heap and go back to it, not
# fresh pages each time: at 300,000 articles, against 128 KB and glibc's trim, 17x fewer page
# faults and 28% less CPU per request, for ~25 MB more peak RSS. Left to glibc, its threshold
# rises to the largest block freed (up to 32 MB) and a worker kept ~70 MB more.
SERVE_MMAP_THRESHOLD = 4 * 2**20
SERVE_TRIM_THRESHOLD = 16 * 2**20

# -- Security headers (web/security.py) --
# Sent on every response. No inline scripts or styles anywhere: keep 'self' only.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
                           "frame-ancestors 'none'; manifest-src 'self'")
REFERRER_POLICY = "strict-origin-when-cross-origin"
# Number of reverse proxies whose X-Forwarded-For to trust (0: none; the client address is the
# socket's). Set it behind nginx, or every reader counts as loopback for rate limits.
PROXY_FIX_X_FOR = 0

# -- Rate limits (Flask-Limiter; per client address, per endpoint) --
RATELIMIT_ENABLED = True
# Where counters live. None: a file in the instance folder (ratelimits.sqlite3) that every worker
# of `arshif serve` shares; "redis://127.0.0.1:6379" shares them across machines; "memory://"
# counts per worker process (with N workers a limit allows N times as much).
RATELIMIT_STORAGE_URI = None
# Public pages, the JSON API and Atom feeds.
RATELIMIT_PUBLIC = "60 per minute;1000 per hour"
# CSV/JSON exports (each streams up to EXPORT_MAX_ROWS rows).
RATELIMIT_EXPORT = "10 per minute;100 per hour"
# Requests from the machine itself (127.0.0.1, ::1): scripts, monitors, benchmarks.
RATELIMIT_LOOPBACK = "6000 per minute"

# -- Journalist tools (web/feeds.py) --
# Most rows one CSV/JSON export streams.
EXPORT_MAX_ROWS = 10_000
# Entries in an Atom feed of a search (newest first).
FEED_ENTRIES = 50

# -- Interface language and formatting (web/i18n.py) --
# Babel locale for month names and number separators in the Arabic interface: "ar" (يناير),
# "ar_IQ" / "ar_LB" (كانون الثاني), "ar_TN" (جانفي), "ar_MA" (ماي)... One style, not the paired
# "كانون الثاني/يناير" some archives print: the date line of every hit, the date facet and the
# month bars of the histogram all say the month the same way, and a pair does not fit under a
# bar. "ar" because its names are read everywhere in the Arab world; an Iraqi or Levantine
# archive sets its own (SOURCE_LOCALES still names each outlet's months in its article dates).
ARABIC_LOCALE = "ar"
# Digits in the Arabic interface: "latn" (0123, as most Arabic news sites write them) or
# "arab" (Arabic-Indic ٠١٢٣).
ARABIC_DIGITS = "latn"
# Month names as each outlet uses them: source name → Babel locale, e.g.
# {"جريدة المدى": "ar_IQ", "Jawhara FM": "ar_TN"} (كانون الثاني / جانفي instead of يناير).
SOURCE_LOCALES = {}

# -- Librarian accounts and the admin pages (web/auth.py, web/admin/) --
# Session cookie: not readable by scripts, not sent on cross-site requests. Set
# SESSION_COOKIE_SECURE = True when Arshif is served over HTTPS (it then never travels in clear).
SESSION_COOKIE_NAME = "arshif_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = False
# A librarian's sign-in lasts this long (seconds) in a permanent session; closing the browser
# ends a non-permanent one.
PERMANENT_SESSION_LIFETIME = 8 * 3600
# CSRF tokens on admin forms are valid for the whole session (None) rather than one hour.
WTF_CSRF_TIME_LIMIT = None
# Failed sign-ins allowed per client address (Flask-Limiter syntax); beyond: HTTP 429.
# Counted in RATELIMIT_STORAGE_URI. Empty string: no limit.
LOGIN_RATELIMIT = "5 per minute;20 per hour"
# Uploads for ingest (/admin/ingest): the request itself is bounded by MAX_CONTENT_LENGTH;
# these bound what zips unpack to.
UPLOAD_MAX_BYTES = 512 * 1024 * 1024
UPLOAD_MAX_FILES = 20_000
