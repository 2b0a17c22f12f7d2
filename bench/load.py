"""Load proof (issues 11, 12): many people at once on two hosts sharing PostgreSQL and Redis.

Run by hand (about 2.5 minutes; PostgreSQL and Redis on the loopback, as for the CI pass):

    .venv/bin/python bench/load.py                         # 200 users for 60 s
    .venv/bin/python bench/load.py --hang                  # the same, one Gcore account hanging
    .venv/bin/python bench/load.py --users 40 --seconds 15 --json report.json

What it starts, all on 127.0.0.1 and all stopped again however it ends (Ctrl-C, a failure):

- the demo emulators (`manage.py run_emulators --latency`), adding `--latency` seconds to every
  answer: one serves Pipecat Cloud (account `default`) and Gcore's `prod` account, a second
  Gcore's `staging` account, which `--hang` makes hang (a delay fault on every call, far longer
  than every timeout), as a provider that stops answering does;
- a fresh PostgreSQL database and a role of its own, made ready by `manage.py prepare_database`
  as the image's start does (migrated as the owner, the dashboard's role only reading and
  appending to the audit log), both dropped at the end; `--cache` (Redis) as the cache
  (what a page shares through it expires within seconds; sessions are this run's alone);
- two gunicorns with the image's `gunicorn.conf.py` (its workers and threads) on two ports, as
  two hosts behind one proxy would be, on the same database and cache.

Then `--users` people (one in five an auditor, the others editors) sign in with a password and,
for `--seconds`, each in turn reads a page (overview and its cards, lists, a set's page and
badges, a secret's page, the audit log) or makes a change (adds a key to a set and removes it
again, creates a Gcore secret, follows its task's badge and deletes it again), with CSRF and
one-time tokens as the pages give them, thinking `--think` seconds on average between two
actions; half of them on each host. Meanwhile /healthz is asked twice a second and the image's
own health check (`scripts/healthcheck`) every five seconds on each host.

Editors also run operations in steps: now and then after a key change, a redeploy of the set's
agents (Pipecat); and a replacement of the web load balancer's default certificate by a spare one
uploaded before the run, picked among the region's, and later back (Gcore). Each is followed on
its page (`/rollouts/<id>/`) by polling `advance` as an editor's page does, between the person's
other actions; a failed step is retried once, then the operation stopped. Two people starting
the same one: the second is refused and shown the running one, which they follow too.

After the time is up, the drain follows every Gcore change and advances every operation not yet
seen ended (`DRAIN_SECONDS` at most). It then checks, and exits 1 unless all hold: no answer 5xx,
none missing; one audit attempt per change sent and one, marked running, per operation started,
every attempt (operations' and steps' too) concluded once (an operation's running mark is no
conclusion), every operation ended; as many writes reaching the providers (deploys and PATCHes
included) as attempts; `manage.py audit_verify` passes; /healthz answered within the image's
health-check timeout (5 s) and every health check passed. It prints throughput and p50/p95/p99
latencies (all requests, reads, writes, each page), beside each page's latency with nobody else
on the dashboard measured first in the same run (the baseline), and per operation how many were
started, refused, joined, done and failed.
"""

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import figure  # noqa: E402 - the checkout's root goes on the path first

BIN = Path(sys.executable).parent
PIPECAT = "default"  # the demo's one Pipecat Cloud account
GCORE = "prod"  # the demo's Gcore account the changes go to
HUNG = "staging"  # the second Gcore account, on an emulator of its own, hanging with `--hang`
REGION = 76  # of `prod`
SETS = ("prod-voice-agent", "staging-voice-agent", "eu-support-bot", "crm-webhooks")
PASSWORD = "load-test-password-not-a-secret"  # of throwaway users, in a throwaway database
HEALTH_TIMEOUT = 5.0  # the Dockerfile's HEALTHCHECK --timeout
REQUEST_TIMEOUT = 90.0  # longer than gunicorn's own timeout (60 s): gunicorn's verdict shows
SIGN_IN_AT_ONCE = 16  # people signing in at the same moment
DRAIN_SECONDS = 45.0  # at most, after the run, for Gcore's tasks and operations to be seen done
HANG_SECONDS = 3600.0  # the hung emulator's delay: longer than any timeout
REASON = "load test"
# The sets whose agents a redeploy restarts (the demo's agents bind these; crm-webhooks none).
REDEPLOYABLE = ("prod-voice-agent", "staging-voice-agent", "eu-support-bot")
REDEPLOY, REPLACE = "pipecat redeploy", "gcore replace"  # the operations, as the report names them
CERTIFICATE = "www-example-com"  # of `prod`, the web load balancer's default certificate
SPARE = "load-spare-certificate"  # uploaded before the run; the replacements switch between the two

ONCE = re.compile(r'name="once" value="([^"]+)"')
REMOVABLE = re.compile(r'data-remove-key="([^"]+)" data-once="([^"]+)"')
BADGE = re.compile(
    r'<div class="change-badge" id="change-(\d+)" data-state="(\w+)"(.*?)</div>', re.DOTALL
)
OPEN_IT = re.compile(r'href="/gcore/[\w-]+/(\d+)/([0-9a-f-]{36})/">Open it')
SECRET_LINK = re.compile(r'href="/gcore/[\w-]+/(\d+)/([0-9a-f-]{36})/"')
FAILURE_TEXT = re.compile(r'<div class="empty" role="alert">(.*?)</div>', re.S)
TAG = re.compile(r"<[^>]+>")
AUDIT_LINK = re.compile(r'href="/audit/(\d+)/"')
TOAST = re.compile(r'class="toast toast-(\w+)"[^>]*>\s*<span>(.*?)</span>', re.DOTALL)
OPERATION = re.compile(r"/rollouts/([0-9a-f-]{36})/")
OPERATION_STATE = re.compile(r'id="rollout-progress" data-state="(\w+)"')
STOP_POLLING = 286  # htmx: the operation's page asks no more (ended, or it waits for a person)


def said_on(page: str) -> str:
    """The text of a failure page's message (heading, message, request ids), on one line."""
    found = FAILURE_TEXT.search(page)
    return " ".join(TAG.sub(" ", found[1] if found else page[:300]).split())


# -- what was measured ------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # read, write, sign-in, health, baseline
    page: str  # the route, e.g. "GET /pipecat/{account}/sets/{name}/"
    status: int  # 0: no answer (`error` says why)
    seconds: float
    ended: float  # monotonic
    host: int
    error: str = ""  # no answer: why; a 5xx: what its page said
    # A 502 that is the dashboard's "provider unavailable" page: the upstream failed, by design.
    unavailable_page: bool = False


@dataclass
class Write:
    action: str
    result: str  # saved, failed (the provider's answer, recorded), refused (nothing sent), lost
    message: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    checks: list[tuple[str, float, int]] = field(default_factory=list)  # health check runs
    stale: Counter[str] = field(default_factory=Counter)  # own changes a page did not show
    # Operations by (kind, what a start came to): started, refused (one was running: its page
    # shown instead), joined (the form's page led to the running one), not started (why in
    # `not_started`); and each operation seen (id: kind), with how it ended (id: done, failed).
    operations: Counter[tuple[str, str]] = field(default_factory=Counter)
    not_started: list[Write] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)
    ended: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(samples: list[Sample]) -> dict[str, float]:
    times = [s.seconds for s in samples]
    return {
        "requests": len(times),
        "p50_ms": percentile(times, 0.50) * 1000,
        "p95_ms": percentile(times, 0.95) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "max_ms": max(times, default=float("nan")) * 1000,
    }


