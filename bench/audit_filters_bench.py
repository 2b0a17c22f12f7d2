"""Audit page filters at a million events: each filter alone and in typical combinations, on the
first page and half-way down the log, through the page's own view, and an export's first rows.

Run by hand, not by the test suite:

    .venv/bin/python bench/audit_filters_bench.py             # SQLite, a file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/audit_filters_bench.py         # a scratch database, dropped after

The log is seeded as the dashboard writes it over a year (`audit_bench.write_chain`, a valid
chain): sign-ins and refusals, Pipecat changes (an attempt, then its outcome), Gcore changes (an
attempt, `unknown` while the task runs, then the task's outcome), exports, and the hourly
reconcile step concluding what was left unknown; most changes succeed, a few fail, fewer are
left unknown. `--keep` and `--reuse` work as in audit_bench.py; `--plans` prints each query's
plan; `--only` runs the cases whose names contain one of its comma-separated words. SQLite is
left without statistics, as a deployment's is (nothing runs ANALYZE there); `--analyze` gathers
them after seeding, to see the plans SQLite would choose with them.

Goal (issue 11): every filter <= 150 ms at 1,000,000 events, on SQLite and PostgreSQL. Each figure
is also given against the unfiltered newest page, measured in the same run.
"""

import argparse
import heapq
import itertools
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import configure, write_chain

from bench.figures import figure  # the checkout's root is on the path: audit_bench puts it there

GOAL_MS = 150.0
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
RECONCILE = "audit_reconcile"

FIRST = ["anna", "ben", "chloe", "dmitri", "eva", "farid", "grace", "hiro", "ines", "jonas"]
LAST = ["schmidt", "okafor", "novak", "tanaka"]
PEOPLE = [f"{first}.{last}" for first in FIRST for last in LAST]  # 40 staff
APPS = ["billing", "search", "voice", "agent", "checkout", "crm", "ledger", "notify", "ingest"]
ENVS = ["prod", "staging", "dev", "eu-prod", "us-prod"]
SETS = [f"{app}-{env}-{n}" for app in APPS for env in ENVS for n in range(7)]  # 315 sets
KEYS = ["API_KEY", "DATABASE_URL", "OPENAI_API_KEY", "DEEPGRAM_KEY", "REDIS_URL", "JWT_SECRET"]
SECRETS = [f"{app}-{kind}-{n}" for app in APPS for kind in ("tls", "token") for n in range(12)]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "Mozilla/5.0 (Macintosh) Safari/18"]
ERRORS = [
    (422, "invalid_key_name", "upstream refused the key name"),
    (409, "conflict", "the set is being updated by another request"),
    (403, "forbidden", "the token may not write to this organization"),
    (502, "bad_gateway", "upstream answered 502 Bad Gateway"),
]


def zipf(items: list[str], rng: random.Random) -> Callable[[], str]:
    """A picker that favours the first items, as real use favours a few people and sets."""
    weights = list(itertools.accumulate(1 / (n + 1) for n in range(len(items))))
    return lambda: rng.choices(items, cum_weights=weights)[0]


