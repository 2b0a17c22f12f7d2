"""Every call of the Pipecat client against the emulator: what it returns, and each documented
error as its own type carrying the provider's message."""

import base64

import httpx
import pytest

from emulators.faults import Fault
from secretsadmin.providers.pipecat import (
    Accepted,
    BadRequest,
    BadRequestReason,
    MalformedResponse,
    NotFound,
    PipecatClient,
    PipecatError,
    Region,
    SecretSet,
    ServerError,
    SetDetail,
    Unauthorized,
)
from tests.fixtures.pipecat import PIPECAT_ORG, PIPECAT_TOKEN, PROVISIONING_DELAY

from .conftest import TIMEOUTS, account

# -- reading and changing -------------------------------------------------------------------------


def test_a_new_set_is_accepted_pending_then_ready(api, pipecat_clock):
    accepted = api.upsert_set("voice-agent", {"OPENAI_API_KEY": "sk-1", "DAILY_KEY": "d-1"})

    assert accepted == Accepted(region="us-west", status=202)
    assert api.get_set("voice-agent") == SetDetail(
        name="voice-agent",
        region="us-west",
        status="pending",
        error_message=None,
        keys=("DAILY_KEY", "OPENAI_API_KEY"),
    )
    pipecat_clock.advance(PROVISIONING_DELAY)
    assert api.list_sets() == [SecretSet("voice-agent", "secret", "us-west", "ready", None)]


def test_adding_keys_keeps_the_others(api):
    api.upsert_set("voice-agent", {"B_KEY": "b", "A_KEY": "a"}, region="eu-central")

    api.upsert_set("voice-agent", {"C_KEY": "c", "A_KEY": "new"}, region="eu-central")

    detail = api.get_set("voice-agent")
    assert (detail.keys, detail.region) == (("A_KEY", "B_KEY", "C_KEY"), "eu-central")


def test_a_failed_provisioning_shows_its_message(api, pipecat_app, pipecat_clock):
    pipecat_app.fail_next_provisioning(message="Region is out of capacity.")
    api.upsert_set("voice-agent", {"KEY": "v"})
    pipecat_clock.advance(PROVISIONING_DELAY)

    [listed] = api.list_sets()

    assert (listed.status, listed.error_message) == ("failed", "Region is out of capacity.")
    assert api.get_set("voice-agent").error_message == "Region is out of capacity."


def test_an_image_pull_secret_is_sent_as_base64_of_user_and_token(api, pipecat_app):
    accepted = api.upsert_image_pull_secret(
        "ghcr-pull", "ghcr.io/", "octocat", "ghp_t0ken", region="eu-central"
    )

    assert accepted == Accepted(region="eu-central", status=202)
    [listed] = api.list_sets()
    assert (listed.type, listed.is_image_pull_secret) == ("imagePullSecret", True)
    stored = pipecat_app.store.get(PIPECAT_ORG, "ghcr-pull")
    assert base64.b64decode(stored.credentials) == b"octocat:ghp_t0ken"
    assert stored.host == "ghcr.io/"


def test_an_image_pull_secret_is_updated_in_place(api, pipecat_app):
    api.upsert_image_pull_secret("ghcr-pull", "ghcr.io/", "octocat", "old")

    api.upsert_image_pull_secret("ghcr-pull", "ghcr.io/", "octocat", "new")

    stored = pipecat_app.store.get(PIPECAT_ORG, "ghcr-pull")
    assert base64.b64decode(stored.credentials) == b"octocat:new"
    assert len(api.list_sets()) == 1


@pytest.mark.parametrize(("username", "token"), [("", "t"), ("octocat", ""), ("octo:cat", "t")])
def test_unusable_registry_credentials_are_refused_before_any_call(
    api, pipecat_app, username, token
):
    with pytest.raises(ValueError):
        api.upsert_image_pull_secret("ghcr-pull", "ghcr.io/", username, token)
    assert pipecat_app.calls() == 0


@pytest.mark.parametrize("secrets", [{}, {"KEY": ""}])
def test_a_set_without_keys_or_with_an_empty_value_is_refused_before_any_call(
    api, pipecat_app, secrets
):
    with pytest.raises(ValueError):
        api.upsert_set("voice-agent", secrets)
    assert pipecat_app.calls() == 0