# -- the processes and the database ----------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_of(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"load: --database must be a postgres:// URL, not {parts.scheme}://…")
    return {
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        # The server's own database, from which others are made (as Django makes its tests').
        "dbname": "postgres",
    }


class Stack:
    """Everything a run starts, stopped and dropped by `close()` whatever happened before."""

    def __init__(self, options: argparse.Namespace, work: Path) -> None:
        self.options = options
        self.work = work
        self.run_id = secrets.token_hex(4)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.database = f"secretsadmin_load_{self.run_id}"
        self.role = self.database
        self.server = server_of(options.database)
        self.created_database = self.created_role = False
        self.ports = [free_port() for _ in range(options.hosts)]
        self.emulators: dict[str, str] = {}  # emulator env of the first, staging's URL from 2nd
        self.second_gcore = ""

    # The environment both hosts share, as a deployment's would.
    def environment(self) -> dict[str, str]:
        server = self.server
        owner = server["user"] + (f":{server['password']}" if server["password"] else "")
        at = f"{server['host']}:{server['port']}/{self.database}"
        home = self.work / "home"
        home.touch()  # the image's home cannot be written: gunicorn must not need it
        return {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"postgres://{self.role}@{at}",
            "MIGRATE_DATABASE_URL": f"postgres://{owner}@{at}",
            "CACHE_URL": self.options.cache,
            "STATIC_ROOT": str(self.work / "static"),
            "SECURE_COOKIES": "false",  # plain http on the loopback
            **self.emulators,
            **dict(self.options.set),
        }

    def start_emulators(self) -> None:
        first = self._emulator("emulators")
        second = self._emulator("emulators-staging")
        self.emulators = {**first, f"GCORE_{HUNG.upper()}_API_URL": second["GCORE_PROD_API_URL"]}
        self.emulators.pop("DEMO_MODE", None)
        self.second_gcore = second["GCORE_PROD_API_URL"]

    def hang(self) -> None:
        """From now on the second Gcore account's emulator answers nothing, however long one
        waits (a delay far beyond every timeout, on every call)."""
        fault = {"operation": "*", "times": 1_000_000, "delay": HANG_SECONDS}
        url = f"{self.second_gcore}/_emulator/faults"
        httpx.post(url, json=fault, timeout=5).raise_for_status()

    def _emulator(self, name: str) -> dict[str, str]:
        env_file = self.work / f"{name}.env"
        env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{self.work / 'emulators.sqlite3'}",  # checked, not used
        }
        command = [sys.executable, "manage.py", "run_emulators", "--env-file", str(env_file)]
        self._start(name, [*command, "--latency", str(self.options.latency)], env)
        deadline = time.monotonic() + 30
        while not env_file.exists():
            if time.monotonic() > deadline or self.processes[-1].poll() is not None:
                raise SystemExit(f"load: the emulators did not start: {self.log(name)}")
            time.sleep(0.1)
        found = {}
        for line in env_file.read_text().splitlines():
            variable, _, value = line.removeprefix("export ").partition("=")
            found[variable] = shlex.split(value)[0] if value else ""
        return found

    def create_database(self) -> None:
        import psycopg

        with psycopg.connect(**self.server, autocommit=True) as connection:
            connection.execute(f'CREATE ROLE "{self.role}" LOGIN')
            self.created_role = True
            connection.execute(f'CREATE DATABASE "{self.database}"')
            self.created_database = True

    def prepare(self) -> str:
        """The image's start before gunicorn: migrations as the owner, then what it says of the
        dashboard's role; collectstatic, as the image's build."""
        env = self.environment()
        for command in (["collectstatic", "--noinput", "-v0"], ["prepare_database", "-v0"]):
            self.manage(command, env)
        return self.manage(["audit_protection"], env).strip()

    def manage(self, command: list[str], env: dict[str, str], timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise SystemExit(f"load: manage.py {command[0]} failed:\n{done.stdout}{done.stderr}")
        return done.stdout + done.stderr

    def create_users(self, count: int) -> list[tuple[str, str]]:
        """`count` people, every fifth an auditor and the others editors; one password hash for
        all, made once (each sign-in still checks it in full)."""
        env = self.environment()
        script = (
            "import sys\n"
            "from django.contrib.auth.hashers import make_password\n"
            "from django.contrib.auth.models import Group, User\n"
            "hashed = make_password(sys.argv[1])\n"
            "groups = {g.name: g for g in Group.objects.filter(name__in=['editor', 'auditor'])}\n"
            "for line in sys.stdin.read().split():\n"
            "    name, role = line.split(':')\n"
            "    user = User.objects.create(username=name, password=hashed)\n"
            "    user.groups.add(groups[role])\n"
        )
        roles = ["auditor" if i % 5 == 4 else "editor" for i in range(count)]
        people = [(f"load-{role}-{i:03}", role) for i, role in enumerate(roles)]
        subprocess.run(
            [sys.executable, "-c", _with_django(script), PASSWORD],
            cwd=ROOT,
            env=env,
            input="\n".join(f"{n}:{r}" for n, r in people),
            text=True,
            check=True,
            timeout=300,
        )
        return people

    def start_hosts(self) -> None:
        env = self.environment()
        for host, port in enumerate(self.ports):
            self._start(
                f"gunicorn-{host}",
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"],
                {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            )
        for host, port in enumerate(self.ports):
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or self.processes[-1 - host].poll() is not None:
                    raise SystemExit(
                        f"load: gunicorn did not start: {self.log(f'gunicorn-{host}')}"
                    )
                time.sleep(0.2)

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> None:
        with (self.work / f"{name}.log").open("wb") as log:
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a group of its own, stopped as one below
                )
            )

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def secret_id(self, name: str) -> str | None:
        """The id of `prod`'s secret `name` in REGION, as the emulator lists it (a read)."""
        env = self.emulators
        url = f"{env['GCORE_PROD_API_URL']}/cloud/v1/secrets/{env['GCORE_PROD_PROJECT']}/{REGION}"
        headers = {"Authorization": f"APIKey {env['GCORE_PROD_API_KEY']}"}
        listed = httpx.get(url, headers=headers, params={"limit": 1000}, timeout=30).json()
        return next((s["id"] for s in listed["results"] if s["name"] == name), None)

    def upstream_writes(self) -> Counter[str]:
        """The writes each emulator was sent (PUT, POST, PATCH, DELETE), by operation and status."""
        found: Counter[str] = Counter()
        urls = {
            self.emulators["PIPECAT_API_URL"],
            self.emulators["GCORE_PROD_API_URL"],
        }
        for url in urls:
            listed = httpx.get(f"{url}/_emulator/requests", timeout=30).json()["requests"]
            for request in listed:
                if request["method"] in ("PUT", "POST", "PATCH", "DELETE"):
                    found[f"{request['operation']} {request['status']}"] += 1
        return found

    def close(self) -> None:
        for process in reversed(self.processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self._drop_database()
        self.empty_cache()

    def empty_cache(self) -> None:
        """What a run leaves in the cache (shared reads, sessions, pauses) is its own: emptied
        before and after, as the test suite empties it around every test."""
        import redis

        redis.Redis.from_url(self.options.cache).flushdb()

    def _drop_database(self) -> None:
        if not (self.created_database or self.created_role):
            return
        import psycopg

        with psycopg.connect(**self.server, autocommit=True) as connection:
            if self.created_database:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            if self.created_role:
                connection.execute(f'DROP ROLE IF EXISTS "{self.role}"')


def self_signed(name: str) -> tuple[str, str]:
    """A certificate for `name` valid for 90 days, and its private key, in PEM."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), private.decode()


def _with_django(script: str) -> str:
    return (
        "import os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'secretsadmin.settings')\n"
        "django.setup()\n" + script
    )


# -- one person ------------------------------------------------------------------------------


@dataclass
class Flight:
    """A Gcore change of this person's whose task runs: its badge is followed until done."""

    sequence: int
    name: str
    creates: bool
    polled: float = 0.0


@dataclass
class Following:
    """An operation whose page this person has open: advanced as the page does, until it ends."""

    id: str
    kind: str
    polled: float = 0.0
    retried: bool = False


class Person:
    def __init__(
        self,
        index: int,
        username: str,
        role: str,
        host: int,
        port: int,
        recorder: Recorder,
        run: "Run",
    ) -> None:
        self.index, self.username, self.role, self.host = index, username, role, host
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=REQUEST_TIMEOUT,
            headers={"User-Agent": f"secretsadmin-load/{index}"},
            limits=httpx.Limits(max_connections=3),
        )
        self.recorder = recorder
        self.run = run
        self.rng = random.Random(index)
        self.kind = "read"
        self.changes = 0
        self.keys_added: list[tuple[str, str]] = []  # (set, key), to remove again
        self.flight: Flight | None = None
        self.created: list[tuple[str, int, str]] = []  # (name, region, id), to delete again
        self.following: Following | None = None

    async def close(self) -> None:
        await self.client.aclose()

    async def get(self, path: str, page: str, *, htmx: bool = False) -> httpx.Response | None:
        headers = {"HX-Request": "true"} if htmx else {}
        return await self._send("GET", path, page, headers=headers)

    async def _send(self, method: str, path: str, page: str, **kwargs) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self._record(page, method, 0, started, f"{type(exc).__name__}: {exc}")
            return None
        unavailable = response.status_code == 502 and 'class="request-ids"' in response.text
        # What a failure page said, so that a failed run names the cause.
        said = said_on(response.text) if response.status_code >= 500 else ""
        self._record(page, method, response.status_code, started, said, unavailable=unavailable)
        return response

    def _record(
        self, page: str, method: str, status: int, started: float, error: str = "", **more: bool
    ) -> None:
        ended = time.monotonic()
        sample = Sample(self.kind, f"{method} {page}", status, ended - started, ended, self.host)
        sample.error, sample.unavailable_page = error, more.get("unavailable", False)
        self.recorder.add(sample)

    async def post(self, path: str, page: str, data: dict[str, str]) -> httpx.Response | None:
        form = {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""), **data}
        headers = {"Referer": f"{self.client.base_url}{path}"}
        return await self._send("POST", path, page, data=form, headers=headers)

    async def sign_in(self) -> bool:
        self.kind = "sign-in"
        await self.get("/accounts/login/", "/accounts/login/")
        answer = await self.post(
            "/accounts/login/",
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "next": "/"},
        )
        self.kind = "read"
        return answer is not None and answer.status_code == 302

    # -- what a person does ----------------------------------------------------------------

    async def act(self) -> None:
        if self.flight and time.monotonic() - self.flight.polled >= self.run.poll_seconds:
            await self.follow()
            return
        following = self.following
        if following and time.monotonic() - following.polled >= self.run.rollout_poll_seconds:
            await self.advance(following)
            return
        if self.role == "auditor":
            await self.rng.choices(self.AUDITOR, self.AUDITOR_WEIGHTS)[0](self)
        else:
            await self.rng.choices(self.EDITOR, self.EDITOR_WEIGHTS)[0](self)

    async def overview(self) -> None:
        """The first page, then its cards, which the page loads once shown."""
        await self.get("/", "/")
        cards = [
            f"/overview/pipecat/{PIPECAT}/",
            f"/overview/gcore/{GCORE}/",
            f"/overview/gcore/{HUNG}/",
        ]
        await asyncio.gather(*(self.get(card, self.route(card), htmx=True) for card in cards))

    async def sets(self) -> None:
        """The sets list, then each row's key count as it comes into view (four here)."""
        query = self.rng.choice(["", "?q=voice", "?sort=-region", "?status=pending"])
        await self.get(f"/pipecat/{PIPECAT}/{query}", "/pipecat/{account}/")
        rows = self.rng.sample(SETS, 4)
        counts = (
            self.get(
                f"/pipecat/{PIPECAT}/sets/{n}/keys-count/", "/pipecat/…/keys-count/", htmx=True
            )
            for n in rows
        )
        await asyncio.gather(*counts)

    async def set_page(self) -> None:
        name = self.rng.choice(SETS)
        await self.get(f"/pipecat/{PIPECAT}/sets/{name}/", "/pipecat/{account}/sets/{name}/")
        await self.get(f"/pipecat/{PIPECAT}/sets/{name}/badge/", "/pipecat/…/badge/", htmx=True)

    async def secret_list(self) -> None:
        query = self.rng.choice(["", "?q=load", "?sort=name", f"?region={REGION}"])
        await self.get(f"/gcore/{GCORE}/{query}", "/gcore/{account}/")

    async def secret_page(self) -> None:
        if not self.run.secret_pages:
            await self.secret_list()
            return
        path = self.rng.choice(self.run.secret_pages)
        await self.get(path, "/gcore/{account}/{region}/{id}/")

    async def hung_account(self) -> None:
        """The other Gcore account's list: hanging, with `--hang`."""
        await self.get(f"/gcore/{HUNG}/", "/gcore/{second account}/")

    async def audit(self) -> None:
        query = self.rng.choice(["", "?action=pipecat", "?q=load", "?outcome=unknown"])
        answer = await self.get(f"/audit/{query}", "/audit/")
        found = AUDIT_LINK.findall(answer.text) if answer is not None else []
        if found and self.rng.random() < 0.5:
            await self.get(f"/audit/{self.rng.choice(found)}/", "/audit/{sequence}/")

    async def change_keys(self) -> None:
        """Adds a key of this person's to a set, or removes the one added before; now and then
        then redeploys the set's agents, so that they read it."""
        if self.keys_added and self.rng.random() < 0.6:
            changed = await self.remove_key()
        else:
            changed = await self.add_key()
        if changed and self.following is None and self.rng.random() < 0.25:
            await self.redeploy(SETS[self.index % len(SETS)])

    async def add_key(self) -> bool:
        name = SETS[self.index % len(SETS)]
        here = f"/pipecat/{PIPECAT}/sets/{name}/"
        page = await self.get(here, "/pipecat/{account}/sets/{name}/")
        token = ONCE.search(page.text) if page is not None and page.status_code == 200 else None
        if token is None:
            return False
        self.changes += 1
        key = f"LOAD_{self.index:03}_{self.changes}"
        data = {"once": token[1], "key_0": key, "value_0": secrets.token_urlsafe(24)}
        if await self.change("pipecat add key", here + "keys/", data, "/pipecat/…/keys/"):
            self.keys_added.append((name, key))
            return True
        return False

    async def remove_key(self) -> bool:
        name, key = self.keys_added[0]
        here = f"/pipecat/{PIPECAT}/sets/{name}/"
        page = await self.get(here, "/pipecat/{account}/sets/{name}/")
        if page is None or page.status_code != 200:
            return False
        tokens = dict(REMOVABLE.findall(page.text))
        if key not in tokens:
            self.recorder.stale["a key added did not show on its set's page"] += 1
            return False
        path = f"{here}keys/{key}/delete/"
        if await self.change(
            "pipecat remove key", path, {"once": tokens[key]}, "/pipecat/…/delete/"
        ):
            self.keys_added.pop(0)
            return True
        return False

    # -- operations in steps ---------------------------------------------------------------

    async def redeploy(self, name: str) -> None:
        """From the set's page: every agent using it redeployed, or the redeploy under way
        followed (the page links to it instead of the form)."""
        if name not in REDEPLOYABLE:
            return
        here = f"/pipecat/{PIPECAT}/sets/{name}/"
        page = await self.get(here, "/pipecat/{account}/sets/{name}/")
        if page is None or page.status_code != 200:
            return
        running = OPERATION.search(page.text.partition('id="redeploy-running"')[2])
        if running:
            self._follow_operation(running[1], REDEPLOY, "joined")
            return
        form = page.text.partition('id="redeploy-form"')[2]
        token = ONCE.search(form)
        if token is None:
            return
        data = {"once": token[1], "all": "1"}
        await self.start_operation(REDEPLOY, f"{here}redeploy/", data, "/pipecat/…/redeploy/")

    async def replace_certificate(self) -> None:
        """Replaces the web load balancer's default certificate by the other of the two (by
        picking it among the region's), whichever it uses now: the replace page of the one not
        in use says nothing uses it, and the other is tried. A replacement under way is
        followed instead (its replace page leads there)."""
        if self.following is not None:
            await self.advance(self.following)
            return
        certificates = self.run.certificates
        if len(certificates) != 2:
            return
        guess = self.run.in_use
        for old, new in ((guess, 1 - guess), (1 - guess, guess)):
            region, old_id = certificates[old]
            path = f"/gcore/{GCORE}/{region}/{old_id}/replace/"
            page = await self.get(path, "/gcore/…/replace/")
            if page is None:
                return
            if page.status_code == 302:
                found = OPERATION.search(page.headers.get("Location", ""))
                if found:
                    self._follow_operation(found[1], REPLACE, "joined")
                return
            form = page.text.partition('id="pick-form"')[2]
            token = ONCE.search(form) if page.status_code == 200 else None
            if token is None:
                continue  # nothing uses this one (or the page could not say): the other
            data = {
                "source": "pick",
                "once": token[1],
                "pick-replacement": certificates[new][1],
                "pick-reason": REASON,
            }
            await self.start_operation(REPLACE, path, data, "/gcore/…/replace/")
            return

    async def start_operation(self, kind: str, path: str, data: dict[str, str], page: str) -> None:
        """Sends an operation's start form after a moment reading it (two people may then start
        the same one: the second is refused and shown the running one's page, which they follow)."""
        await asyncio.sleep(self.rng.uniform(0, self.run.options.think))
        self.kind = "write"
        answer = await self.post(path, page, {"reason": REASON, **data})
        self.kind = "read"
        where = answer.headers.get("Location", "") if answer is not None else ""
        found = OPERATION.search(where)
        if answer is None or answer.status_code != 302:
            status = "no answer" if answer is None else f"HTTP {answer.status_code}"
            self._not_started(kind, status)
            return
        landed = await self.get(where, "/rollouts/{id}/" if found else "(page after a change)")
        text = landed.text if landed is not None else ""
        if found is None:
            self._not_started(kind, " ".join(_plain(m) for _, m in TOAST.findall(text)))
            return
        refused = "already being done" in _plain(text)
        self._follow_operation(found[1], kind, "refused" if refused else "started")

    def _not_started(self, kind: str, why: str) -> None:
        self.recorder.operations[(kind, "not started")] += 1
        self.recorder.not_started.append(Write(kind, "not started", why[:300]))

    def _follow_operation(self, operation: str, kind: str, how: str) -> None:
        self.recorder.operations[(kind, how)] += 1
        self.recorder.seen[operation] = kind
        self.following = Following(operation, kind, time.monotonic())

    async def advance(self, following: Following) -> bool:
        """One poll of the operation's page, as an editor's page sends it (`advance`, with the
        CSRF token and htmx's header); once it asks no more: done, or stopped by someone, or
        waiting for a person with failed steps, which are retried once and then stopped, as
        an editor would. Whether it has ended."""
        following.polled = time.monotonic()
        base = f"/rollouts/{following.id}/"
        headers = {
            "HX-Request": "true",
            "X-CSRFToken": self.client.cookies.get("csrftoken", ""),
            "Referer": f"{self.client.base_url}{base}",
        }
        answer = await self._send(
            "POST", f"{base}advance/", "/rollouts/{id}/advance/", headers=headers
        )
        if answer is None or answer.status_code != STOP_POLLING:
            return False
        found = OPERATION_STATE.search(answer.text)
        state = found[1] if found else ""
        if state == "running":  # failed steps, nothing else moving
            action = "stop" if following.retried else "retry"
            following.retried = True
            await self.post(f"{base}{action}/", f"/rollouts/{{id}}/{action}/", {})
            return False
        if state in ("done", "abandoned"):
            if following.id not in self.recorder.ended:
                self.recorder.ended[following.id] = "done" if state == "done" else "failed"
                if following.kind == REPLACE and state == "done":
                    self.run.in_use = 1 - self.run.in_use
            if self.following is following:
                self.following = None
            return True
        return False

    async def change_secrets(self) -> None:
        """Creates a Gcore secret, or deletes one created before; one change in flight at most."""
        if self.flight is not None:
            await self.follow()
        elif self.created and self.rng.random() < 0.6:
            await self.delete_secret()
        else:
            await self.create_secret()

    async def create_secret(self) -> None:
        new = f"/gcore/{GCORE}/new/"
        page = await self.get(new, "/gcore/{account}/new/")
        token = ONCE.search(page.text) if page is not None and page.status_code == 200 else None
        if token is None:
            return
        self.changes += 1
        name = f"load-{self.index:03}-{self.changes}"
        data = {
            "once": token[1],
            "region": str(REGION),
            "name": name,
            "secret_type": "opaque",
            "payload": secrets.token_urlsafe(32),
        }
        await self.change("gcore create", new, data, "/gcore/{account}/new/", follows=name)

    async def delete_secret(self) -> None:
        name, region, secret_id = self.created[0]
        path = f"/gcore/{GCORE}/{region}/{secret_id}/delete/"
        page = await self.get(path, "/gcore/…/delete/")
        token = ONCE.search(page.text) if page is not None and page.status_code == 200 else None
        if token is None:
            return
        data = {"once": token[1], "confirm": name}
        if await self.change("gcore delete", path, data, "/gcore/…/delete/", follows=name):
            self.created.pop(0)

    async def change(
        self, action: str, path: str, data: dict[str, str], page: str, follows: str = ""
    ) -> bool:
        """Sends a change form as a page without JavaScript does, then reads the page it leads
        to, whose toast says what happened; a Gcore change's badge is found there."""
        self.kind = "write"
        answer = await self.post(path, page, {**data, "reason": REASON})
        self.kind = "read"
        if answer is None or answer.status_code != 302:
            status = "no answer" if answer is None else f"HTTP {answer.status_code}"
            self.recorder.writes.append(Write(action, "lost", status))
            return False
        landed = await self.get(answer.headers["Location"], "(page after a change)")
        text = landed.text if landed is not None else ""
        toasts = TOAST.findall(text)
        saved = any(level == "success" for level, _ in toasts)
        words = " ".join(_plain(message) for _, message in toasts)
        if saved:
            result = "saved"
        elif any(level == "error" for level, _ in toasts) and "request id" in words:
            result = "failed"  # the provider answered with an error or not at all: recorded
        else:
            result = "refused"
        self.recorder.writes.append(Write(action, result, words[:300]))
        if saved and follows:
            self.flight = self._badge_of(text, follows)
            if self.flight is None:
                self.recorder.stale["a change's badge was not on the list it led to"] += 1
        return saved

    def _badge_of(self, page: str, name: str) -> Flight | None:
        for sequence, _state, inside in BADGE.findall(page):
            if f"<strong>{name}</strong>" in inside:
                creates = any(word in inside for word in ("creat", "upload"))
                return Flight(int(sequence), name, creates, time.monotonic())
        return None

    async def follow(self) -> None:
        """Polls the badge of the change in flight, as the list does every few seconds."""
        flight = self.flight
        assert flight is not None
        flight.polled = time.monotonic()
        path = f"/gcore/{GCORE}/changes/{flight.sequence}/"
        answer = await self.get(path, "/gcore/{account}/changes/{sequence}/", htmx=True)
        if answer is None or answer.status_code != 286:  # htmx: stop polling, it is done
            return
        self.flight = None
        found = OPEN_IT.search(answer.text)
        if flight.creates and found:
            self.created.append((flight.name, int(found[1]), found[2]))

    @staticmethod
    def route(path: str) -> str:
        return re.sub(
            rf"/{HUNG}/",
            "/{second account}/",
            re.sub(rf"/(?:{PIPECAT}|{GCORE})/", "/{account}/", path),
        )

    EDITOR = (
        overview,
        sets,
        set_page,
        secret_list,
        secret_page,
        hung_account,
        change_keys,
        change_secrets,
        replace_certificate,
    )
    EDITOR_WEIGHTS = (20, 14, 16, 12, 8, 4, 14, 12, 3)
    AUDITOR = (audit, overview, sets, set_page, secret_list, hung_account)
    AUDITOR_WEIGHTS = (45, 20, 10, 10, 10, 5)


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


