"""The API's rules for set, key and agent names, with the reason a name breaks them in plain words.

These are the one statement of the set-name rule: the dashboard's forms take the browser's
`pattern`, the lengths and the hint from here, so what is checked as you type, what the page says
and what the server refuses cannot drift apart.
"""

import re
import unicodedata

# `\-`, not a bare `-`, inside the classes: browsers compile a `pattern` attribute with the `v`
# flag, which refuses an unescaped `-` there (and the pattern would then be ignored).
SET_NAME = re.compile(r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]*[a-z0-9])?)*$")
SET_NAME_LENGTH = (3, 63)
_LENGTH = f"{SET_NAME_LENGTH[0]} to {SET_NAME_LENGTH[1]} characters"
_CHARACTERS = (
    "lower-case letters, digits, '-' and '.', "
    "and each part between dots must start and end with a letter or digit"
)
SET_NAME_RULE = f"{_LENGTH}: {_CHARACTERS}."
KEY_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
MAX_KEY_NAME = 64


def set_name_problem(name: str) -> str | None:
    """Why the API would refuse `name` as a set name, or None when it is fine."""
    shortest, longest = SET_NAME_LENGTH
    if not shortest <= len(name) <= longest:
        return f"a set name has {_LENGTH}"
    if SET_NAME.fullmatch(name) is None:
        return f"a set name may only contain {_CHARACTERS}"
    return None


def key_name_problem(key: str) -> str | None:
    """Why the API would refuse `key` as a key name, or None when it is fine."""
    if not key:
        return "a key name is missing"
    if len(key) > MAX_KEY_NAME:
        return f"a key name has at most {MAX_KEY_NAME} characters"
    if KEY_NAME.fullmatch(key) is None:
        return "a key name may only contain letters, digits, _ and -"
    return None


# Control, format (zero-width, bidi) and separator characters: invisible or line-breaking, they
# make one name look like another, and a server may strip them (a final newline ends a path).
_UNSEEN = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def path_part_problem(part: str) -> str | None:
    """Why `part` cannot name a set or key in a URL, or None: the API's own rules aside, nothing
    in it may be resolved away ("." and ".."), split it ("/") or go unseen."""
    if part in ("", ".", ".."):
        return "a name cannot be empty, '.' or '..'"
    if "/" in part:
        return "a name cannot hold '/'"
    if any(unicodedata.category(character) in _UNSEEN for character in part):
        return "a name cannot hold spaces, line breaks or other invisible characters"
    return None


# `serviceName` in the published document: what an agent created there can be called.
AGENT_NAME = re.compile(r"^[a-z0-9]([a-z0-9\-]*[a-z0-9])$")
MAX_AGENT_NAME = 54


def agent_name_problem(name: str) -> str | None:
    """Why no agent can be called `name`, or None: it is then also safe in a URL path."""
    if len(name) > MAX_AGENT_NAME:
        return f"an agent name has at most {MAX_AGENT_NAME} characters"
    if AGENT_NAME.fullmatch(name) is None:
        return (
            "an agent name has lower-case letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return None
