"""The alert channels as the environment configures them: each scheme, each route, and a
malformed value stopping start-up with the variable named and no credential shown."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from secretsadmin.alerts.config import channels
from secretsadmin.config import Config

HOOK = "https://hooks.slack.com/services/T0001/B0002/slack0credential0123456789"


def test_each_scheme_and_route_is_read():
    env = {
        "ALERT_CHANNELS": "mail,web,chat,room",
        "ALERT_CHANNEL_MAIL_URL": "mailto:a@example.com, b@example.org",
        "ALERT_CHANNEL_MAIL_ACCOUNTS": "prod,staging",
        "ALERT_CHANNEL_WEB_URL": "https://alerts.example.com/in?key=k1",
        "ALERT_CHANNEL_WEB_SECRET": "whsec-0123456789",
        "ALERT_CHANNEL_WEB_KINDS": "expiry",
        "ALERT_CHANNEL_CHAT_URL": "slack+" + HOOK,
        "ALERT_CHANNEL_ROOM_URL": "teams+https://example.webhook.office.com/webhookb2/x",
    }
    env_ = Config(env)
    mail, web, chat, room = channels(env_, accounts={"prod", "staging", "dev"})
    assert (mail.kind, mail.recipients) == ("email", ("a@example.com", "b@example.org"))
    assert mail.routes("drift", "prod") and not mail.routes("drift", "dev")
    assert web.kind == "webhook" and web.secret is not None
    assert web.routes("expiry", "dev") and not web.routes("drift", "dev")
    assert web.destination == "webhook https://alerts.example.com"
    assert (chat.kind, chat.url.reveal()) == ("slack", HOOK)
    assert chat.destination == "slack https://hooks.slack.com"
    assert room.kind == "teams" and room.url.reveal().startswith("https://example.webhook")
    # Masked in every log line, as posted and as configured.
    assert HOOK in [secret.reveal() for secret in env_.secrets]
    assert "slack+" + HOOK in [secret.reveal() for secret in env_.secrets]


def test_no_channels_by_default():
    assert channels(Config({})) == []


def test_the_url_and_the_secret_may_come_from_files(tmp_path):
    (tmp_path / "url").write_text("slack+" + HOOK + "\n")
    (tmp_path / "secret").write_text("whsec-from-a-file\n")
    env = {
        "ALERT_CHANNELS": "chat,web",
        "ALERT_CHANNEL_CHAT_URL_FILE": str(tmp_path / "url"),
        "ALERT_CHANNEL_WEB_URL": "https://alerts.example.com/in",
        "ALERT_CHANNEL_WEB_SECRET_FILE": str(tmp_path / "secret"),
    }
    chat, web = channels(Config(env))
    assert chat.url.reveal() == HOOK
    assert web.secret is not None and web.secret.reveal() == "whsec-from-a-file"
    assert "whsec" not in repr(web) and "slack0credential" not in repr(chat)


WEB = {"ALERT_CHANNELS": "ops", "ALERT_CHANNEL_OPS_URL": "https://x.example/"}
SIGNED = {**WEB, "ALERT_CHANNEL_OPS_SECRET": "whsec-0123456789"}


@pytest.mark.parametrize(
    "env,named",
    [
        ({"ALERT_CHANNELS": "Ops"}, "ALERT_CHANNELS"),
        ({"ALERT_CHANNELS": "ops,ops"}, "ALERT_CHANNELS"),
        ({"ALERT_CHANNELS": "ops"}, "ALERT_CHANNEL_OPS_URL"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "ftp://x.example/"}, "ALERT_CHANNEL_OPS_URL"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "http://x.example/"}, "ALERT_CHANNEL_OPS_URL"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "https://u:p@x.example/"}, "ALERT_CHANNEL_OPS_URL"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "mailto:"}, "ALERT_CHANNEL_OPS_URL"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "https://x.example:44a/"}, "ALERT_CHANNEL_OPS_URL"),
        ({**WEB, "ALERT_CHANNEL_OPS_URL": "mailto:ops@x,nobody"}, "ALERT_CHANNEL_OPS_URL"),
        (WEB, "ALERT_CHANNEL_OPS_SECRET"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "slack+" + HOOK}, "ALERT_CHANNEL_OPS_SECRET"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_URL": "mailto:a@x.org"}, "ALERT_CHANNEL_OPS_SECRET"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_KINDS": "expiry,expiring"}, "ALERT_CHANNEL_OPS_KINDS"),
        ({**SIGNED, "ALERT_CHANNEL_OPS_ACCOUNTS": "prod,prdo"}, "ALERT_CHANNEL_OPS_ACCOUNTS"),
        ({**SIGNED, "ALERT_TIMEOUT_SECONDS": "soon"}, "ALERT_TIMEOUT_SECONDS"),
    ],
)
def test_a_malformed_channel_stops_start_up_naming_the_variable(env, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        channels(Config(env), accounts={"prod"})


def test_a_bad_url_is_named_but_not_shown():
    env = {"ALERT_CHANNELS": "chat", "ALERT_CHANNEL_CHAT_URL": "slak+" + HOOK}
    with pytest.raises(ImproperlyConfigured) as raised:
        channels(Config(env))
    assert "ALERT_CHANNEL_CHAT_URL" in str(raised.value)
    assert "slack0credential" not in str(raised.value)