# -- the run ---------------------------------------------------------------------------------


class Run:
    def __init__(self, options: argparse.Namespace, stack: Stack) -> None:
        self.options = options
        self.stack = stack
        self.recorder = Recorder()
        self.poll_seconds = 3.0  # GCORE_POLL_SECONDS's default: how often a badge asks
        self.rollout_poll_seconds = 3.0  # ROLLOUT_POLL_SECONDS's: how often an operation's page
        # The two certificates (region, id) the replacements switch between, and which one the
        # load balancer is believed to use now (a guess: a person reads the page to be sure).
        self.certificates: list[tuple[int, str]] = []
        self.in_use = 0
        self.secret_pages: list[str] = []
        self.started = self.ended = 0.0
        self.cpu_seconds = 0.0  # this process's, the people's: on the same machine as the rest
        self.signed_in = 0
        self.drained = 0.0  # seconds the drain took, after the actions under way

    async def main(self, people: list[tuple[str, str]]) -> None:
        ports = self.stack.ports
        persons = [
            Person(i, name, role, i % len(ports), ports[i % len(ports)], self.recorder, self)
            for i, (name, role) in enumerate(people)
        ]
        try:
            await self.baseline(persons[0])
            await self.sign_in(persons)
            await self.discover(persons[0])
            await self.upload_spare(persons[0])
            if self.options.hang:
                self.stack.hang()
            self.started, cpu = time.monotonic(), time.process_time()
            stop = self.started + self.options.seconds
            await asyncio.gather(*(self.loop(p, stop) for p in persons))
            self.ended, self.cpu_seconds = time.monotonic(), time.process_time() - cpu
            await self.drain(persons)
            self.drained = time.monotonic() - self.ended
        finally:
            await asyncio.gather(*(p.close() for p in persons))

    async def baseline(self, person: Person) -> None:
        """Each page with nobody else on the dashboard: what the figures under load compare to."""
        if not await person.sign_in():
            raise SystemExit("load: the first person could not sign in")
        person.kind = "baseline"
        pages = [
            ("/", "GET /"),
            (f"/pipecat/{PIPECAT}/", "/pipecat/{account}/"),
            (f"/pipecat/{PIPECAT}/sets/{SETS[0]}/", "/pipecat/{account}/sets/{name}/"),
            (f"/gcore/{GCORE}/", "/gcore/{account}/"),
            (f"/overview/gcore/{GCORE}/", "/overview/gcore/{account}/"),
        ]
        for _ in range(5):
            for path, page in pages:
                await person.get(path, page.removeprefix("GET "))
        person.kind = "read"

    async def sign_in(self, persons: list[Person]) -> None:
        at_once = asyncio.Semaphore(SIGN_IN_AT_ONCE)

        async def one(person: Person) -> None:
            async with at_once:
                if await person.sign_in():
                    self.signed_in += 1

        await asyncio.gather(*(one(p) for p in persons[1:]))
        self.signed_in += 1  # the first, signed in for the baseline
        if self.signed_in != len(persons):
            raise SystemExit(f"load: only {self.signed_in} of {len(persons)} people signed in")

    async def discover(self, person: Person) -> None:
        """What the pages link to; the second account read once while it still answers."""
        await person.get(f"/gcore/{HUNG}/", "(before the run)")
        answer = await person.get(f"/gcore/{GCORE}/", "/gcore/{account}/")
        if answer is not None:
            found = sorted(set(SECRET_LINK.findall(answer.text)))
            self.secret_pages = [f"/gcore/{GCORE}/{r}/{i}/" for r, i in found]

    async def upload_spare(self, person: Person) -> None:
        """The second certificate the replacements switch to and back, uploaded as a person
        would (an audited change like any other), its task followed until done."""
        new = f"/gcore/{GCORE}/new/certificate/"
        page = await person.get(new, "(before the run)")
        token = ONCE.search(page.text) if page is not None and page.status_code == 200 else None
        if token is None:
            raise SystemExit("load: the certificate upload form did not show")
        certificate, key = self_signed("spare.example.com")
        data = {
            "once": token[1],
            "region": str(REGION),
            "name": SPARE,
            "certificate": certificate,
            "certificate_chain": "",
            "private_key": key,
            "expiration": "",
        }
        await person.change("gcore upload certificate", new, data, "(before the run)", SPARE)
        deadline = time.monotonic() + 30
        while person.flight is not None and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            await person.follow()
        spare = [(region, i) for name, region, i in person.created if name == SPARE]
        person.created = [c for c in person.created if c[0] != SPARE]  # not to be deleted
        default = self.stack.secret_id(CERTIFICATE)
        if not spare or default is None:
            raise SystemExit("load: the spare certificate was not uploaded")
        self.certificates = [(REGION, default), spare[0]]

    async def loop(self, person: Person, stop: float) -> None:
        # People do not all start in the same millisecond.
        await asyncio.sleep(person.rng.uniform(0, self.options.think))
        while time.monotonic() < stop:
            await person.act()
            await asyncio.sleep(person.rng.uniform(0, 2 * self.options.think))

    async def drain(self, persons: list[Person]) -> None:
        """After the run: each change in flight followed until its task is seen done, and each
        operation not seen ended advanced until it ends; then the list, whose badges conclude
        whatever nobody watched, until it shows none."""
        deadline = time.monotonic() + DRAIN_SECONDS

        async def settle(person: Person) -> None:
            while person.flight is not None and time.monotonic() < deadline:
                await person.follow()
                if person.flight is not None:
                    await asyncio.sleep(1.0)

        async def end(person: Person, operation: str) -> None:
            """An operation no longer followed by anyone advanced until it ends, as the page
            left open by its last editor would."""
            following = Following(operation, self.recorder.seen[operation])
            while time.monotonic() < deadline and not await person.advance(following):
                await asyncio.sleep(self.rollout_poll_seconds)

        for person in persons:
            person.kind = "drain"
            person.following = None
        editors = [p for p in persons if p.role == "editor"]
        running = [o for o in self.recorder.seen if o not in self.recorder.ended]
        await asyncio.gather(
            *(settle(p) for p in persons),
            *(end(editors[i % len(editors)], o) for i, o in enumerate(running)),
        )
        sweeper = next(p for p in persons if p.role == "editor")
        while time.monotonic() < deadline:
            answer = await sweeper.get(f"/gcore/{GCORE}/", "/gcore/{account}/")
            badges = BADGE.findall(answer.text) if answer is not None else []
            if not badges:
                break
            for sequence, _state, _inside in badges:
                await sweeper.get(f"/gcore/{GCORE}/changes/{sequence}/", "(drain)", htmx=True)
            await asyncio.sleep(1.0)


