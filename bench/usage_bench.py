"""Who uses a secret (issue 12): upstream calls per account per interval, shared and not.

Run by hand, not by the test suite:

    .venv/bin/python bench/usage_bench.py                  # about 75 s
    .venv/bin/python bench/usage_bench.py --readers 20 --intervals 2   # run.py --quick's, 40 s

Both emulators are real HTTP servers on the loopback interface, in this process, adding 20 ms to
every answer. A Pipecat Cloud organisation holds 200 agents binding 40 sets (as env secrets, one
in three also an image pull set); a Gcore region holds 200 listeners of 20 load balancers and 50
pools, using 40 certificates (by default, one in four also by SNI, the pools as CA).

`--readers` people each open `--pages` pages per poll interval (each from its own moment in
the interval: browsers do not click in step), cycling through 8 sets' pages (which show the
agents using the set) or 8 secrets' pages (the listeners and pools using it), for `--intervals`
intervals of the settings' own PIPECAT_POLL_SECONDS and GCORE_POLL_SECONDS. Counted at the
emulators: the calls that find the users (Pipecat `GET /agents`; Gcore the region's listeners
and pools), per account per interval, on average and in the busiest interval. Goal: <= 2. The
Gcore load balancers' list, which only names them, is counted apart: it is kept ten minutes.

Baselines, in the same run, with no sharing at all (a dummy cache: every page reads upstream
what it needs, as a page calling the provider itself would; sessions then come from the
database): the same readers, giving the calls one page view costs (the naive figure is that many
for each page view the shared run served), and one reader alone opening the pages one after
another, whose p50 is the page view's time baseline (the same readers unshared fall behind: the
emulators, and the decoding of their answers, share this process).

Gcore's load balancers: the listeners and pools carry only their ids, and the API has no call
that gives both; their names are read once per ten minutes (`gcore.selectors.NAMES_SECONDS`),
and again when a user names one the list lacks.
"""

import argparse
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import django_setup  # noqa: E402 - the checkout's root goes on the path first
from bench.figures import figure  # noqa: E402

LATENCY = 0.020
GOAL = 2
AGENTS = 200
SETS = 40
LISTENERS = 200
BALANCERS = 20
POOL_EVERY = 4  # one listener in four has a pool behind it
CERTIFICATES = 40
VIEWED = 8  # sets or secrets whose pages the readers cycle through
PIPECAT_TOKEN = "pk_usage_bench"
ORG = "usage-bench-org"
GCORE_KEY = "4242$usage-bench-key"
PROJECT_ID = 1
REGION_ID = 76
PIPECAT_USAGE = ("list_agents",)
GCORE_USAGE = ("list_listeners", "list_pools")
# Read to name the users' load balancers, kept NAMES_SECONDS (ten minutes): not per interval.
GCORE_NAMES = ("list_load_balancers",)
NO_SHARING = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def setup_django(pipecat_url: str, gcore_url: str) -> None:
    # The intervals measured are the settings' defaults.
    django_setup.setup_django(
        pipecat_url,
        gcore_url,
        name="usage",
        pipecat_token=PIPECAT_TOKEN,
        gcore_key=GCORE_KEY,
        project_id=PROJECT_ID,
        region_id=REGION_ID,
    )


def signed_in_client():
    """A new session of the one viewer: hashing a password per reader would dwarf the bench."""
    from django.contrib.auth.models import User
    from django.test import Client

    from secretsadmin.accounts.roles import Role
    from tests.fixtures.personas import make_user

    user = User.objects.filter(username="viewer").first() or make_user("viewer", Role.VIEWER)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


# -- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    path: str
    shows: str  # a user's name the page must show


def seed_pipecat(app) -> list[Page]:
    """200 agents over 40 sets: each viewed set is bound by 5 agents, 25 for the pull sets."""
    from emulators.pipecat import seed_many
    from emulators.pipecat.agents import Config

    names = seed_many(app, SETS, org=ORG, pending_for=0)
    pull = [n for n in names if "-pull-" in n]
    regular = [n for n in names if "-pull-" not in n]
    binders: dict[str, str] = {}
    now = app.clock.now()
    with app.state_lock:
        for i in range(AGENTS):
            env_set = regular[i % len(regular)]
            pull_set = pull[i % len(pull)] if i % 3 == 0 else None
            name = f"agent-{i:03}"
            config = Config(f"bench/{name}:1.0", env_set, pull_set, min_agents=1)
            app.agents.add(ORG, name, "us-west", config, now - 3600)
            binders.setdefault(env_set, name)
            if pull_set:
                binders.setdefault(pull_set, name)
    viewed = regular[: VIEWED - 2] + pull[:2]
    return [Page(f"/pipecat/prod/sets/{name}/", binders[name]) for name in viewed]


