"""Gcore Cloud pages benchmarks (issue 10), each against a baseline measured in the same run.

Run by hand, not by the test suite:

    .venv/bin/python bench/gcore_bench.py                # about 30 s
    .venv/bin/python bench/gcore_bench.py --only list -n 50

The emulator is a real HTTP server on the loopback interface, in this process, adding 20 ms to
every answer.

1. Listing 1,000 secrets of one region in pages of 200: `GcoreClient.list_secrets` against the
   official SDK's auto-pagination (`cloud.secrets.list(limit=200)` iterated to the end).
   Goal: >= 3x faster. Beside them, what the requests alone cost, as bare httpx GETs: one page
   (a round trip); the SDK's five one after the other; ours, the first then the other four at
   once. Their ratio is what the order of the requests gives (5 round trips against 2: the
   first page gives the count); the rest of the SDK's time is its own work.
   The cases take turns, run after run, so a neighbour's load on this machine falls on all alike.
   CPU is this process's, the emulator's work included (the same five pages in every case but
   the first). Pages asked for at once are served in this interpreter too, their work taking
   turns with ours, as a real API's servers' would not: this understates fetching at once.
2. 50 viewers of 10 running tasks, each reading every task's state once per interval
   (GCORE_POLL_SECONDS, 1 s here) through the dashboard's shared read (`gcore.selectors.task`):
   upstream task GETs per task per interval, against the same viewers each asking the client.
   Goal: <= 1.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import figure  # noqa: E402 - the checkout's root goes on the path first

KEY = "4242$gcore-bench-key"
PROJECT_ID = 1
REGION_ID = 76
SECRETS = 1000
PAGE_SIZE = 200
LATENCY = 0.020
ACCOUNT = "bench"
ONE = "bare: one GET of a page"
IN_A_ROW = "bare: 5 GETs in a row (the SDK's way)"
AT_ONCE = "bare: 1 GET, then 4 at once (ours)"
SDK = "official SDK, auto-pagination"
OURS = "GcoreClient.list_secrets"
SECTIONS = ("list", "watch")


def setup_django(api_url: str) -> None:
    """The test settings, with one account on the emulator; nothing here touches the database."""
    for name in [n for n in os.environ if n.startswith("GCORE_")]:
        del os.environ[name]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=f"sqlite:///{tempfile.mkdtemp(prefix='gcore-bench-')}/db.sqlite3",
        LOG_LEVEL="warning",
        GCORE_ACCOUNTS=ACCOUNT,
        GCORE_BENCH_API_KEY=KEY,
        GCORE_BENCH_API_URL=api_url,
        GCORE_BENCH_PROJECT=str(PROJECT_ID),
        GCORE_BENCH_REGIONS=str(REGION_ID),
        GCORE_POLL_SECONDS="1",
    )
    import django

    django.setup()


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def bench_list(app, url: str, n: int) -> None:
    from gcore import Gcore

    from secretsadmin.config import Secret
    from secretsadmin.providers.config import Timeouts
    from secretsadmin.providers.gcore import GcoreClient
    from secretsadmin.providers.gcore.config import GcoreAccount

    account = GcoreAccount("bench", url, Secret(KEY), PROJECT_ID, (REGION_ID,))
    ours = GcoreClient(account, Timeouts(connect=5.0, read=15.0))
    sdk = Gcore(api_key=KEY, base_url=url)
    bare = httpx.Client(base_url=f"{url}/cloud", headers={"Authorization": f"APIKey {KEY}"})
    path = f"/v1/secrets/{PROJECT_ID}/{REGION_ID}"

    def page(offset: int) -> int:
        response = bare.get(path, params={"limit": PAGE_SIZE, "offset": offset})
        return len(response.raise_for_status().json()["results"])

    def first_then_the_rest_at_once() -> int:
        listed = page(0)
        with ThreadPoolExecutor(SECRETS // PAGE_SIZE - 1) as pool:
            return listed + sum(pool.map(page, range(PAGE_SIZE, SECRETS, PAGE_SIZE)))

    cases: dict[str, Callable[[], int]] = {
        ONE: lambda: page(0),
        IN_A_ROW: lambda: sum(page(offset) for offset in range(0, SECRETS, PAGE_SIZE)),
        AT_ONCE: first_then_the_rest_at_once,
        SDK: lambda: sum(
            1
            for _ in sdk.cloud.secrets.list(
                project_id=PROJECT_ID, region_id=REGION_ID, limit=PAGE_SIZE
            )
        ),
        OURS: lambda: len(ours.list_secrets(REGION_ID, page_size=PAGE_SIZE)),
    }
    requests: dict[str, int] = {}
    for label, call in cases.items():  # warm, and check each lists what it should
        before = app.calls("list_secrets")
        listed = call()
        requests[label] = app.calls("list_secrets") - before
        expected = PAGE_SIZE if label == ONE else SECRETS
        assert listed == expected, (label, listed)
    samples: dict[str, list[float]] = {label: [] for label in cases}
    cpu: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(n):
        for label, call in cases.items():
            wall, used = time.perf_counter(), time.process_time()
            call()
            samples[label].append(time.perf_counter() - wall)
            cpu[label].append(time.process_time() - used)
    ours.close()
    sdk.close()
    bare.close()

    trip = p50(samples[ONE])
    print(
        f"\n1. listing {SECRETS:,} secrets in pages of {PAGE_SIZE} "
        f"(emulator +{LATENCY * 1000:.0f} ms per answer), p50 of {n} runs"
    )
    print(f"   {'':38} {'p50':>9} {'/ one GET':>10} {'CPU':>9} {'requests':>9}")
    for label in cases:
        time_ = p50(samples[label])
        print(
            f"   {label:<38} {time_ * 1000:6.1f} ms {time_ / trip:9.1f}x "
            f"{p50(cpu[label]) * 1000:6.1f} ms {requests[label]:9}"
        )
    mine, theirs = p50(samples[OURS]), p50(samples[SDK])
    in_a_row, at_once = p50(samples[IN_A_ROW]), p50(samples[AT_ONCE])
    print(f"   SDK / ours {theirs / mine:.2f}x (goal >= 3x: {verdict(theirs / mine >= 3)})")
    figure(
        f"listing {SECRETS:,} secrets",
        mine * 1000,
        "ms",
        baseline=theirs * 1000,
        baseline_name="the official SDK's auto-pagination",
        goal="<= 0.33x (3x faster)",
        met=theirs / mine >= 3,
    )
    print(
        f"   bare requests alone, 5 in a row / 1 then 4 at once: {in_a_row / at_once:.2f}x "
        "(the first page gives the count)"
    )
    print(
        f"   time beyond the bare requests: SDK {(theirs - in_a_row) * 1000:+.0f} ms, ours "
        f"{(mine - at_once) * 1000:+.0f} ms (objects of {SECRETS:,} secrets, threads)"
    )


def bench_watch(app, rounds: int, viewers: int = 50, tasks: int = 10) -> None:
    from django.conf import settings
    from django.core.cache import cache

    from secretsadmin.gcore import selectors

    interval = settings.GCORE_POLL_SECONDS
    app.set_task_timing(0, 3600)  # running at once, and for the whole run
    client = selectors.client(ACCOUNT)
    ids = [
        client.create_secret(
            REGION_ID, name=f"watched-{i:02}", secret_type="opaque", payload=b"bench"
        ).task_id
        for i in range(tasks)
    ]

    def shared(task_id: str) -> str:
        return selectors.task(ACCOUNT, task_id).state

    def direct(task_id: str) -> str:
        return client.get_task(task_id).state

    def run(read: Callable[[str], str]) -> tuple[int, int, set[str]]:
        """Each viewer reads every task once per interval, from its own moment in the interval
        (browsers do not poll in step), until the run's end: the same span for both ways."""
        cache.clear()
        before = app.calls("get_task")
        reads: list[int] = []
        states: set[str] = set()
        start = time.monotonic()
        end = start + rounds * interval

        def viewer(phase: float) -> None:
            count = 0
            due = start + phase
            while True:
                time.sleep(max(0.0, due - time.monotonic()))
                if time.monotonic() >= end:
                    break
                for task_id in ids:
                    states.add(read(task_id))
                    count += 1
                due += interval
            reads.append(count)

        threads = [
            threading.Thread(target=viewer, args=(i * interval / viewers,)) for i in range(viewers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(reads), app.calls("get_task") - before, states

    print(
        f"\n2. {viewers} viewers x {tasks} running tasks, each viewer reading each task once per "
        f"interval, for {rounds} intervals of {interval} s (emulator +{LATENCY * 1000:.0f} ms)"
    )
    rate = "per task/interval"
    print(f"   {'':29} {'reads':>6} {rate:>18} {'task GETs':>10} {rate:>18}")
    gets_per_interval = {}
    for label, read in (
        ("shared read (selectors.task)", shared),
        ("each viewer asks the client", direct),
    ):
        reads, gets, states = run(read)
        assert states == {"RUNNING"}, states
        read_rate, gets_per_interval[label] = reads / tasks / rounds, gets / tasks / rounds
        behind = f"  ({viewers} asked: the GETs held the viewers up)" if read_rate < viewers else ""
        print(
            f"   {label:<29} {reads:6} {read_rate:18.1f} {gets:10} "
            f"{gets_per_interval[label]:18.2f}{behind}"
        )
    shared_rate, direct_rate = gets_per_interval.values()
    figure(
        f"{viewers} viewers x {tasks} task badges: task GETs",
        shared_rate,
        "per task per interval",
        baseline=direct_rate,
        baseline_name="each viewer asking",
        goal="<= 1 per task per interval",
        met=shared_rate <= 1,
    )
    print(
        f"   shared: {shared_rate:.2f} task GETs per task per interval (goal <= 1: "
        f"{verdict(shared_rate <= 1)}); {direct_rate / shared_rate:.0f}x fewer than asking "
        "directly in the same time"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="runs of each listing")
    parser.add_argument("--watch", type=int, default=6, help="intervals of the watching scenario")
    parser.add_argument("--only", default=",".join(SECTIONS), help="which of list,watch")
    args = parser.parse_args()
    only = args.only.split(",")
    if unknown := set(only) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")

    from emulators.gcore import GcoreEmulator
    from emulators.server import EmulatorServer

    app = GcoreEmulator({KEY: [PROJECT_ID]})
    for i in range(SECRETS):
        app.add_secret(PROJECT_ID, REGION_ID, f"secret-{i:04}", "opaque", b"bench")
    with EmulatorServer(app) as server:
        app.latency = LATENCY
        if "list" in only:
            bench_list(app, server.url, args.n)
        if "watch" in only:
            setup_django(server.url)
            bench_watch(app, args.watch)


if __name__ == "__main__":
    main()