# -- health ----------------------------------------------------------------------------------


class HealthProbe(threading.Thread):
    """/healthz twice a second, the image's own health check every five seconds, on every
    host, from a thread of its own so that the load's event loop does not delay its clock."""

    def __init__(self, ports: list[int], recorder: Recorder, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.ports, self.recorder, self.env = ports, recorder, env
        self.stopped = threading.Event()

    def run(self) -> None:
        turn = 0
        while not self.stopped.wait(0.5):
            port = self.ports[turn % len(self.ports)]
            self.probe(port, turn % len(self.ports))
            if turn % 10 == 0:
                for host, each in enumerate(self.ports):
                    self.check(each, host)
            turn += 1

    def probe(self, port: int, host: int) -> None:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        status, error = 0, ""
        try:
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            status = connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()
        ended = time.monotonic()
        self.recorder.add(
            Sample("health", "GET /healthz", status, ended - started, ended, host, error)
        )

    def check(self, port: int, host: int) -> None:
        started = time.monotonic()
        done = subprocess.run(
            [str(ROOT / "scripts" / "healthcheck")],
            cwd=ROOT,
            env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            capture_output=True,
            text=True,
            timeout=30,
        )
        with self.recorder.lock:
            self.recorder.checks.append(
                (done.stderr.strip(), time.monotonic() - started, done.returncode)
            )


# -- the audit log, afterwards ---------------------------------------------------------------

AUDIT_COUNTS = """
import json
from collections import Counter
from django.db.models import Count, Q
from secretsadmin.audit.models import AuditEvent
from secretsadmin.audit.selectors import OPERATION_RUNNING
from secretsadmin.rollouts.models import Rollout, Step
attempts = AuditEvent.objects.filter(outcome='attempted')
settles = ~Q(outcomes__outcome='unknown') | Q(outcomes__error_code='reconciled')
rows = attempts.annotate(
    outcomes_n=Count('outcomes'), settled_n=Count('outcomes', filter=settles)
).values('action', 'outcomes_n', 'settled_n')
by_action = Counter(r['action'] for r in rows)
outcomes = Counter(
    o.outcome for o in AuditEvent.objects.filter(attempt__isnull=False).only('outcome')
)
print(json.dumps({
    'attempts': sum(by_action.values()),
    'by_action': by_action,
    'without_outcome': sum(1 for r in rows if r['outcomes_n'] == 0),
    'unsettled': sum(1 for r in rows if r['settled_n'] == 0),
    'settled_twice': sum(1 for r in rows if r['settled_n'] > 1),
    'outcomes': outcomes,
    'events': AuditEvent.objects.count(),
    'sign_ins': AuditEvent.objects.filter(action='auth.login').count(),
    'unsettled_by_action': Counter(r['action'] for r in rows if r['settled_n'] == 0),
    'operations_marked_running': Counter(
        AuditEvent.objects.filter(error_code=OPERATION_RUNNING).values_list(
            'attempt__action', flat=True
        )
    ),
    'operations': Counter(f"{k} {s}" for k, s in Rollout.objects.values_list('kind', 'state')),
    'steps': Counter(f"{k} {s}" for k, s in Step.objects.values_list('rollout__kind', 'state')),
}))
"""

UPSTREAM_WRITES = {  # emulator operation: the audit action of the change it makes
    "put_set": "pipecat.secret_set.upsert",
    "delete_key": "pipecat.secret_key.delete",
    "create_secret": "gcore.secret.create",
    "delete_secret": "gcore.secret.delete",
    "create_tls_secret": "gcore.certificate.create",
    "update_agent": "pipecat.agent.redeploy",  # a redeploy's step: POST /v1/agents/{name}
    "update_listener": "gcore.listener.update",  # a replacement's steps: PATCH
    "update_pool": "gcore.pool.update",
}
# The operations' own attempts (their steps are the writes); no provider is sent these.
OPERATION_ACTIONS = {REDEPLOY: "pipecat.secret_set.redeploy", REPLACE: "gcore.certificate.replace"}
STEP_ACTIONS = ("pipecat.agent.redeploy", "gcore.listener.update", "gcore.pool.update")


def audit_counts(stack: Stack) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _with_django(AUDIT_COUNTS)],
        cwd=ROOT,
        env=stack.environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


