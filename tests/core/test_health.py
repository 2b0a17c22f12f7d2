import pytest

from tests.core.fresh import start_up


@pytest.mark.django_db
def test_health_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/db.sqlite3",
        "postgres://nobody@127.0.0.1:9/nothing",  # nothing listens on the discard port
    ],
)
def test_health_is_503_when_the_database_does_not_answer(database_url):
    result = start_up(
        {"SECRET_KEY": "k" * 50, "DATABASE_URL": database_url},
        then="from django.test import Client;"
        "r = Client(HTTP_HOST='localhost').get('/healthz');"
        "print(r.status_code, r.content.decode())",
    )
    assert result.stdout.strip() == '503 {"status": "error", "database": "unreachable"}'
    assert "health check: database unreachable" in result.stderr


@pytest.mark.django_db
def test_health_refuses_writes(client):
    assert client.post("/healthz").status_code in (403, 405)
