"""gunicorn's settings for Parley: `gunicorn -c python:talks.gunicorn talks.wsgi`.

Sized for a small server (one or two cores, a few GB): the pages are quick,
database-bound renders, so a few synchronous workers with two threads each
keep both cores busy while one request waits on the database, without the
memory of one process per concurrent client. A worker starts at about
60 MB and levels off at about 200 MB with a full local page cache and the
large exports (below), so four of them want about 1 GB; a Redis page cache
(DJANGO_CACHE_URL) keeps the pages out of the workers.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(min(4, 2 * multiprocessing.cpu_count()))))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# A page renders in well under a second; 30 s only ever cuts off a stuck
# worker (a database that stopped answering), which gunicorn then replaces.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# A gthread worker accepts up to worker_connections clients and queues those
# its threads cannot serve yet; at gunicorn's default (1,000) one worker can
# hoard the whole queue, and if it dies, every request it holds dies with it
# (seen in tests/reliability/test_faults.py). A few per thread leaves the rest
# in the listen backlog for whichever worker is free.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", str(4 * threads)))
# Recycle workers now and then, so that no slow leak can grow without end,
# but rarely: a recycled worker loses its share of the page cache (the
# local one: Redis keeps it) and its database connections. Measured at
# scale 1,000 on SQLite, one worker under wrk through every page type
# three times over (some 40,000 requests): 58 MB at the start, 92 MB
# after the HTML pages, 190-200 MB once the big exports and a full page
# cache had been through it, and no higher in the second and third rounds.
# At 2,000 a worker was recycled every few seconds under load.
max_requests = 100_000
max_requests_jitter = 10_000
# Logs to standard output for journald; one access line a request.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s'
# The proxy on this host sets X-Forwarded-Proto; trust it from loopback only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn 25.1+ opens a control socket for gunicornc by default, at one
# path for every instance a user runs ($XDG_RUNTIME_DIR or ~/.gunicorn/
# gunicorn.ctl): a second instance takes it over and stopping either one
# deletes it for both. Off, unless GUNICORN_CONTROL_SOCKET gives this
# instance a path of its own.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
# Slow clients (headers a byte a second) hold a worker thread while gunicorn
# reads the request; gunicorn has no time limit on that, only size limits,
# so the request is kept small: a line and headers far beyond any Parley
# URL or browser's, and idle keep-alive connections closed after 2 s. The
# nginx in front (docs/deploy.md) reads whole requests itself before it
# passes them on, which is what really stops slow clients.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 4094
keepalive = 2
