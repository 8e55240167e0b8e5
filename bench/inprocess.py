"""One process, one reader: each page of Parley requested through Django's
test client against the database DATABASE_URL names, with what it costs:
seconds per request (the median of a few, each rendered afresh: no page
cache), response bytes, the peak of
Python's own memory during one request (tracemalloc) and the queries it
made. Run by bench/bench.py with the production environment; prints JSON.

    python bench/inprocess.py --repeat 5 /timeline/
    python bench/inprocess.py --repeat 0 / /talks/ /parties/    # queries and bytes only
"""

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def fetch(client, path: str):
    """The response, its body read whole: a streamed one (open data) does
    its work, queries included, as it is read."""
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def measure(client, connection, path: str, repeat: int) -> dict:
    from django.test.utils import CaptureQueriesContext

    # The first request pays for what every later one reuses (templates,
    # content types); it is the one whose queries are counted.
    with CaptureQueriesContext(connection) as queries:
        response, body = fetch(client, path)
    if response.status_code != 200:
        raise SystemExit(f"{path}: status {response.status_code}")
    found = {"path": path, "bytes": len(body), "queries": len(queries)}
    if not repeat:
        return found
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(client, path)
        seconds.append(time.perf_counter() - started)
    # Measured apart: tracing every allocation slows the request several times over.
    tracemalloc.start()
    fetch(client, path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return found | {"seconds": statistics.median(seconds), "peak_bytes": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument(
        "--repeat", type=int, default=5, help="Timed requests a page (default 5); 0 counts queries and bytes only."
    )
    args = parser.parse_args()
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "talks.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    client = Client(HTTP_HOST="localhost")
    # Every request rendered, as a cold one is: the page cache would answer
    # the repeats after one query (its effect is what the load rows measure).
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        print(json.dumps([measure(client, connection, path, args.repeat) for path in args.paths]))


if __name__ == "__main__":
    main()
