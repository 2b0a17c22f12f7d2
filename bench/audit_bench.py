"""Audit log benchmarks: append, verify, a filtered page and an export, at a million events.

Run by hand, not by the test suite:

    .venv/bin/python bench/audit_bench.py                      # SQLite, a file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/audit_bench.py

On PostgreSQL a scratch database (audit_bench_<pid>) is created on that server and dropped after;
on SQLite a file in a temporary directory. To iterate on one part, seed once and keep the
database, then reuse it (migrations are applied to it, seeding is skipped when it already holds
events) and run only what you are changing (`--reuse` takes a SQLite file's path too):

    DATABASE_URL=... .venv/bin/python bench/audit_bench.py --keep --only verify
    DATABASE_URL=... .venv/bin/python bench/audit_bench.py --reuse audit_bench_1234 --only pages
    psql ... -c 'DROP DATABASE audit_bench_1234'                   # when done

`--only` takes a comma-separated list of: append, verify, pages, export (default: all). Each
append run adds 500 events to a reused database, at its head.
Goals (issue 4): append p50 <= 3 ms, verify 1M <= 20 s, filtered page <= 150 ms, export memory
flat; (issue 9) the action filter's list of names read without reading the log. Each speed is
also given against a baseline measured in the same run.
"""

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import figure  # noqa: E402 - the checkout's root goes on the path first

ACTIONS = [
    "pipecat.secret_set.upsert",
    "pipecat.secret_key.delete",
    "pipecat.secret_set.delete",
    "pipecat.image_pull_secret.upsert",
    "gcore.secret.create",
    "gcore.secret.delete",
    "auth.login",
    "auth.logout",
    "auth.denied",
    "audit.export",
]
OUTCOMES = ["succeeded"] * 6 + ["failed", "denied", "attempted"]
SECTIONS = ("append", "verify", "pages", "export")


def configure(url: str | None, reuse: str = "", keep: bool = False) -> tuple[str, object]:
    """Points Django at a fresh database (or the existing database `reuse`: a PostgreSQL
    database's name, a SQLite file's path); returns its description and a clean-up callable
    (which keeps the database if `keep` or `reuse`)."""
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "secretsadmin.settings"
    os.environ["LOG_LEVEL"] = "warning"
    if url and url.startswith("postgres"):
        import psycopg

        name = reuse or f"audit_bench_{os.getpid()}"
        if not reuse:
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
        if reuse or keep:

            def leave():
                print(f"database {name} kept: --reuse {name} to use it again", flush=True)

            return f"PostgreSQL ({name})", leave

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE {name}")

        return f"PostgreSQL ({name})", drop
    if reuse:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(reuse).resolve()}"
        return f"SQLite ({reuse})", lambda: None
    directory = tempfile.mkdtemp(prefix="audit-bench-")
    path = f"{directory}/bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    if keep:

        def leave_file():
            print(f"database {path} kept: --reuse {path} to use it again", flush=True)

        return f"SQLite ({path})", leave_file
    return f"SQLite ({path})", lambda: shutil.rmtree(directory)


def seed(count: int) -> None:
    """Writes `count` chained events in bulk (see `write_chain`)."""
    rng = random.Random(4)
    actors = [(f"user{n}", f"user{n}@example.com") for n in range(50)]
    accounts = [f"acct-{n}" for n in range(20)]
    start = datetime(2025, 1, 1, tzinfo=UTC)

    def rows():
        for sequence in range(1, count + 1):
            username, email = rng.choice(actors)
            action = rng.choice(ACTIONS)
            provider = action.split(".")[0] if action[0] in "pg" else ""
            target = f"set-{rng.randrange(1000)}" if provider else ""
            yield {
                "sequence": sequence,
                "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                "time": start + timedelta(seconds=sequence * 30),
                "request_id": f"{sequence:032x}",
                "actor_id": None,
                "actor_username": username,
                "actor_email": email,
                "actor_roles": ["editor"],
                "auth_method": "sso",
                "source_ip": f"10.0.{sequence % 250}.{sequence % 200}",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
                "action": action,
                "provider": provider,
                "account": rng.choice(accounts) if provider else "",
                "region": "",
                "target": target,
                "target_id": "",
                "keys": ["API_KEY", "DB_URL"] if provider else [],
                "outcome": rng.choice(OUTCOMES),
                "upstream_status": 200 if provider else None,
                "error_code": "",
                "error_message": "",
                "reason": "",
                "attempt_id": None,
                "fingerprints": {},
            }

    write_chain(rows())


