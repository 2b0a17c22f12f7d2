"""gunicorn settings, from the environment (see README.md: Deployment)."""

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from secretsadmin.config import Config

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secretsadmin.settings")
env = Config()

# The workers count what they do (upstream calls) in files of this directory, which a scrape of
# /metrics reads whichever worker answers. It is prometheus_client's variable; set here, before
# any worker starts, for the workers alone: the watcher and other commands count nothing there.
# Given, it is emptied at start (the counts of a previous run's workers are no longer anyone's);
# else a directory of this run's own, in memory where there is /dev/shm.
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
if not os.environ.get(METRICS_DIR):
    shm = Path("/dev/shm")  # noqa: S108 - private to this run: mkdtemp makes it 0700
    os.environ[METRICS_DIR] = tempfile.mkdtemp(
        prefix="secretsadmin-metrics-", dir=shm if shm.is_dir() else None
    )

wsgi_app = "secretsadmin.wsgi:application"
bind = env.string("GUNICORN_BIND", "0.0.0.0:8000")
workers = env.integer("GUNICORN_WORKERS", 2, minimum=1)
# Requests mostly wait for providers (I/O): threads, not processes, are what serves more people.
threads = env.integer("GUNICORN_THREADS", 16, minimum=1)
timeout = env.integer("GUNICORN_TIMEOUT", 60, minimum=1)
# Longer than a reverse proxy keeps an idle connection to us (nginx's and cloud balancers' 60 s):
# the side that closes first may do so as the other sends a request on it, which is then lost
# (a 502 at the proxy; a busy worker notices the request late). gunicorn's own default is 2 s.
keepalive = env.integer("GUNICORN_KEEPALIVE", 75, minimum=1)
# Only the reverse proxy may set SCRIPT_NAME and PATH_INFO headers.
forwarded_allow_ips = env.string("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Whether a request came over https is Django's call (SECURE_PROXY_SSL_HEADER), which believes
# only TRUSTED_PROXIES; gunicorn's own reading would believe anyone, with FORWARDED_ALLOW_IPS='*'.
secure_scheme_headers = {}
# gunicorn's lines go through the app's handler: its format (LOG_FORMAT), request ids, redaction.
# The settings' LOGGING also leaves gunicorn's access log unwritten (see there).
try:
    logconfig_dict = settings.LOGGING
    loglevel = settings.LOG_LEVEL
except ImproperlyConfigured as exc:
    # The settings are read here, from the environment gunicorn was started in (not its -e):
    # a bad value stops start-up with the settings' own one-line message, not a traceback.
    sys.exit(f"secretsadmin: {exc}")
worker_tmp_dir = "/dev/shm"  # noqa: S108 - a heartbeat file, kept off slow container disks
# gunicorn >= 25.1 opens a control socket under $HOME, which the image cannot write (/app) and
# nothing here uses; older versions ignore the unknown name.
control_socket_disable = True


def on_starting(server: object) -> None:
    for stale in Path(os.environ[METRICS_DIR]).glob("*.db"):
        stale.unlink()


def child_exit(server: object, worker: Any) -> None:
    # Imported here, never above: prometheus_client chooses where values live when it is first
    # imported, and the workers inherit the master's choice (they must see the directory).
    from prometheus_client import multiprocess

    # A dead worker's counters stay counted; only its live gauges would mislead.
    multiprocess.mark_process_dead(worker.pid)
