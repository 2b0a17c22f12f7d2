"""The audit log streamed to a syslog server and an HTTP collector by the watcher's job: every
event once, in order, across outages and restarts, and the head as a checkpoint that verifies."""

import hashlib
import ipaddress
import json
import logging
import ssl
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from secretsadmin.audit import services
from secretsadmin.audit.models import AuditEvent
from secretsadmin.config import Config
from secretsadmin.streaming.config import sinks
from secretsadmin.streaming.models import SinkCursor
from secretsadmin.streaming.stream import stream
from tests.fixtures.certificates import cert_pem, key_pem, private_key
from tests.streaming.conftest import Collector, Syslog, closed_port

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "collector-token-0123456789"


def configure(settings, **sink_urls: str) -> None:
    env = {"AUDIT_SINKS": ",".join(sink_urls), "AUDIT_SINK_WEB_TOKEN": TOKEN}
    env["AUDIT_SINK_WEB_HEADER"] = "X-Collector-Token"
    env.update({f"AUDIT_SINK_{name.upper()}_URL": url for name, url in sink_urls.items()})
    settings.AUDIT_SINKS = sinks(Config(env))
    # A failed sink is tried again the next round (half an interval on): rounds 0.5 s apart.
    settings.WATCH_INTERVAL_SECONDS = 0.5


def record(count: int) -> None:
    for n in range(count):
        services.record(services.Actor.system("test"), action=f"test.event{n}", outcome="succeeded")


def watch_once() -> None:
    """One round of a watcher started afresh, as cron runs it. A failing sink does not fail
    the job (it would raise CommandError)."""
    call_command("watch", "--once")


def stored() -> list[tuple[int, str]]:
    return list(AuditEvent.objects.order_by("sequence").values_list("sequence", "hash"))


def received(events: list[dict]) -> list[tuple[int, str]]:
    return [(event["sequence"], event["hash"]) for event in events]


def test_every_event_once_in_order_across_an_outage_and_restarts(settings, syslog, collector):
    configure(
        settings,
        web=f"http://127.0.0.1:{collector.port}/ingest",
        siem=f"syslog://127.0.0.1:{syslog.port}",
    )
    record(3)
    watch_once()
    assert received(collector.events) == received(syslog.json("audit", len(stored()))) == stored()

    collector.status = 503  # the collector is down; syslog is not held up by it
    record(2)
    watch_once()
    web = SinkCursor.objects.get(name="web")
    assert web.delivered == 3 and "HTTP 503" in web.last_error and web.failures == 1
    assert received(syslog.json("audit", len(stored()))) == stored()

    collector.status = 200
    record(1)
    time.sleep(0.5)
    watch_once()  # another watcher process, the next round: the collector is back
    assert received(collector.events) == stored()
    assert received(syslog.json("audit", len(stored()))) == stored()
    assert SinkCursor.objects.get(name="web").failures == 0


def test_a_sink_reached_after_the_round_ran_out_still_gets_a_batch(settings, syslog, collector):
    configure(
        settings,
        web=f"http://127.0.0.1:{collector.port}/ingest",
        siem=f"syslog://127.0.0.1:{syslog.port}",
    )
    record(2)
    for sink in settings.AUDIT_SINKS:  # as if the web sink took the whole round
        stream(sink, go_on=lambda: True, ends=time.monotonic() - 1)
    assert received(collector.events) == received(syslog.json("audit", 2)) == stored()


def test_each_line_is_the_canonical_event_its_hash_covers(settings, collector):
    configure(settings, web=f"http://127.0.0.1:{collector.port}/")
    record(2)
    watch_once()
    for event in collector.events:
        content = {k: v for k, v in event.items() if k != "hash"}
        line = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(line.encode()).hexdigest() == event["hash"]


def test_a_syslog_server_down_then_up_gets_what_it_missed(settings):
    port = closed_port()
    configure(settings, siem=f"syslog://127.0.0.1:{port}")
    record(2)
    watch_once()
    cursor = SinkCursor.objects.get(name="siem")
    assert cursor.delivered == 0 and "ConnectionRefusedError" in cursor.last_error
    time.sleep(0.5)
    server = Syslog()
    try:
        configure(settings, siem=f"syslog://127.0.0.1:{server.port}")
        watch_once()
        assert received(server.json("audit", 2)) == stored()
    finally:
        server.stop()


def test_the_checkpoint_verifies_with_audit_verify_anchor(settings, collector, syslog, capsys):
    configure(
        settings,
        web=f"http://127.0.0.1:{collector.port}/",
        siem=f"syslog://127.0.0.1:{syslog.port}",
    )
    record(3)
    watch_once()
    [checkpoint] = collector.checkpoints
    assert [c["anchor"] for c in syslog.json("checkpoint")] == [checkpoint["anchor"]]
    assert (checkpoint["sequence"], checkpoint["hash"]) == stored()[-1]
    call_command("audit_verify", "--anchor", checkpoint["anchor"])
    assert f"head #{checkpoint['sequence']}" in capsys.readouterr().out

    watch_once()  # within AUDIT_CHECKPOINT_MINUTES: no second checkpoint
    assert len(collector.checkpoints) == 1