class Log:
    """Events scheduled at their times and emitted in time order: an operation's later events
    (an outcome, the reconcile step's verdict) come after other operations' events."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.queue: list[tuple[datetime, int, dict[str, object]]] = []
        self.order = itertools.count()
        self.sequence = 0

    def at(self, when: datetime, **event: object) -> dict[str, object]:
        """Schedules an event; its `sequence` is set once emitted (an outcome refers to it)."""
        heapq.heappush(self.queue, (when, next(self.order), event))
        return event

    def emit_until(self, when: datetime) -> Iterator[dict[str, object]]:
        while self.queue and self.queue[0][0] <= when:
            moment, _, event = heapq.heappop(self.queue)
            self.sequence += 1
            event["sequence"] = self.sequence
            event["time"] = moment
            yield event


def realistic(count: int) -> Iterator[dict[str, object]]:
    """`count` events of a year of use, in order, every field but the chain's."""
    rng = random.Random(11)
    log = Log(rng)
    person, some_set, some_secret = zipf(PEOPLE, rng), zipf(SETS, rng), zipf(SECRETS, rng)
    addresses = {
        name: f"10.{n // 250}.{n % 250}.{rng.randrange(1, 250)}" for n, name in enumerate(PEOPLE)
    }
    # About 1.7 events per operation: the year is spread over the operations that fill it.
    gap = YEAR.total_seconds() / (count / 1.7)

    def event(who: str, request_id: str, **fields: object) -> dict[str, object]:
        system = who == RECONCILE
        base: dict[str, object] = {
            "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "request_id": request_id,
            "actor_id": None if system else PEOPLE.index(who) + 1,
            "actor_username": who,
            "actor_email": "" if system else f"{who}@example.com",
            "actor_roles": [] if system else ["editor"],
            "auth_method": "system" if system else "oidc",
            "source_ip": "" if system else addresses[who],
            "user_agent": "" if system else AGENTS[PEOPLE.index(who) % 2],
            "provider": "",
            "account": "",
            "region": "",
            "target": "",
            "target_id": "",
            "keys": [],
            "upstream_status": None,
            "error_code": "",
            "error_message": "",
            "reason": "",
            "attempt_id": None,
            "fingerprints": {},
        }
        base.update(fields)
        return base

    def outcome_of(attempt: dict[str, object], when: datetime, **fields: object) -> None:
        who, request_id = str(attempt["actor_username"]), str(attempt["request_id"])
        subject = {k: attempt[k] for k in ("action", "provider", "account", "region", "target")}
        subject["target_id"] = fields.pop("target_id", attempt["target_id"])
        subject["keys"] = attempt["keys"]
        # The attempt is emitted first (it is earlier): its sequence is known by then.
        log.at(when, **event(who, request_id, **subject, **fields), attempt=attempt)

    def reconciled(attempt: dict[str, object], after: datetime) -> None:
        """The hourly reconcile step, at the first run 15 minutes after: a verdict, usually."""
        run = (after + timedelta(minutes=15)).replace(minute=0, second=0) + timedelta(hours=1)
        verdict = rng.choices(["succeeded", "failed", "unknown"], [8, 1, 1])[0]
        log.at(
            run + timedelta(seconds=rng.uniform(1, 40)),
            **event(
                RECONCILE,
                f"reconcile-{run:%Y%m%d%H}",
                action=attempt["action"],
                provider=attempt["provider"],
                account=attempt["account"],
                region=attempt["region"],
                target=attempt["target"],
                target_id=attempt["target_id"],
                keys=attempt["keys"],
                outcome=verdict,
                error_code="reconciled",
                error_message="concluded by audit_reconcile from the provider's state",
            ),
            attempt=attempt,
        )

    def pipecat(now: datetime, who: str, request_id: str) -> None:
        action = rng.choices(
            [
                "pipecat.secret_set.upsert",
                "pipecat.secret_key.delete",
                "pipecat.secret_set.delete",
                "pipecat.image_pull_secret.upsert",
            ],
            [14, 2.5, 1, 1.5],
        )[0]
        keys = rng.sample(KEYS, rng.randint(1, 3))
        attempt = log.at(
            now,
            **event(
                who,
                request_id,
                action=action,
                provider="pipecat",
                account=rng.choices(["acme", "acme-staging", "voicebots"], [6, 3, 1])[0],
                target=some_set(),
                keys=keys,
                outcome="attempted",
                reason=f"rotation after INC-{rng.randrange(9999)}" if rng.random() < 0.1 else "",
                fingerprints={k: "k1:" + rng.randbytes(32).hex() for k in keys}
                if action.endswith("upsert")
                else {},
            ),
        )
        then = now + timedelta(seconds=rng.uniform(0.2, 3))
        fate = rng.random()
        if fate < 0.966:
            outcome_of(attempt, then, outcome="succeeded", upstream_status=200)
        elif fate < 0.996:
            status, code, message = rng.choice(ERRORS)
            outcome_of(
                attempt,
                then,
                outcome="failed",
                upstream_status=status,
                error_code=code,
                error_message=message,
            )
        elif fate < 0.9995:  # a timeout: the change may have been made
            outcome_of(attempt, then, outcome="unknown", error_code="timeout")
            reconciled(attempt, then)
        elif rng.random() < 0.7:  # a crash before the outcome, reconciled later
            reconciled(attempt, now)

    def gcore(now: datetime, who: str, request_id: str) -> None:
        action = rng.choices(
            ["gcore.secret.create", "gcore.certificate.create", "gcore.secret.delete"], [4, 1, 2]
        )[0]
        known_id = str(uuid.UUID(int=rng.getrandbits(128))) if action.endswith("delete") else ""
        attempt = log.at(
            now,
            **event(
                who,
                request_id,
                action=action,
                provider="gcore",
                account=rng.choice(["482113", "482114"]),
                region=rng.choice(["76", "80", "116"]),
                target=some_secret(),
                target_id=known_id,
                keys=["payload"] if action == "gcore.secret.create" else [],
                outcome="attempted",
            ),
        )
        then = now + timedelta(seconds=rng.uniform(0.3, 2))
        fate = rng.random()
        if fate < 0.025:
            status, code, message = rng.choice(ERRORS)
            outcome_of(
                attempt,
                then,
                outcome="failed",
                upstream_status=status,
                error_code=code,
                error_message=message,
            )
            return
        if fate > 0.9995:  # a crash before Gcore answered
            reconciled(attempt, now)
            return
        outcome_of(
            attempt,
            then,
            outcome="unknown",
            upstream_status=200,
            error_code="task_running",
            error_message=f"task {uuid.UUID(int=rng.getrandbits(128))} accepted",
        )
        done = then + timedelta(seconds=rng.uniform(4, 120))
        made = known_id or str(uuid.UUID(int=rng.getrandbits(128)))
        if rng.random() < 0.995:
            ok = rng.random() < 0.97
            outcome_of(
                attempt,
                done,
                outcome="succeeded" if ok else "failed",
                error_code="" if ok else "task_error",
                error_message="" if ok else "task ended in ERROR: quota exceeded",
                target_id=made if ok else known_id,
            )
        else:  # nobody watched the task finish
            reconciled(attempt, done)

    def export(now: datetime, who: str, request_id: str) -> None:
        attempt = log.at(
            now,
            **event(
                who,
                request_id,
                action="audit.export",
                target=rng.choice(["csv (all events)", "jsonl (all events)", "csv outcome=failed"]),
                outcome="attempted",
            ),
        )
        if rng.random() < 0.93:  # else the download was cut short: left without an outcome
            outcome_of(attempt, now + timedelta(seconds=rng.uniform(2, 30)), outcome="succeeded")

    def simple(action: str, outcome: str, **fields: object) -> Callable[..., None]:
        def record(now: datetime, who: str, request_id: str) -> None:
            log.at(now, **event(who, request_id, action=action, outcome=outcome, **fields))

        return record

    def denied(now: datetime, who: str, request_id: str) -> None:
        path = rng.choice(["/pipecat/acme/sets/", "/gcore/482113/76/", "/audit/", "/admin/"])
        log.at(
            now,
            **event(
                who,
                request_id,
                action="auth.denied",
                outcome="denied",
                target=f"GET {path}",
                error_code="missing_role",
                error_message="the role editor is needed",
            ),
        )

    kinds: dict[Callable[..., None], float] = {
        simple("auth.login", "succeeded"): 18,
        simple("auth.login", "failed", error_code="invalid_credentials"): 1.2,
        simple("auth.lockout", "denied", error_code="too_many_failures_per_user"): 0.05,
        simple("auth.logout", "succeeded"): 12,
        simple("auth.roles_changed", "succeeded", target="editor -> editor, auditor"): 0.15,
        denied: 2.5,
        pipecat: 19,
        gcore: 7,
        export: 0.6,
        simple("audit.verify", "succeeded", target="events #1 to #head"): 0.3,
        simple("audit.value_check", "succeeded", target="event #1", target_id="match"): 0.4,
    }
    choose, weights = list(kinds), list(kinds.values())
    now = START
    emitted = 0
    while emitted < count:
        now += timedelta(seconds=rng.expovariate(1 / gap))
        rng.choices(choose, weights)[0](now, person(), uuid.UUID(int=rng.getrandbits(128)).hex)
        for ready in log.emit_until(now):
            attempt = ready.pop("attempt", None)
            ready["attempt_id"] = attempt["sequence"] if isinstance(attempt, dict) else None
            yield ready
            emitted += 1
            if emitted == count:
                return


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of `fn` in ms; a run over a second is not repeated."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        if times[-1] > 1000:
            break
    return statistics.median(times)