def seed_gcore(app) -> list[Page]:
    """200 listeners over 20 load balancers and 50 pools, using 40 certificates."""
    certificates = [
        app.add_secret(PROJECT_ID, REGION_ID, f"cert-{i:02}", "certificate", b"bench").id
        for i in range(CERTIFICATES)
    ]
    users: dict[str, str] = {}
    for b in range(BALANCERS):
        balancer = app.add_load_balancer(PROJECT_ID, REGION_ID, f"lb-{b:02}")
        for j in range(LISTENERS // BALANCERS):
            i = b * (LISTENERS // BALANCERS) + j
            default = certificates[i % CERTIFICATES]
            sni = [certificates[(i + 1) % CERTIFICATES]] if i % 4 == 1 else []
            listener = app.add_listener(
                balancer, f"https-{i:03}", "TERMINATED_HTTPS", 443 + j,
                secret_id=default, sni_secret_ids=sni,
            )  # fmt: skip
            users.setdefault(default, listener.name)
            if i % POOL_EVERY == 0:
                ca = certificates[(i + 2) % CERTIFICATES]
                app.add_pool(listener, f"pool-{i:03}", "HTTPS", ca_secret_id=ca)
    return [
        Page(f"/gcore/bench/{REGION_ID}/{secret_id}/", users[secret_id])
        for secret_id in certificates[:VIEWED]
    ]


# -- the readers --------------------------------------------------------------------------------


@dataclass
class Run:
    views: int = 0
    seconds: list[float] = field(default_factory=list)  # each page view's
    calls: Counter[str] = field(default_factory=Counter)  # upstream, by operation
    busiest: int = 0  # the users' calls in the busiest interval


def read(app, pages: list[Page], usage: tuple[str, ...], args, interval: float) -> Run:
    """Each reader opens `args.pages` pages per interval from its own moment in the interval,
    until `args.intervals` intervals are over: the same demand whether sharing or not."""
    from django.core.cache import cache

    cache.clear()
    clients = [signed_in_client() for _ in range(args.readers)]
    run = Run()
    lock = threading.Lock()
    failures: list[BaseException] = []
    before = Counter(r.operation for r in app.requests)
    start = time.monotonic()
    end = start + args.intervals * interval

    def reader(n: int, client) -> None:
        try:
            view_pages(n, client)
        except BaseException as error:  # the main thread says so, not a thread's stray traceback
            failures.append(error)

    def view_pages(n: int, client) -> None:
        due = start + n * interval / args.readers
        turn = n
        while True:
            time.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() >= end:
                return
            for _ in range(args.pages):
                page = pages[turn % len(pages)]
                turn += 1
                took = view(client, page)
                with lock:
                    run.views += 1
                    run.seconds.append(took)
            due += interval

    def users_calls() -> int:
        return sum(app.calls(operation) for operation in usage)

    def watch() -> None:
        last = users_calls()
        for k in range(1, args.intervals + 1):
            time.sleep(max(0.0, start + k * interval - time.monotonic()))
            now = users_calls()
            run.busiest = max(run.busiest, now - last)
            last = now

    threads = [
        threading.Thread(target=reader, args=(n, client)) for n, client in enumerate(clients)
    ]
    watcher = threading.Thread(target=watch)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in [*threads, watcher]:
        thread.join()
    if failures:
        raise failures[0]
    run.calls = Counter(r.operation for r in app.requests) - before
    return run


def view(client, page: Page) -> float:
    """The page's time; it must show one of the secret's users."""
    began = time.perf_counter()
    response = client.get(page.path)
    took = time.perf_counter() - began
    assert response.status_code == 200, (page.path, response.status_code)
    assert page.shows in response.content.decode(), (page.path, page.shows)
    return took


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def one_reader(pages: list[Page], views: int) -> list[float]:
    """One person alone opening pages one after another: what a page view costs unloaded."""
    client = signed_in_client()
    return [view(client, pages[n % len(pages)]) for n in range(views)]


def bench(
    label: str,
    app,
    pages: list[Page],
    usage: tuple[str, ...],
    setting: str,
    args,
    names: tuple[str, ...] = (),
) -> None:
    from django.conf import settings
    from django.test import override_settings

    from secretsadmin.gcore.selectors import NAMES_SECONDS

    interval = getattr(settings, setting)
    one_reader(pages, len(pages))  # warm: templates, connections, the client's first imports
    shared = read(app, pages, usage, args, interval)
    with override_settings(CACHES=NO_SHARING):
        alone = read(app, pages, usage, args, interval)
        unloaded = one_reader(pages, 3 * len(pages))

    def users(run: Run) -> int:
        return sum(run.calls[operation] for operation in usage)

    per_interval = users(shared) / args.intervals
    per_view = users(alone) / alone.views
    naive = per_view * shared.views / args.intervals
    met = per_interval <= GOAL and shared.busiest <= GOAL
    print(
        f"\n{label}: {args.readers} readers x {args.pages} pages per interval of {interval} s, "
        f"{args.intervals} intervals, {len(pages)} pages (emulator +{LATENCY * 1000:.0f} ms)"
    )
    print(
        f"   {'':28} {'views':>6} {'users calls':>12} {'/interval':>10} {'busiest':>8} "
        f"{'all calls/view':>15} {'p50':>10} {'p95':>10}"
    )
    for name, run in (("shared reads", shared), ("no sharing, same readers", alone)):
        print(
            f"   {name:<28} {run.views:6} {users(run):12} {users(run) / args.intervals:10.2f} "
            f"{run.busiest:8} {run.calls.total() / run.views:15.2f} "
            f"{p50(run.seconds) * 1000:7.1f} ms {p95(run.seconds) * 1000:7.1f} ms"
        )
    print(
        f"   {'no sharing, one reader alone':<28} {len(unloaded):6} {'':>12} {'':>10} {'':>8} "
        f"{'':>15} {p50(unloaded) * 1000:7.1f} ms {p95(unloaded) * 1000:7.1f} ms"
    )
    by_operation = ", ".join(f"{op} {shared.calls[op] / args.intervals:.2f}" for op in usage)
    print(f"   shared run's users calls per interval: {by_operation}")
    for op in names:
        print(f"   {op} (names, kept {NAMES_SECONDS} s): {shared.calls[op]} in the whole run")
    print(
        f"   naive: {per_view:.2f} users calls per page view x {shared.views} views = "
        f"{naive:.0f} per interval; shared {per_interval:.2f} ({naive / per_interval:.0f}x fewer)"
    )
    print(
        f"   goal <= {GOAL} per account per interval (busiest interval {shared.busiest}): "
        f"{'met' if met else 'MISSED'}"
    )
    behind = alone.views < shared.views
    print(
        f"   page view p50 {p50(shared.seconds) / p50(unloaded):.2f}x one reader's alone with no "
        f"sharing, {p50(shared.seconds) / p50(alone.seconds):.2f}x the same readers' with none"
        + (
            " (who fell behind: the emulators and the decoding share this process)"
            if behind
            else ""
        )
    )
    figure(
        f"{label}: who uses a secret, calls",
        per_interval,
        "per account per interval",
        baseline=naive,
        baseline_name="each page view reading upstream",
        goal=f"<= {GOAL} per interval",
        met=met,
    )
    figure(
        f"{label}: who uses a secret, page view p50",
        p50(shared.seconds) * 1000,
        "ms",
        baseline=p50(unloaded) * 1000,
        baseline_name="one reader alone, no sharing",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50, help="people reading at once")
    parser.add_argument("--pages", type=int, default=3, help="pages each opens per interval")
    parser.add_argument("--intervals", type=int, default=5, help="poll intervals of each run")
    parser.add_argument("--only", default="pipecat,gcore", help="which of pipecat,gcore")
    args = parser.parse_args()
    only = args.only.split(",")

    from emulators.gcore import GcoreEmulator
    from emulators.pipecat import PipecatEmulator
    from emulators.server import EmulatorServer

    pipecat = PipecatEmulator({PIPECAT_TOKEN: ORG}, provisioning_delay=0)
    gcore = GcoreEmulator({GCORE_KEY: [PROJECT_ID]})
    set_pages, secret_pages = seed_pipecat(pipecat), seed_gcore(gcore)
    with EmulatorServer(pipecat) as pipecat_server, EmulatorServer(gcore) as gcore_server:
        setup_django(pipecat_server.url, gcore_server.url)
        pipecat.latency = gcore.latency = LATENCY
        if "pipecat" in only:
            bench(
                f"Pipecat, {AGENTS} agents", pipecat, set_pages, PIPECAT_USAGE,
                "PIPECAT_POLL_SECONDS", args,
            )  # fmt: skip
        if "gcore" in only:
            bench(
                f"Gcore, {LISTENERS} listeners", gcore, secret_pages, GCORE_USAGE,
                "GCORE_POLL_SECONDS", args, GCORE_NAMES,
            )  # fmt: skip


if __name__ == "__main__":
    main()