def test_the_token_is_sent_but_never_logged_or_kept(settings, collector, caplog):
    configure(settings, web=f"http://127.0.0.1:{collector.port}/")
    record(1)
    watch_once()
    assert collector.headers[0]["X-Collector-Token"] == TOKEN
    collector.status = 401
    record(1)
    settings.AUDIT_CHECKPOINT_MINUTES = 0
    with caplog.at_level(logging.INFO):
        watch_once()
    cursor = SinkCursor.objects.get(name="web")
    assert "HTTP 401" in cursor.last_error
    assert TOKEN not in cursor.last_error
    assert TOKEN not in caplog.text and "audit_stream: sink web failed" in caplog.text


@pytest.mark.parametrize(
    "env,named",
    [
        ({"AUDIT_SINKS": "Bad_Name"}, "AUDIT_SINKS"),
        ({"AUDIT_SINKS": "a"}, "AUDIT_SINK_A_URL"),
        ({"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "ftp://x"}, "AUDIT_SINK_A_URL"),
        ({"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "syslog://x"}, "AUDIT_SINK_A_URL"),
        ({"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "https://u:p@x/"}, "AUDIT_SINK_A_URL"),
        ({"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "http://x.example/"}, "AUDIT_SINK_A_URL"),
        (
            {"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "https://x/", "AUDIT_SINK_A_CA_FILE": "/no"},
            "AUDIT_SINK_A_CA_FILE",
        ),
        (
            {"AUDIT_SINKS": "a", "AUDIT_SINK_A_URL": "https://x/", "AUDIT_SINK_A_VERIFY": "maybe"},
            "AUDIT_SINK_A_VERIFY",
        ),
    ],
)
def test_a_malformed_sink_stops_start_up_naming_the_variable(env, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        sinks(Config(env))


def test_the_token_may_come_from_a_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    env = {
        "AUDIT_SINKS": "web",
        "AUDIT_SINK_WEB_URL": "https://x/",
        "AUDIT_SINK_WEB_TOKEN_FILE": str(path),
    }
    [sink] = sinks(Config(env))
    assert sink.token is not None and sink.token.reveal() == TOKEN
    assert TOKEN not in repr(sink)


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_the_streams_page_shows_each_sink_and_never_the_token(
    persona, request, settings, collector
):
    client = request.getfixturevalue(persona)  # signed in first: that is recorded too
    configure(
        settings,
        web=f"http://127.0.0.1:{collector.port}/ingest?key=abc",
        siem=f"syslog://127.0.0.1:{closed_port()}",
    )
    record(2)
    watch_once()
    response = client.get("/audit/streams/")
    assert response.status_code == 200
    page = response.text
    assert TOKEN not in page and "key=abc" not in page
    assert f"http://127.0.0.1:{collector.port}/ingest" in page
    head = AuditEvent.objects.order_by("-sequence").first().sequence
    [web, siem] = response.context["standings"]
    assert (web.cursor.delivered, web.behind) == (head, 0)
    assert (siem.cursor.delivered, siem.behind) == (0, head)
    assert "ConnectionRefusedError" in page and "1 in a row" in page


def strict_certificates() -> tuple[str, str, str]:
    """A root and a leaf for 127.0.0.1 with the key identifiers Python 3.13's strict checks
    demand (the shared fixtures' certificates, made for Gcore, have none)."""
    now = datetime.now(UTC)
    root_key, leaf_key = private_key("ec256", "syslog-root"), private_key("ec256", "syslog-leaf")
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Syslog Test Root")])
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    return cert_pem(root), cert_pem(leaf), key_pem(leaf_key)


@pytest.fixture
def tls(tmp_path) -> ssl.SSLContext:
    """A server's TLS, its certificate signed by the CA in `tmp_path / "ca.pem"`."""
    root, leaf, key = strict_certificates()
    (tmp_path / "leaf.pem").write_text(leaf)
    (tmp_path / "key.pem").write_text(key)
    (tmp_path / "ca.pem").write_text(root)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    return tls


def test_syslog_over_tls_checks_the_certificate_against_the_ca_file(settings, tmp_path, tls):
    server = Syslog(tls)
    try:
        url = f"syslog+tls://127.0.0.1:{server.port}"
        env = {"AUDIT_SINKS": "trusting,doubting", "AUDIT_SINK_TRUSTING_URL": url}
        env |= {"AUDIT_SINK_TRUSTING_CA_FILE": str(tmp_path / "ca.pem")}
        env |= {"AUDIT_SINK_DOUBTING_URL": url}  # the system's CAs know nothing of this one
        settings.AUDIT_SINKS = sinks(Config(env))
        record(2)
        watch_once()
        assert received(server.json("audit", 2)) == stored()
        doubting = SinkCursor.objects.get(name="doubting")
        assert doubting.delivered == 0 and "CERTIFICATE_VERIFY_FAILED" in doubting.last_error
    finally:
        server.stop()


def test_an_https_collector_gets_the_events_and_the_token_over_tls(settings, tmp_path, tls):
    server = Collector(tls)
    try:
        env = {"AUDIT_SINKS": "web", "AUDIT_SINK_WEB_URL": f"https://127.0.0.1:{server.port}/"}
        env |= {"AUDIT_SINK_WEB_CA_FILE": str(tmp_path / "ca.pem"), "AUDIT_SINK_WEB_TOKEN": TOKEN}
        settings.AUDIT_SINKS = sinks(Config(env))
        record(2)
        watch_once()
        assert received(server.events) == stored()
        assert server.headers[0]["Authorization"] == TOKEN
    finally:
        server.stop()