def cases(total: int) -> dict[str, dict[str, object]]:
    """The filters timed, with values the seeded log holds."""
    from secretsadmin.audit.models import AuditEvent

    middle = AuditEvent.objects.get(sequence=total // 2)
    gcore_id = (
        AuditEvent.objects.filter(sequence__lt=total // 2, provider="gcore")
        .exclude(target_id="")
        .values_list("target_id", flat=True)
        .first()
    )
    day = middle.time.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    return {
        "no filter": {},
        "actor (name, frequent)": {"actor": PEOPLE[0]},
        "actor (email, occasional)": {"actor": f"{PEOPLE[-1]}@example.com"},
        "actor (system)": {"actor": RECONCILE},
        "action (frequent)": {"action": "pipecat.secret_set.upsert"},
        "action (rare)": {"action": "auth.roles_changed"},
        "action family (pipecat: 4 names)": {"action": "pipecat"},
        "action family (gcore.secret)": {"action": "gcore.secret"},
        "provider": {"provider": "gcore"},
        "account": {"account": "voicebots"},
        "target (name)": {"target": SETS[40]},
        "target (id)": {"target": gcore_id},
        "outcome succeeded": {"outcome": "succeeded"},
        "outcome failed": {"outcome": "failed"},
        "outcome denied": {"outcome": "denied"},
        "outcome attempted": {"outcome": "attempted"},
        "outcome unknown": {"outcome": "unknown"},
        "request id": {"request_id": middle.request_id},
        "time: one day": {"since": day, "until": day + timedelta(days=1)},
        "time: one month": {"since": month, "until": (month + timedelta(days=32)).replace(day=1)},
        "time: since a week ago": {"since": START + YEAR - timedelta(days=7)},
        "time: until mid-year": {"until": START + YEAR / 2},
        "text (frequent)": {"q": "anna"},
        "text (a key name)": {"q": "deepgram"},
        "text (rare)": {"q": "INC-4242"},
        "text (absent)": {"q": "no such text"},
        "actor + outcome failed": {"actor": PEOPLE[1], "outcome": "failed"},
        "action family + outcome failed": {"action": "pipecat", "outcome": "failed"},
        "provider + account + target": {
            "provider": "pipecat",
            "account": "acme",
            "target": SETS[3],
        },
        "action + one month": {
            "action": "gcore.secret.delete",
            "since": month,
            "until": (month + timedelta(days=32)).replace(day=1),
        },
        "outcome unknown + provider": {"outcome": "unknown", "provider": "pipecat"},
        "outcome failed + one month": {
            "outcome": "failed",
            "since": month,
            "until": (month + timedelta(days=32)).replace(day=1),
        },
        "text + actor": {"q": "billing", "actor": PEOPLE[2]},
        "text + outcome failed": {"q": "quota", "outcome": "failed"},
    }


def query_string(filters: dict[str, object]) -> str:
    def plain(value: object) -> str:
        # The form reads times in TIME_ZONE (UTC here), as typed into its fields.
        return value.strftime("%Y-%m-%dT%H:%M") if isinstance(value, datetime) else str(value)

    return urlencode({name: plain(value) for name, value in filters.items()})


def plan(filters: dict[str, object]) -> str:
    """The plan of each query that reads the first page's sequences."""
    from django.db import connection

    from secretsadmin.audit import selectors

    lines = []
    for walk in selectors.events(**filters).walks(51, None, None):  # type: ignore[arg-type]
        sql, params = walk.query.sql_with_params()
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                lines += [f"      {row[-1]}" for row in cursor.fetchall()]
            else:
                cursor.execute(f"EXPLAIN {sql}", params)
                lines += [f"      {row[0]}" for row in cursor.fetchall()]
        lines.append("      --")
    return "\n".join(lines)


def matching(found) -> int:
    """How many events match (not timed): the arms' union, counted."""
    from functools import reduce
    from operator import or_

    return reduce(or_, found.arms).count() if found.arms else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", default="", help="an existing (kept) database to run on")
    parser.add_argument("--plans", action="store_true", help="print each filter's query plan")
    parser.add_argument("--only", default="", help="comma-separated words of case names to run")
    parser.add_argument("--analyze", action="store_true", help="ANALYZE SQLite after seeding")
    args = parser.parse_args()
    where, cleanup = configure(os.environ.get("DATABASE_URL"), args.reuse, args.keep)
    os.environ.setdefault("TIME_ZONE", "UTC")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from secretsadmin.accounts.roles import Role
    from secretsadmin.audit import selectors
    from secretsadmin.audit.models import AuditEvent
    from tests.fixtures.personas import make_user

    rows: list[tuple[str, int, list[float]]] = []
    try:
        fresh = "audit_auditevent" not in connection.introspection.table_names()
        # A fresh log is seeded as of migration 0004, so that the later ones fill their indexes
        # and summaries from a million events, as they would a deployment's log.
        if fresh:
            call_command("migrate", "audit", "0004", verbosity=0)
        if not AuditEvent.objects.exists():
            started = time.perf_counter()
            postgres = connection.vendor == "postgresql"
            write_chain(realistic(args.events), analyze=postgres or args.analyze)
            print(f"seed (bulk, chained): {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"{where}: migrate {time.perf_counter() - started:.1f} s", flush=True)
        user = User.objects.filter(username="bench-auditor").first()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user or make_user("bench-auditor", Role.AUDITOR))
        head = selectors.head()
        total = head.sequence if head else 0
        middle = total // 2
        wanted = [word for word in args.only.split(",") if word]

        def export_first_rows(query: str) -> None:
            response = client.get(f"/audit/export.csv?{query}")
            lines = iter(response.streaming_content)
            next(lines), next(lines, None)  # the header, then the first event's line
            response.close()

        for name, filters in cases(total).items():
            if wanted and name != "no filter" and not any(w in name for w in wanted):
                continue
            found = selectors.events(**filters)  # type: ignore[arg-type]
            matches = matching(found)
            query = query_string(filters)
            figures = [
                timed(lambda f=found: selectors.page(f)),
                timed(lambda f=found: selectors.page(f, before=middle)),
                timed(lambda q=query: client.get(f"/audit/?{q}").content),
                timed(lambda q=query: export_first_rows(q), repeat=3),
            ]
            rows.append((name, matches, figures))
            marks = ["!" if ms > GOAL_MS else "" for ms in figures]
            shown = "  ".join(f"{ms:8.1f}{mark:1}" for ms, mark in zip(figures, marks, strict=True))
            print(f"  {name:<34} {matches:>9,}  {shown}", flush=True)
            if args.plans:
                print(plan(filters), flush=True)  # type: ignore[arg-type]
    finally:
        cleanup()

    columns = ("first page", "half-way page", "page (view)", "export 1st rows")
    baseline = rows[0][2]
    print(f"\n{where}, {total:,} events; ms, median of 5; x: against no filter; !: > goal\n")
    print(f"{'filter':<34} {'matches':>9}  " + "  ".join(f"{c:>19}" for c in columns))
    over = []
    for name, matches, figures in rows:
        cells = []
        for column, ms, base in zip(columns, figures, baseline, strict=True):
            cells.append(f"{ms:8.1f} (x{ms / base:5.1f}){'!' if ms > GOAL_MS else ' '}")
            if ms > GOAL_MS:
                over.append(f"{name}: {column} {ms:.0f} ms")
        print(f"{name:<34} {matches:>9,}  " + "  ".join(cells))
    print(f"\nover {GOAL_MS:.0f} ms: {len(over)}" + "".join(f"\n  {line}" for line in over))
    slowest_ms, slowest = max(
        (ms, f"{name}, {column}")
        for name, _matches, figures in rows
        for column, ms in zip(columns, figures, strict=True)
    )
    figure(
        f"{DATABASES[connection.vendor]}, {total:,} events: slowest filter ({slowest})",
        slowest_ms,
        "ms",
        baseline=baseline[0],
        baseline_name="the newest page, no filter",
        goal=f"<= {GOAL_MS:.0f} ms",
        met=slowest_ms <= GOAL_MS,
    )


if __name__ == "__main__":
    main()
