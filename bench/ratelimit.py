"""What the rate limiter costs a request, per counter storage: Flask-Limiter's check
(``Limiter._check_request_limit``, which counts the request and reads the counter back for the
``X-RateLimit-*`` headers) timed around ``GET /api/v1/search`` in process, from a loopback
address (one limit) and from a public one (two: per minute and per hour, raised so that nothing
is refused), the storages taking turns round after round. Also counts the storage calls per
request. Prints one JSON object.

    .venv/bin/python bench/ratelimit.py [--instance bench/.work/i30000] [--requests 500] [--rounds 5]
                                        [--storage NAME=URI]...    # e.g. redis=redis://127.0.0.1:6379

The default storages are the instance's SQLite file (what ``arshif serve`` uses) and
``memory://``; a ``redis://`` storage needs the ``redis`` package and a running server.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PUBLIC_LIMIT = "100000 per minute;1000000 per hour"   # two limits, as RATELIMIT_PUBLIC, never reached
ADDRESSES = {"loopback": "127.0.0.1", "public": "203.0.113.9"}


def figures(ms: list[float]) -> dict:
    ordered = sorted(ms)
    return {"mean": round(statistics.mean(ordered), 3), "p50": round(statistics.median(ordered), 3),
            "p95": round(ordered[int(len(ordered) * 0.95)], 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instance", type=Path, default=ROOT / "bench" / ".work" / "i30000")
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--storage", action="append", default=[], help="NAME=URI (repeatable)")
    args = ap.parse_args()
    os.environ["ARSHIF_INSTANCE"] = str(args.instance)

    import flask_limiter
    from limits.storage import Storage

    from web import create_app

    spent = [0.0]
    calls: collections.Counter = collections.Counter()
    check = flask_limiter.Limiter._check_request_limit

    def timed_check(self, *a, **k):
        started = time.perf_counter()
        try:
            return check(self, *a, **k)
        finally:
            spent[0] += (time.perf_counter() - started) * 1000

    flask_limiter.Limiter._check_request_limit = timed_check
    storages = {"sqlite_file": None, "memory": "memory://",
                **dict(s.split("=", 1) for s in args.storage)}
    clients = {}
    for name, uri in storages.items():
        for who, address in ADDRESSES.items():
            app = create_app({"SEARCH_CACHE_SIZE": 0, "RATELIMIT_STORAGE_URI": uri, "RATELIMIT_PUBLIC": PUBLIC_LIMIT})
            storage: Storage = app.extensions["arshif.limiter"].storage
            for method in ("incr", "get", "get_expiry"):  # count this storage's calls
                original = getattr(storage, method)
                setattr(storage, method, lambda *a, _f=original, _m=method, **k: (calls.update([_m]), _f(*a, **k))[1])
            clients[(name, who)] = (app.test_client(), address)

    out: dict = {"load_average_start": [round(x, 1) for x in os.getloadavg()],
                 "requests": args.requests, "rounds": args.rounds}
    times: dict = collections.defaultdict(list)
    per_request: dict = {}
    for round_ in range(args.rounds + 1):  # the first round warms up
        for key, (client, address) in clients.items():
            calls.clear()
            for _ in range(args.requests):
                spent[0] = 0.0
                resp = client.get("/api/v1/search?q=xyzzy", environ_base={"REMOTE_ADDR": address})
                if resp.status_code != 200:
                    sys.exit(f"{key}: HTTP {resp.status_code}")
                if round_:
                    times[key].append(spent[0])
            per_request[key] = {m: round(n / args.requests, 2) for m, n in calls.items()}
    out["check_ms"] = {f"{name}_{who}": figures(ms) for (name, who), ms in times.items()}
    out["storage_calls_per_request"] = {f"{name}_{who}": v for (name, who), v in per_request.items()}
    out["load_average_end"] = [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
