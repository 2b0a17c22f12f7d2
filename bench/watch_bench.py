"""The watcher's drift jobs at scale: one pass over 2,000 Pipecat sets and 5,000 Gcore secrets
within the call budget, and the time from a change made outside the dashboard to its audit event.

Run by hand, not by the test suite:

    .venv/bin/python bench/watch_bench.py       # about 3 minutes
    .venv/bin/python bench/watch_bench.py --sets 500 --secrets 1000 --changes 8 --key-changes 3
                                                # run.py --quick's, about a minute

Both emulators are real HTTP servers on the loopback interface, in this process, adding 20 ms to
every answer: a Pipecat Cloud organisation of `--sets` sets (one to five keys each, one in ten an
image pull secret: `emulators.pipecat.seed_many`), a Gcore region of `--secrets` secrets.

Time is compressed: rounds every `--interval` seconds (3; the default is 60) and
WATCH_CALLS_PER_MINUTE scaled so that a round's share stays the defaults' 60 calls: the rounds
are those of a production pass, 20 times closer together (at the defaults, the pass over the
1,800 sets with keys of 2,000 takes 31 rounds of a minute: 31 minutes).

1. The pass: watcher rounds in this process (`Watcher.once` on the interval's beat, as
   `manage.py watch` runs them) from an empty database until every set with keys has had them
   read once and every secret has been listed. Counted at the emulators (each request stamped on
   arrival): the watcher's calls in the busiest interval and the busiest 60 s (less 50 ms: an
   arrival comes a moment after the budget allowed the call, later when this process is busy),
   against the budget. Goal: never above it. Baseline: the same reads made by bare client calls
   alone (`PipecatClient.list_sets`, `get_set`, `GcoreClient.list_secrets`), timed in this run; the
   rounds' time, less their waits for the budget, over theirs is what comparing and storing cost
   (and the other jobs). A round waits for each of its Pipecat calls: the last round's leave the
   budget's window one by one, an interval after they were made.
2. The latency: `manage.py watch` in a process of its own, on the same database, while this one
   makes changes at random moments through the providers' own APIs: Gcore secrets deleted,
   Pipecat sets created (both seen by the next listing: goal, within an interval plus a round),
   and keys added to random Pipecat sets (seen when the set's keys come due: within a keys pass,
   the rounds part 1 took). Measured: the observed audit event's time less the moment the
   provider answered the change.
"""

import argparse
import math
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import django_setup  # noqa: E402 - the checkout's root goes on the path first
from bench.figures import figure  # noqa: E402

LATENCY = 0.020
PIPECAT_TOKEN = "pk_watch_bench"
ORG = "watch-bench-org"
GCORE_KEY = "4242$watch-bench-key"
PROJECT_ID = 1
REGION_ID = 76
PIPECAT_ACTION = "pipecat.secret_set.external_change"
GCORE_ACTION = "gcore.secret.external_change"
DEFAULT_INTERVAL = 60.0
# The budget counts a call when it is allowed, the emulator when it arrives, a moment later and
# later still when this process (the emulators serve from it) is busy: windows of arrivals are
# counted this much shorter.
JITTER = 0.050


class Stamped:
    """An emulator app that also notes when each request arrived: the emulators' own log says
    what was called, not when."""

    def __init__(self, app) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._gets: list[float] = []

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "GET":  # the watcher only reads; the bench's changes write
            with self._lock:
                self._gets.append(time.monotonic())
        return self.app(environ, start_response)

    def gets(self, since: float, until: float = math.inf) -> list[float]:
        with self._lock:
            return [at for at in self._gets if since <= at < until]