def write_chain(rows: Iterable[dict[str, object]], analyze: bool = True) -> None:
    """Writes events in bulk, each given with every field but `prev_hash` and `hash`, sequences
    from 1 in order: chained with the chain's own function, so that verify passes. Seeding
    only: it bypasses the append lock and the model's refusal of bulk inserts (the log's
    triggers still keep its time blocks and search table). Then ANALYZE, if `analyze`: as
    PostgreSQL's autovacuum would; SQLite gathers no statistics unless told to."""
    from django.db import connection, transaction

    from secretsadmin.audit import chain
    from secretsadmin.audit.models import AuditEvent

    fields = [f for f in AuditEvent._meta.concrete_fields]
    columns = [f.column for f in fields]
    json_fields = {f.attname: f for f in fields if f.get_internal_type() == "JSONField"}
    postgres = connection.vendor == "postgresql"

    def prepared():
        prev_hash = chain.GENESIS
        for row in rows:
            row["prev_hash"] = prev_hash
            row["hash"] = prev_hash = chain.digest(row)
            if postgres:
                for name in json_fields:
                    row[name] = chain.dumps(row[name])
            else:
                for name, field in json_fields.items():
                    row[name] = field.get_db_prep_save(row[name], connection)
                row["uuid"] = row["uuid"].hex
                row["time"] = connection.ops.adapt_datetimefield_value(row["time"])
            yield tuple(row[f.attname] for f in fields)

    with transaction.atomic(), connection.cursor() as cursor:
        if not postgres:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB: the indexes grow in memory
        if postgres:
            names = ", ".join(columns)
            with cursor.cursor.copy(f"COPY audit_auditevent ({names}) FROM STDIN") as copy:
                for row in prepared():
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({marks})"
            batch = []
            for row in prepared():
                batch.append(row)
                if len(batch) == 5000:
                    cursor.cursor.executemany(sql, batch)
                    batch.clear()
            cursor.cursor.executemany(sql, batch)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, repeat: int = 5) -> float:
    """Median wall time of `fn` in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def export_in_child(rows: int) -> tuple[float, int, float]:
    """Exports the first `rows` events in a fresh process, so that its peak RSS is the export's
    own: (seconds, bytes, peak RSS in MB)."""
    result = subprocess.run(
        [sys.executable, __file__, "--export-child", str(rows)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    seconds, size, peak = result.stdout.split()
    return float(seconds), int(size), float(peak)


def export_child(rows: int) -> None:
    import django

    django.setup()
    from secretsadmin.audit import export, selectors

    started = time.perf_counter()
    size = sum(map(len, export.csv_lines(selectors.events().through(rows))))
    seconds = time.perf_counter() - started
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(seconds, size, peak_kb / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=set(SECTIONS),
        help=f"comma-separated sections to run, of: {', '.join(SECTIONS)}",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", default="", help="an existing (kept) database to run on: a name, or a path"
    )
    parser.add_argument("--export-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        return export_child(args.export_child)
    if unknown := args.only - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    where, cleanup = configure(os.environ.get("DATABASE_URL"), args.reuse, args.keep)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from secretsadmin.audit import selectors, services
    from secretsadmin.audit.models import AuditEvent
    from secretsadmin.audit.verify import verify

    results: list[tuple[str, str, str]] = []

    def report(name: str, value: str, note: str = "") -> None:
        results.append((name, value, note))
        print(f"  {name}: {value} {note}", flush=True)

    try:
        print(f"database: {where}; {args.events:,} events", flush=True)
        call_command("migrate", verbosity=0)

        if AuditEvent.objects.exists():
            print(f"  seed skipped: {AuditEvent.objects.count():,} events already", flush=True)
        else:
            started = time.perf_counter()
            seed(args.events)
            report("seed (bulk, chained)", f"{time.perf_counter() - started:.1f} s")

        if "append" in args.only:
            actor = services.Actor.system("bench")
            appends = []
            for n in range(500):
                began = time.perf_counter()
                services.record(
                    actor,
                    action="pipecat.secret_set.upsert",
                    outcome="succeeded",
                    subject=services.Subject(
                        provider="pipecat", account="acct-1", target=f"set-{n}", keys=("API_KEY",)
                    ),
                )
                appends.append(time.perf_counter() - began)
            from django.contrib.auth.models import Group
            from django.db import transaction

            names = iter(range(10**9))

            def plain_orm_insert():
                with transaction.atomic():
                    Group.objects.create(name=f"bench-{os.getpid()}-{next(names)}")

            baseline = timed(plain_orm_insert, repeat=500)
            p50 = statistics.median(appends)
            p95 = statistics.quantiles(appends, n=20)[-1]
            figure(
                "append p50",
                p50 * 1000,
                "ms",
                baseline=baseline * 1000,
                baseline_name="a plain ORM insert",
                goal="<= 3 ms",
                met=p50 <= 0.003,
            )
            report(
                "append p50 / p95",
                f"{p50 * 1000:.2f} / {p95 * 1000:.2f} ms",
                f"(x{p50 / baseline:.1f} a plain ORM insert in its own transaction, "
                f"{baseline * 1000:.2f} ms)",
            )

        total = AuditEvent.objects.count()
        if "verify" in args.only:
            started = time.perf_counter()
            result = verify()
            verify_s = time.perf_counter() - started
            assert result.ok and result.checked == total, result.summary()

            def scan():
                """The same rows through the same cursor, without hashing: the cost of reading."""
                with connection.chunked_cursor() as cursor:
                    cursor.execute("SELECT * FROM audit_auditevent ORDER BY sequence")
                    while cursor.fetchmany(5000):
                        pass

            scan_s = timed(scan, repeat=1)
            figure(
                f"verify {total:,} events",
                verify_s,
                "s",
                baseline=scan_s,
                baseline_name="a bare ordered scan",
                goal="<= 20 s at 1,000,000" if total >= 1_000_000 else "",
                met=verify_s <= 20 if total >= 1_000_000 else None,
            )
            report(
                f"verify {total:,}",
                f"{verify_s:.1f} s",
                f"(x{verify_s / scan_s:.1f} a bare ordered scan of the same rows, {scan_s:.1f} s)",
            )

        if "pages" in args.only:
            middle = total // 2
            day = datetime(2025, 6, 1, tzinfo=UTC)
            queries = {
                "newest page, no filter": {},
                "action + outcome": {"action": "gcore.secret.delete", "outcome": "failed"},
                "action family (pipecat: 4 names)": {"action": "pipecat"},
                "action family + target": {"action": "pipecat.secret_set", "target": "set-42"},
                "actor": {"actor": "user7@example.com"},
                "provider + account + target": {
                    "provider": "pipecat",
                    "account": "acct-3",
                    "target": "set-42",
                },
                "one day": {"since": day, "until": day + timedelta(days=1)},
                "request id": {"request_id": f"{middle:032x}"},
                "outcome unknown": {"outcome": "unknown"},
                "free text (common)": {"q": "user1"},
                "free text (rare)": {"q": "set-999"},
            }
            for name, filters in queries.items():
                seconds = timed(lambda f=filters: selectors.page(selectors.events(**f)))
                report(f"page: {name}", f"{seconds * 1000:.1f} ms")
            if connection.vendor == "postgresql":
                from django.db.models import Q, TextField
                from django.db.models.functions import Cast

                def unindexed(q: str):
                    """The search as an OR of `icontains`, which no index serves."""
                    terms = [(f"{name}__icontains", q) for name in selectors.TEXT_FIELDS]
                    found = AuditEvent.objects.alias(keys_text=Cast("keys", TextField())).filter(
                        Q.create(terms, connector=Q.OR)
                    )
                    return selectors.Selection(arms=(found,))

                rare = queries["free text (rare)"]["q"]
                plain = timed(lambda: selectors.page(unindexed(rare)))
                indexed = timed(lambda: selectors.page(selectors.events(q=rare)))
                report(
                    "(baseline) free text (rare) by OR",
                    f"{plain * 1000:.1f} ms",
                    f"(the trigram index is x{plain / indexed:.0f} faster)",
                )
            from secretsadmin.audit import actions

            listed = timed(actions.offered)
            everyone = AuditEvent.objects.order_by("action").values_list("action", flat=True)
            distinct = timed(lambda: list(everyone.distinct()), repeat=3)
            report(
                "action names (the filter's list)",
                f"{listed * 1000:.2f} ms",
                f"(a DISTINCT over the log: {distinct * 1000:.0f} ms, x{distinct / listed:.0f})",
            )
            deep = timed(lambda: selectors.page(selectors.events(), before=middle))
            report("page: half-way down, no filter", f"{deep * 1000:.1f} ms")
            newest = AuditEvent.objects.order_by("-sequence")
            offset = timed(lambda: list(newest[middle : middle + 50]), repeat=3)
            report(
                "(baseline) the same page by OFFSET",
                f"{offset * 1000:.1f} ms",
                f"(keyset is x{offset / deep:.0f} faster)",
            )

        if "export" in args.only:
            for rows in (100_000, total):
                seconds, size, peak = export_in_child(rows)
                report(
                    f"export CSV {rows:,}",
                    f"{seconds:.1f} s, {size / 2**20:.0f} MB",
                    f"(peak RSS of the exporting process {peak:.0f} MB)",
                )
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        report("max RSS of the whole run", f"{peak_rss:.0f} MB", "(seeding included)")
    finally:
        cleanup()

    width = max(len(name) for name, _, _ in results)
    print(f"\n{where}, {args.events:,} seeded events\n")
    for name, value, note in results:
        print(f"{name:<{width}}  {value:<22} {note}")


if __name__ == "__main__":
    main()
