"""The librarians' pages (``/admin``, sign-in required): archive status, ingest by upload,
ingest-run history with rejections, the reindex control with progress, the authority file,
section labels and accounts; one module a job, all on the blueprint ``bp`` (``web.admin.common``).

Long work is never done here: an upload is saved in the instance folder and ingested by a
spawned ``arshif ingest --job N``; a reindex is a spawned ``arshif reindex --job N``."""
from web.admin import entities, runs, sections, status, uploads, users  # noqa: F401  (their routes)
from web.admin.common import bp

__all__ = ["bp"]