def busiest(stamps: list[float], window: float) -> int:
    """The most requests that arrived within any `window` seconds."""
    most, first = 0, 0
    for last, at in enumerate(stamps):
        while at - stamps[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def setup_django(pipecat_url: str, gcore_url: str, interval: float, per_minute: int) -> None:
    django_setup.setup_django(
        pipecat_url,
        gcore_url,
        name="watch",
        pipecat_token=PIPECAT_TOKEN,
        gcore_key=GCORE_KEY,
        project_id=PROJECT_ID,
        region_id=REGION_ID,
        WATCH_INTERVAL_SECONDS=str(interval),
        WATCH_CALLS_PER_MINUTE=str(per_minute),
    )


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- 1. the pass --------------------------------------------------------------------------------


@dataclass
class Pass:
    rounds: int
    seconds: float  # from the first round's start to the last one's end
    durations: list[float]  # each round's own time
    waited: float  # of which the jobs waited for the budget
    starts: list[float]
    started: float
    ended: float


def keys_unread() -> int:
    from secretsadmin.drift.models import Seen
    from secretsadmin.pipecat.drift import WITH_KEYS

    facts = {f"facts__{name}": value for name, value in WITH_KEYS.items()}
    return Seen.objects.filter(provider="pipecat", detail_at=None, **facts).count()


def listed(provider: str) -> int:
    from secretsadmin.drift.models import Seen

    return Seen.objects.filter(provider=provider).count()


def run_pass(sets: int, secrets: int, interval: float, per_minute: int, limit: int) -> Pass:
    from secretsadmin.watcher.budget import Budget
    from secretsadmin.watcher.leadership import lease_for
    from secretsadmin.watcher.loop import Watcher
    from secretsadmin.watcher.registry import discover, jobs

    discover()
    waited = 0.0

    def sleep(seconds: float) -> None:
        nonlocal waited
        waited += seconds
        time.sleep(seconds)

    budget = Budget(per_minute, interval, sleep=sleep)
    watcher = Watcher(jobs, lease_for(), budget, interval)
    durations: list[float] = []
    starts: list[float] = []
    started = next_round = time.monotonic()
    try:
        while len(durations) < limit:
            began = time.monotonic()
            starts.append(began)
            assert watcher.once() is not None, "another watcher leads"
            durations.append(time.monotonic() - began)
            ended = time.monotonic()
            if listed("pipecat") == sets and keys_unread() == 0 and listed("gcore") == secrets:
                break
            # On the interval's beat, as `Watcher.run`: a round that overran it is followed at once.
            next_round = max(next_round + interval, time.monotonic())
            time.sleep(max(0.0, next_round - time.monotonic()))
    finally:
        watcher.release()
    return Pass(len(durations), ended - started, durations, waited, starts, started, ended)


def bare_reads(per_round: int) -> tuple[float, float, float]:
    """Seconds of the bare client calls: the set list, one set's read (the mean over a round's
    share of them), the region's secrets in pages of 1,000; each the median of three."""
    from secretsadmin.providers.gcore import gcore_clients
    from secretsadmin.providers.gcore.client import MAX_PAGE_SIZE
    from secretsadmin.providers.pipecat import pipecat_clients

    pipecat, gcore = pipecat_clients().get("prod"), gcore_clients().get("bench")

    def timed(call: Callable[[], object]) -> float:
        runs = []
        for _ in range(3):
            began = time.perf_counter()
            call()
            runs.append(time.perf_counter() - began)
        return statistics.median(runs)

    names = [s.name for s in pipecat.list_sets() if not s.is_image_pull_secret][:per_round]
    return (
        timed(pipecat.list_sets),
        timed(lambda: [pipecat.get_set(name) for name in names]) / len(names),
        timed(lambda: gcore.list_secrets(REGION_ID, page_size=MAX_PAGE_SIZE)),
    )


def report_pass(
    done: Pass,
    stamped: dict[str, Stamped],
    interval: float,
    per_minute: int,
    per_window: int,
    bare: tuple[float, float, float],
    sets: int,
    secrets: int,
) -> None:
    complete = keys_unread() == 0 and listed("gcore") == secrets
    print(
        f"\n1. one pass over {sets:,} Pipecat sets' keys and {secrets:,} Gcore secrets "
        f"(emulators +{LATENCY * 1000:.0f} ms per answer)"
    )
    print(
        f"   time compressed: WATCH_INTERVAL_SECONDS={interval:g}, WATCH_CALLS_PER_MINUTE="
        f"{per_minute:,} (a round's share {per_window}, as the defaults' 60 a minute; "
        f"{DEFAULT_INTERVAL / interval:.0f}x shorter rounds)"
    )
    print(
        f"   {done.rounds} rounds, {done.seconds:.1f} s"
        f"{'' if complete else ' - NOT COMPLETE: the round limit was reached'}; at the defaults "
        f"{done.rounds * DEFAULT_INTERVAL / 60:.0f} minutes"
    )
    print(
        f"   round time: first (the baseline) {done.durations[0]:.2f} s, then median "
        f"{statistics.median(done.durations[1:] or done.durations):.2f} s, max "
        f"{max(done.durations[1:] or done.durations):.2f} s (interval {interval:g} s)"
    )
    print(f"   {'calls at the emulator':<24} {'total':>6} {'busiest interval':>17} {'budget':>7}")
    print(f"   {'':<24} {'':>6} {'busiest 60 s':>17} {'budget':>7}")
    within = True
    for provider, app in stamped.items():
        gets = app.gets(done.started, done.ended + 1)
        in_window, in_minute = busiest(gets, interval - JITTER), busiest(gets, 60.0 - JITTER)
        ok = in_window <= per_window and in_minute <= per_minute
        within &= ok
        print(f"   {provider:<24} {len(gets):6} {in_window:17} {per_window:7}")
        print(f"   {'':<24} {'':>6} {in_minute:17} {per_minute:7}  {verdict(ok)}")
        ends = [*done.starts[1:], math.inf]
        rounds = [len(app.gets(a, b)) for a, b in zip(done.starts, ends, strict=True)]
        print(f"   {'':<24} calls in each round: {' '.join(map(str, rounds))}")
        figure(
            f"watch pass: {provider} calls in the busiest interval",
            in_window,
            "calls",
            goal=f"<= {per_window} (the round's share)",
            met=in_window <= per_window,
        )
    list_sets, get_set, list_secrets = bare
    bare_pass = done.rounds * (list_sets + list_secrets) + sets * get_set
    worked = sum(done.durations) - done.waited
    print(
        f"   bare client calls: list_sets {list_sets * 1000:.0f} ms, get_set "
        f"{get_set * 1000:.0f} ms, list_secrets {list_secrets * 1000:.0f} ms; the pass's reads "
        f"alone {bare_pass:.1f} s ({done.rounds} listings of each, {sets:,} set reads)"
    )
    print(
        f"   the rounds' time {sum(done.durations):.1f} s, {done.waited:.1f} s of it waiting for "
        f"the budget; the rest, {worked:.1f} s: {worked / bare_pass:.2f}x the bare reads "
        "(comparing, storing, the other jobs)"
    )
    figure(
        f"watch pass: {sets:,} sets' keys, {secrets:,} secrets",
        worked,
        "s of rounds",
        baseline=bare_pass,
        baseline_name="the bare client reads",
        goal="complete, within the budget",
        met=complete and within,
    )


# -- 2. the latency -----------------------------------------------------------------------------


@dataclass
class Change:
    kind: str
    action: str
    target: str  # the set's name, or the secret's id
    made: datetime  # when the provider answered
    words: str = ""  # a phrase the event's changes must hold


def observed_at(change: Change) -> datetime | None:
    from secretsadmin.audit.models import AuditEvent, Outcome

    events = AuditEvent.objects.filter(
        action=change.action, outcome=Outcome.OBSERVED, time__gte=change.made
    ).filter(**({"target_id": change.target} if change.action == GCORE_ACTION else {}))
    if change.action == PIPECAT_ACTION:
        events = events.filter(target=change.target)
    for event in events.order_by("sequence"):
        if change.words in " ".join(event.observed.get("changes", [])):
            return event.time
    return None


def start_watcher(log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "watch"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def rounds_run() -> int:
    from secretsadmin.watcher.models import Rounds

    row = Rounds.objects.filter(pk=1).first()
    return row.count if row else 0


def measure_latency(
    pipecat_url: str,
    gcore_url: str,
    gcore_ids: list[str],
    set_names: list[str],
    interval: float,
    changes: int,
    key_changes: int,
    keys_pass: float,
) -> list[tuple[Change, datetime | None]]:
    from django.utils import timezone

    rng = random.Random(7)
    pipecat = httpx.Client(
        base_url=f"{pipecat_url}/v1", headers={"Authorization": f"Bearer {PIPECAT_TOKEN}"}
    )
    gcore = httpx.Client(
        base_url=f"{gcore_url}/cloud/v1/secrets/{PROJECT_ID}/{REGION_ID}",
        headers={"Authorization": f"APIKey {GCORE_KEY}"},
    )

    def delete_secret(i: int) -> Change:
        secret_id = gcore_ids.pop(rng.randrange(len(gcore_ids)))
        gcore.delete(f"/{secret_id}").raise_for_status()
        return Change("Gcore secret deleted", GCORE_ACTION, secret_id, timezone.now(), "deleted")

    def create_set(i: int) -> Change:
        name = f"made-elsewhere-{i:03}"
        body = {"secrets": [{"secretKey": "A", "secretValue": "1"}], "region": "us-west"}
        pipecat.put(f"/secrets/{name}", json=body).raise_for_status()
        return Change("Pipecat set created", PIPECAT_ACTION, name, timezone.now(), "created")

    def add_key(i: int) -> Change:
        name = set_names.pop(rng.randrange(len(set_names)))
        body = {"secrets": [{"secretKey": f"ADDED_{i}", "secretValue": "x"}]}
        pipecat.put(f"/secrets/{name}", json=body).raise_for_status()
        words = f"keys added: ADDED_{i}"
        return Change("Pipecat key added", PIPECAT_ACTION, name, timezone.now(), words)

    # Each change at a random moment of a span of `changes` intervals; keys added in the first.
    plan: list[tuple[float, Callable[[int], Change]]] = []
    for make in (delete_secret, create_set):
        plan += [(rng.uniform(0, changes * interval), make) for _ in range(changes)]
    plan += [(rng.uniform(0, interval), add_key) for _ in range(key_changes)]
    plan.sort(key=lambda step: step[0])

    made: list[Change] = []
    found: dict[int, datetime] = {}
    began = time.monotonic()
    deadline = began + changes * interval + keys_pass + 4 * interval
    for i, (at, make) in enumerate(plan):
        time.sleep(max(0.0, began + at - time.monotonic()))
        made.append(make(i))
    while len(found) < len(made) and time.monotonic() < deadline:
        for i, change in enumerate(made):
            if i not in found and (seen := observed_at(change)) is not None:
                found[i] = seen
        time.sleep(0.2)
    pipecat.close()
    gcore.close()
    return [(change, found.get(i)) for i, change in enumerate(made)]


def report_latency(
    results: list[tuple[Change, datetime | None]],
    interval: float,
    round_max: float,
    keys_pass: float,
) -> None:
    print(
        "\n2. from a change made through the provider's API to its observed audit event "
        f"(`manage.py watch`, interval {interval:g} s; a round took up to {round_max:.2f} s)"
    )
    print(f"   {'':<22} {'changes':>7} {'seen':>5} {'p50':>8} {'p95':>8} {'max':>8}  goal")
    goals = {
        "Gcore secret deleted": interval + round_max,
        "Pipecat set created": interval + round_max,
        "Pipecat key added": keys_pass + interval + round_max,
    }
    for kind, goal in goals.items():
        mine = [(c, seen) for c, seen in results if c.kind == kind]
        if not mine:
            continue
        delays = [(seen - c.made).total_seconds() for c, seen in mine if seen is not None]
        ok = len(delays) == len(mine) and max(delays, default=math.inf) <= goal
        cells = (
            f"{p(delays, 0.5):6.2f} s {p(delays, 0.95):6.2f} s {max(delays):6.2f} s"
            if delays
            else f"{'-':>8} {'-':>8} {'-':>8}"
        )
        print(
            f"   {kind:<22} {len(mine):7} {len(delays):5} {cells}  <= {goal:.2f} s: {verdict(ok)}"
        )
        figure(
            f"watch latency: {kind}, max",
            max(delays, default=math.inf),
            "s",
            goal=f"<= {goal:.1f} s"
            + (" (a keys pass, a round)" if kind.endswith("added") else " (an interval, a round)"),
            met=ok,
        )
    print(
        "   a key added is seen when its set's keys come due, oldest-read first: up to a keys "
        f"pass, part 1's ({keys_pass:.0f} s here)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=2000, help="Pipecat sets")
    parser.add_argument("--secrets", type=int, default=5000, help="Gcore secrets")
    parser.add_argument("--interval", type=float, default=3.0, help="WATCH_INTERVAL_SECONDS")
    parser.add_argument("--per-round", type=int, default=60, help="calls per account a round")
    parser.add_argument("--changes", type=int, default=20, help="of each listing-level kind")
    parser.add_argument("--key-changes", type=int, default=5, help="keys added to sets")
    args = parser.parse_args()
    interval = args.interval
    per_minute = math.ceil(args.per_round * 60 / min(interval, 60))

    from emulators.gcore import GcoreEmulator
    from emulators.gcore.seed import seed_many as seed_secrets
    from emulators.pipecat import PipecatEmulator, seed_many

    pipecat_app = PipecatEmulator({PIPECAT_TOKEN: ORG})
    names = seed_many(pipecat_app, args.sets, org=ORG, pending_for=0)
    gcore_app = GcoreEmulator({GCORE_KEY: [PROJECT_ID]})
    gcore_app.set_task_timing(0, 0)  # a deletion is done when its call returns
    secrets = seed_secrets(gcore_app, args.secrets, PROJECT_ID, REGION_ID)
    stamped = {
        "Pipecat (account prod)": Stamped(pipecat_app),
        "Gcore (account bench)": Stamped(gcore_app),
    }
    from emulators.server import EmulatorServer

    pipecat_server, gcore_server = (EmulatorServer(app) for app in stamped.values())
    with pipecat_server, gcore_server:
        pipecat_app.latency = gcore_app.latency = LATENCY
        setup_django(pipecat_server.url, gcore_server.url, interval, per_minute)
        from secretsadmin.watcher.budget import Budget

        per_window = Budget(per_minute, interval).per_window
        bare = bare_reads(args.per_round - 1)
        limit = 3 * math.ceil(args.sets / (args.per_round - 1)) + 5
        done = run_pass(args.sets, args.secrets, interval, per_minute, limit)
        report_pass(done, stamped, interval, per_minute, per_window, bare, args.sets, args.secrets)

        keys_pass = done.seconds
        log = Path(os.environ["DATA_DIR"]) / "watch.log"
        watcher = start_watcher(log)
        try:
            before = rounds_run()
            leading_by = time.monotonic() + 30
            while rounds_run() == before and time.monotonic() < leading_by:
                time.sleep(0.1)
            with_keys = [n for n in names if "-pull-" not in n]
            results = measure_latency(
                pipecat_server.url,
                gcore_server.url,
                [s.id for s in secrets],
                with_keys,
                interval,
                args.changes,
                args.key_changes,
                keys_pass,
            )
        finally:
            watcher.send_signal(signal.SIGTERM)
            watcher.wait(timeout=30)
        report_latency(results, interval, max(done.durations[1:] or done.durations), keys_pass)
        if watcher.returncode:
            print(f"   the watcher exited with {watcher.returncode}: see {log}")


if __name__ == "__main__":
    main()