# -- the report ------------------------------------------------------------------------------


def report(
    run: Run, stack: Stack, audit: dict, verified: tuple[int, str], upstream: Counter[str]
) -> dict:
    recorder = run.recorder
    samples = recorder.samples
    timed = [
        s for s in samples if s.kind in ("read", "write") and run.started <= s.ended <= run.ended
    ]
    window = run.options.seconds
    in_window = sum(1 for s in timed if s.ended <= run.started + window)
    health = [s for s in samples if s.kind == "health"]
    health_during = [s for s in health if run.started <= s.ended <= run.ended]
    baseline = defaultdict(list)
    for s in samples:
        if s.kind == "baseline":
            baseline[s.page].append(s.seconds)
    pages: dict[str, dict] = {}
    by_page = defaultdict(list)
    for s in timed:
        by_page[s.page].append(s)
    for page, group in sorted(by_page.items()):
        pages[page] = summary(group)
        if page in baseline:
            pages[page]["idle_p50_ms"] = statistics.median(baseline[page]) * 1000
    writes_sent = len(recorder.writes)
    results = Counter(w.result for w in recorder.writes)
    upstream_by_action: Counter[str] = Counter()
    for key, count in upstream.items():
        operation = key.split()[0]
        upstream_by_action[UPSTREAM_WRITES.get(operation, operation)] += count
    # The hung account's pages say so with a 502 (the upstream failed); any other 5xx is ours.
    server_errors = [
        s
        for s in samples
        if s.status >= 500 and not (s.unavailable_page and "{second account}" in s.page)
    ]
    unanswered = [s for s in samples if s.status == 0]
    second = [s for s in timed if "{second account}" in s.page]
    attempted = Counter(audit["by_action"])
    operation_actions = set(OPERATION_ACTIONS.values())
    changes = sum(n for a, n in attempted.items() if a not in {*operation_actions, *STEP_ACTIONS})
    writes_attempted = {a: n for a, n in attempted.items() if a not in operation_actions}
    operations = operation_figures(recorder, audit)
    checks = {
        "no answer was 5xx (but the hung account's provider-unavailable page)": not server_errors,
        "every request was answered": not unanswered,
        "every change sent was attempted in the audit log": changes == writes_sent,
        "every operation started was attempted, marked running": all(
            o["started"] == o["marked_running"] == o["in_database"] for o in operations.values()
        ),
        "every operation ended (done or stopped), none left running": all(
            o["done"] + o["failed"] == o["started"] and o["still_running"] == 0
            for o in operations.values()
        ),
        "every attempt has an outcome": audit["without_outcome"] == 0,
        # An operation's `operation_running` mark is `unknown`: only its final outcome counts.
        "every attempt was concluded once": audit["unsettled"] == 0 and audit["settled_twice"] == 0,
        "providers got one write per attempt (steps included)": dict(upstream_by_action)
        == writes_attempted,
        "the chain verifies": verified[0] == 0,
        f"/healthz answered within {HEALTH_TIMEOUT:.0f} s": bool(health)
        and all(s.status == 200 and s.seconds < HEALTH_TIMEOUT for s in health),
        "the image's health check passed every time": bool(recorder.checks)
        and all(rc == 0 for _, _, rc in recorder.checks),
    }
    return {
        "command": " ".join(shlex.quote(a) for a in sys.argv),
        "users": run.options.users,
        "seconds": run.options.seconds,
        "hosts": len(stack.ports),
        "hang": run.options.hang,
        "think_seconds": run.options.think,
        "emulator_latency_ms": run.options.latency * 1000,
        "signed_in": run.signed_in,
        "sign_in": summary(
            [s for s in samples if s.kind == "sign-in" and s.page.startswith("POST")]
        ),
        "window_seconds": window,
        "throughput_rps": in_window / window,
        # After the time is up, each person finishes what they were doing.
        "finishing_seconds": run.ended - run.started - window,
        "drain_seconds": run.drained,
        "load_cpu_seconds": run.cpu_seconds,
        "load_average": os.getloadavg(),
        "all": summary(timed),
        "reads": summary([s for s in timed if s.kind == "read"]),
        "writes": summary([s for s in timed if s.kind == "write"]),
        "second_account": summary(second),
        "all_but_second_account": summary([s for s in timed if "{second account}" not in s.page]),
        "audit_pages": summary([s for s in timed if s.page.startswith("GET /audit/")]),
        "provider_unavailable_pages": sum(1 for s in samples if s.unavailable_page),
        "pages": pages,
        "healthz": summary(health),
        "healthz_during_load": summary(health_during),
        "health_checks": {
            "runs": len(recorder.checks),
            "failed": [c for c in recorder.checks if c[2] != 0],
            "max_ms": max((c[1] for c in recorder.checks), default=0.0) * 1000,
        },
        "statuses": dict(Counter(str(s.status) for s in samples)),
        "server_errors": [asdict(s) for s in server_errors[:20]],
        "unanswered": [asdict(s) for s in unanswered[:20]],
        "writes_sent": writes_sent,
        "write_results": dict(results),
        "writes_not_saved": [asdict(w) for w in recorder.writes if w.result != "saved"][:20],
        "stale": dict(recorder.stale),
        "operations": operations,
        "operations_not_started": [asdict(w) for w in recorder.not_started[:20]],
        "audit": audit,
        "upstream_writes": dict(upstream),
        "audit_verify": verified[1].strip(),
        "checks": checks,
        "ok": all(checks.values()),
    }


