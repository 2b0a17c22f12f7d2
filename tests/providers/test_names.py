"""The API's naming rules, as the create form checks them while the user types."""

import pytest

from secretsadmin.providers.pipecat import key_name_problem, set_name_problem


@pytest.mark.parametrize("name", ["abc", "voice-agent", "prod.voice-agent", "a1b", "x" * 63])
def test_names_the_api_accepts(name):
    assert set_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ab", "a set name has 3 to 63 characters"),
        ("x" * 64, "a set name has 3 to 63 characters"),
        ("Voice", "a set name may only contain lower-case letters"),
        ("voice_agent", "a set name may only contain lower-case letters"),
        ("-voice", "each part between dots must start and end with a letter or digit"),
        ("voice.-agent", "each part between dots must start and end with a letter or digit"),
        ("voice..agent", "each part between dots must start and end with a letter or digit"),
    ],
)
def test_names_the_api_refuses_say_why(name, problem):
    assert problem in set_name_problem(name)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("OPENAI_API_KEY", None),
        ("my-key_2", None),
        ("K" * 64, None),
        ("K" * 65, "a key name has at most 64 characters"),
        ("MY.KEY", "a key name may only contain letters, digits, _ and -"),
        ("", "a key name is missing"),
    ],
)
def test_key_names(key, problem):
    assert key_name_problem(key) == problem