def test_removing_a_key_leaves_the_rest(api):
    api.upsert_set("voice-agent", {"A_KEY": "a", "B_KEY": "b"})

    api.delete_key("voice-agent", "A_KEY")

    assert api.get_set("voice-agent").keys == ("B_KEY",)


def test_a_deleted_set_is_gone(api):
    api.upsert_set("voice-agent", {"A_KEY": "a"})

    api.delete_set("voice-agent")

    assert api.list_sets() == []


def test_regions_and_the_default_region(api, pipecat_app):
    pipecat_app.set_default_region(PIPECAT_ORG, "eu-central")

    assert Region("us-west", "US West (Oregon)") in api.regions()
    assert [r.code for r in api.regions()] == ["us-west", "us-east", "eu-central", "ap-south"]
    assert api.default_region() == "eu-central"
    assert api.upsert_set("voice-agent", {"KEY": "v"}).region == "eu-central"


def test_requests_carry_the_key_the_timeouts_and_quoted_names():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "OK"})

    client = PipecatClient(
        account(url="https://pipecat.example/api"), TIMEOUTS, transport=httpx.MockTransport(answer)
    )
    client.delete_key("voice-agent", "A%B?c#d")
    with pytest.raises(ValueError, match="cannot hold '/'"):
        client.delete_key("voice-agent", "A/B")  # servers decode %2F before routing, some of them

    [request] = seen
    assert request.url.raw_path == b"/api/v1/secrets/voice-agent/A%25B%3Fc%23d"
    assert request.headers["Authorization"] == f"Bearer {PIPECAT_TOKEN}"
    timeouts = request.extensions["timeout"]
    assert (timeouts["connect"], timeouts["read"]) == (5.0, 15.0)


# -- documented errors ----------------------------------------------------------------------------


def test_a_refused_key_is_unauthorized(make_client):
    with pytest.raises(Unauthorized) as caught:
        make_client(token="pk-revoked").list_sets()

    error = caught.value
    assert (error.status, error.code, error.message) == (401, "UNAUTHORIZED", "Unauthorized")
    assert (error.account, error.operation) == ("prod", "list_sets")


def test_changing_a_sets_region_is_a_bad_request_that_names_both_regions(api):
    api.upsert_set("voice-agent", {"KEY": "v"}, region="us-west")

    with pytest.raises(BadRequest) as caught:
        api.upsert_set("voice-agent", {"KEY": "v"}, region="us-east")

    error = caught.value
    assert error.message == (
        "Secret already exists in region 'us-west'. Cannot change region to 'us-east'."
    )
    assert (error.status, error.code) == (400, "GENERIC_BAD_REQUEST")
    assert error.reason == BadRequestReason.REGION_CHANGE
    assert (error.current_region, error.requested_region) == ("us-west", "us-east")
    assert error.may_have_applied is False


def test_a_regular_set_cannot_become_an_image_pull_secret(api):
    api.upsert_set("voice-agent", {"KEY": "v"})

    with pytest.raises(BadRequest) as caught:
        api.upsert_image_pull_secret("voice-agent", "ghcr.io/", "octocat", "t")

    assert caught.value.message == "Cannot update existing regular secrets to image pull secrets"
    assert caught.value.reason == BadRequestReason.TYPE_CHANGE


def test_an_image_pull_secret_cannot_take_regular_keys(api):
    api.upsert_image_pull_secret("ghcr-pull", "ghcr.io/", "octocat", "t")

    with pytest.raises(BadRequest) as caught:
        api.upsert_set("ghcr-pull", {"KEY": "v"})

    assert caught.value.reason == BadRequestReason.TYPE_CHANGE
    assert caught.value.current_region is None


def test_an_unknown_region_is_a_bad_request(api):
    with pytest.raises(BadRequest) as caught:
        api.upsert_set("voice-agent", {"KEY": "v"}, region="mars-north")

    assert caught.value.message == "Invalid region or organization does not have access"
    assert caught.value.reason == BadRequestReason.INVALID_REGION