def operation_figures(recorder: Recorder, audit: dict) -> dict[str, dict[str, int]]:
    """Per kind of operation: the people's starts (started, refused: one was running, joined: the
    form led to the running one, not started), how those seen ended, and what the database and
    the audit log hold of them."""
    kinds = {REDEPLOY: "pipecat.redeploy", REPLACE: "gcore.certificate.replace"}
    found: dict[str, dict[str, int]] = {}
    for name, kind in kinds.items():
        ends = Counter(r for o, r in recorder.ended.items() if recorder.seen.get(o) == name)
        in_database = sum(n for key, n in audit["operations"].items() if key.startswith(f"{kind} "))
        found[name] = {
            "started": recorder.operations[(name, "started")],
            "refused": recorder.operations[(name, "refused")],
            "joined": recorder.operations[(name, "joined")],
            "not_started": recorder.operations[(name, "not started")],
            "done": ends["done"],
            "failed": ends["failed"],
            "marked_running": audit["operations_marked_running"].get(OPERATION_ACTIONS[name], 0),
            "in_database": in_database,
            "still_running": audit["operations"].get(f"{kind} running", 0),
        }
    return found


def print_report(figures: dict) -> None:
    def line(label: str, s: dict) -> str:
        return (
            f"  {label:<44} {s['requests']:>7} {s['p50_ms']:>8.0f} {s['p95_ms']:>8.0f} "
            f"{s['p99_ms']:>8.0f} {s['max_ms']:>8.0f}"
        )

    print(
        f"\n{figures['users']} people for {figures['seconds']} s on {figures['hosts']} hosts "
        f"(gunicorn.conf.py), think {figures['think_seconds']} s, emulators "
        f"+{figures['emulator_latency_ms']:.0f} ms{', staging hanging' if figures['hang'] else ''}"
    )
    print(
        f"  throughput: {figures['throughput_rps']:.1f} requests/s over "
        f"{figures['window_seconds']:g} s (then {figures['finishing_seconds']:.1f} s to finish "
        f"the actions under way, {figures['drain_seconds']:.1f} s for the changes and "
        "operations in flight to end)"
    )
    print(
        f"  the people's own CPU: {figures['load_cpu_seconds']:.0f} s; load average after: "
        + ", ".join(f"{n:.1f}" for n in figures["load_average"])
        + f" ({os.cpu_count()} CPUs)"
    )
    print(f"  {'':<44} {'requests':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(line("all", figures["all"]))
    print(line("reads", figures["reads"]))
    print(line("writes (the POST alone)", figures["writes"]))
    print(line("sign-in (before the run)", figures["sign_in"]))
    print(line("/healthz (whole run)", figures["healthz"]))
    print(line("/healthz (during the load)", figures["healthz_during_load"]))
    hung = " (hanging)" if figures["hang"] else ""
    print(line(f"the second Gcore account's pages{hung}", figures["second_account"]))
    print(line("all but the second account's", figures["all_but_second_account"]))
    print(line("the audit log's pages", figures["audit_pages"]))
    print("  each page under load (idle p50 = alone, before the load):")
    for page, s in figures["pages"].items():
        idle = s.get("idle_p50_ms")
        ratio = f"  {s['p50_ms'] / idle:5.1f}x idle ({idle:.0f} ms)" if idle else ""
        print(line(page[:44], s) + ratio)
    print(f"  statuses: {figures['statuses']}")
    print(f"  changes sent: {figures['writes_sent']} {figures['write_results']}")
    print(
        f"  audit: {figures['audit']['attempts']} attempts {figures['audit']['by_action']}, "
        f"outcomes {figures['audit']['outcomes']}"
    )
    for name, o in figures["operations"].items():
        print(
            f"  {name}: {o['started']} started, {o['refused']} refused (one was running), "
            f"{o['joined']} joined, {o['not_started']} not started; {o['done']} done, "
            f"{o['failed']} failed; {o['still_running']} still running"
        )
    print(f"  steps: {figures['audit']['steps']}")
    print(f"  providers were sent: {figures['upstream_writes']}")
    print(f"  audit_verify: {figures['audit_verify']}")
    if figures["stale"]:
        print(f"  not shown at once: {figures['stale']}")
    for sample in figures["server_errors"][:5] + figures["unanswered"][:5]:
        print(f"  ! {sample}")
    for write in figures["writes_not_saved"][:5] + figures["operations_not_started"][:5]:
        print(f"  · {write}")
    for check, ok in figures["checks"].items():
        print(f"  {'PASS' if ok else 'FAIL'} {check}")
    record_figures(figures)


def record_figures(figures: dict) -> None:
    """The headline figures for bench/run.py: latencies against each page alone, before the load."""
    people = f"{figures['users']} people{', one account hanging' if figures['hang'] else ''}"
    idle = [s["idle_p50_ms"] for s in figures["pages"].values() if s.get("idle_p50_ms")]
    alone = statistics.median(idle) if idle else None
    figure(f"{people}: throughput", figures["throughput_rps"], "requests/s")
    for percentile in ("p50", "p95", "p99"):
        figure(
            f"{people}: {percentile} of every request",
            figures["all"][f"{percentile}_ms"],
            "ms",
            baseline=alone,
            baseline_name="a page alone (p50)",
        )
    healthz = figures["healthz_during_load"]["max_ms"]
    figure(
        f"{people}: slowest /healthz",
        healthz,
        "ms",
        goal="< 5,000 ms (the image's health check)",
        met=healthz < 5000,
    )
    failed = [check for check, ok in figures["checks"].items() if not ok]
    figure(
        f"{people}: checks failed",
        len(failed),
        f"of {len(figures['checks'])}",
        goal="none (no 5xx, attempts = changes, chain verifies)",
        met=not failed,
    )


# -- main ------------------------------------------------------------------------------------


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between actions")
    parser.add_argument("--latency", type=float, default=0.05, help="the emulators' per answer")
    parser.add_argument("--hosts", type=int, default=2, help="gunicorns sharing database and cache")
    parser.add_argument("--hang", action="store_true", help="Gcore's staging account hangs")
    parser.add_argument(
        "--database",
        default=_postgres_from_environment(),
        help="a PostgreSQL server, as its owner role (postgres://owner@host:port/…): a database "
        "and a role are made on it, and dropped",
    )
    parser.add_argument("--cache", default=_redis_from_environment(), help="a Redis URL")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        type=lambda text: tuple(text.split("=", 1)),
        metavar="NAME=VALUE",
        help="a setting of the dashboard's (README: Configuration), e.g. GCORE_READ_TIMEOUT=3",
    )
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--keep", type=Path, help="keep the processes' logs in this folder")
    parsed = parser.parse_args(argv)
    if parsed.users < 2 or parsed.seconds <= 0 or parsed.hosts < 1:
        parser.error("at least 2 users, 1 host and a positive number of seconds")
    if any(len(pair) != 2 for pair in parsed.set):
        parser.error("--set takes NAME=VALUE")
    return parsed


