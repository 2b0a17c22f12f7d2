import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_shell_runs_htmx_under_the_csp_without_errors(signed_in, live_server):
    page = signed_in
    assert page.title() == "Overview · secretsadmin"
    assert page.evaluate("window.htmx && window.htmx.version").startswith("2.")
    assert page.get_by_text("No provider token is configured.").is_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipecat").click()
    page.wait_for_url("**/pipecat/")
    assert page.get_by_role("heading", name="No Pipecat Cloud account is configured").is_visible()
    assert page.console_errors == []


def test_the_first_tab_reaches_the_skip_link(signed_in):
    page = signed_in
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize(
    ("scheme", "background"), [("light", "rgb(247, 248, 250)"), ("dark", "rgb(13, 17, 23)")]
)
def test_the_theme_follows_the_system(page, live_server, scheme, background):
    page.emulate_media(color_scheme=scheme)
    page.goto(live_server.url + "/accounts/login/")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == background