def test_an_image_pull_secret_cannot_be_read_by_name(api):
    api.upsert_image_pull_secret("ghcr-pull", "ghcr.io/", "octocat", "t")

    with pytest.raises(BadRequest) as caught:
        api.get_set("ghcr-pull")

    assert caught.value.message == "Cannot retrieve image pull secrets by name"
    assert caught.value.reason == BadRequestReason.IMAGE_PULL_NOT_READABLE


def test_an_invalid_set_name_is_a_bad_request(api):
    with pytest.raises(BadRequest) as caught:
        api.upsert_set("Not_Valid", {"KEY": "v"})

    assert caught.value.reason == BadRequestReason.INVALID_FORMAT


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda api: api.get_set("missing"), "Set not found"),
        (lambda api: api.delete_set("missing"), "Set not found"),
        (lambda api: api.delete_key("missing", "KEY"), "Secret not found"),
    ],
)
def test_what_does_not_exist_is_not_found(api, call, message):
    with pytest.raises(NotFound) as caught:
        call(api)

    assert (caught.value.status, caught.value.code, caught.value.message) == (
        404,
        "NOT_FOUND",
        message,
    )


def test_a_missing_key_is_not_found(api):
    api.upsert_set("voice-agent", {"KEY": "v"})

    with pytest.raises(NotFound, match="Secret not found"):
        api.delete_key("voice-agent", "OTHER")


def test_a_server_error_on_a_read_changes_nothing(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", status=500))

    with pytest.raises(ServerError) as caught:
        api.list_sets()

    assert (caught.value.status, caught.value.message) == (500, "Internal server error")
    assert caught.value.may_have_applied is False


def test_an_undocumented_status_is_still_a_pipecat_error(api, pipecat_app):
    pipecat_app.faults.add(Fault("regions", status=418))

    with pytest.raises(PipecatError) as caught:
        api.regions()

    assert type(caught.value) is PipecatError
    assert caught.value.status == 418


def test_an_error_without_the_documented_body_keeps_its_status():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>Bad gateway</html>")

    client = PipecatClient(
        account(), TIMEOUTS, transport=httpx.MockTransport(answer), sleep=lambda s: None
    )
    with pytest.raises(ServerError) as caught:
        client.delete_set("voice-agent")

    assert (caught.value.status, caught.value.code, caught.value.message) == (
        502,
        "",
        "Bad Gateway",
    )


def test_a_body_that_is_not_json_is_a_malformed_response(api, pipecat_app):
    pipecat_app.faults.add(Fault("list_sets", malformed=True))

    with pytest.raises(MalformedResponse) as caught:
        api.list_sets()

    assert caught.value.may_have_applied is False
    assert "not JSON" in caught.value.message


def test_a_write_answered_with_a_malformed_body_may_have_applied(api, pipecat_app):
    pipecat_app.faults.add(Fault("put_set", malformed=True))

    with pytest.raises(MalformedResponse) as caught:
        api.upsert_set("voice-agent", {"KEY": "v"})

    assert caught.value.may_have_applied is True


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({"sets": {}}, "'sets' is not a list"),
        ({"sets": [{"name": "a", "type": "secret", "region": "us-west"}]}, "'status' is missing"),
        (
            {"sets": [{"name": "a", "type": "vault", "region": "us-west", "status": "ready"}]},
            "unknown set type 'vault'",
        ),
        (
            {"sets": [{"name": "a", "type": "secret", "region": "us-west", "status": "gone"}]},
            "unknown status 'gone'",
        ),
    ],
)
def test_json_in_an_unexpected_shape_is_a_malformed_response(body, complaint):
    client = PipecatClient(
        account(), TIMEOUTS, transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body))
    )
    with pytest.raises(MalformedResponse, match=complaint):
        client.list_sets()


@pytest.mark.parametrize(("name", "key"), [("voice-agent", "."), ("voice-agent", ".."), (".", "K")])
def test_a_dot_for_a_name_is_refused_before_anything_is_sent(name, key):
    """Quoting leaves "." as it is, and the path would resolve it away: /secrets/voice-agent/.
    is /secrets/voice-agent, the whole set."""
    sent: list[httpx.Request] = []
    client = PipecatClient(
        account(), TIMEOUTS, transport=httpx.MockTransport(lambda r: sent.append(r))
    )
    with pytest.raises(ValueError, match="not a name Pipecat Cloud can have"):
        client.delete_key(name, key)
    assert sent == []