def _postgres_from_environment() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"


def _redis_from_environment() -> str:
    url = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or ""
    return url if url.startswith("redis") else "redis://127.0.0.1:6379/0"


@contextlib.contextmanager
def stopped_on_signals() -> Iterator[None]:
    """SIGTERM ends the run as Ctrl-C does: through the `finally` that stops everything."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    parsed = options(argv)
    work = Path(tempfile.mkdtemp(prefix="secretsadmin-load-"))
    stack = Stack(parsed, work)
    probe: HealthProbe | None = None
    with stopped_on_signals():
        try:
            stack.empty_cache()
            stack.start_emulators()
            stack.create_database()
            protection = stack.prepare()
            print(f"load: {protection}", flush=True)
            people = stack.create_users(parsed.users)
            stack.start_hosts()
            run = Run(parsed, stack)
            probe = HealthProbe(stack.ports, run.recorder, stack.environment())
            probe.start()
            print(
                f"load: {parsed.users} people on ports {stack.ports}; running {parsed.seconds:g} s",
                flush=True,
            )
            asyncio.run(run.main(people))
            probe.stopped.set()
            probe.join(timeout=60)
            audit = audit_counts(stack)
            upstream = stack.upstream_writes()
            verify = subprocess.run(
                [sys.executable, "manage.py", "audit_verify"],
                cwd=ROOT,
                env=stack.environment(),
                capture_output=True,
                text=True,
                timeout=300,
            )
            figures = report(
                run, stack, audit, (verify.returncode, verify.stdout + verify.stderr), upstream
            )
            print_report(figures)
            if parsed.json:
                parsed.json.write_text(json.dumps(figures, indent=2, default=str))
            return 0 if figures["ok"] else 1
        except KeyboardInterrupt:
            print("load: interrupted; stopping what it started", file=sys.stderr)
            return 130
        finally:
            if probe is not None:
                probe.stopped.set()
            stack.close()
            if parsed.keep:
                parsed.keep.mkdir(parents=True, exist_ok=True)
                for log in work.glob("*.log"):
                    log.rename(parsed.keep / log.name)
            subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
