"""Gcore Cloud's rule for secret names, in plain words: the one statement of it that the forms,
the as-you-type check and the server share.

The API documents no rule; the one here is what it answers in practice (the OpenStack Barbican
limit behind it): 1 to 255 printable characters, none of them spaces at either end. Names need
not be unique: two secrets of one name are allowed, which the dashboard warns about itself.
"""

MAX_SECRET_NAME = 255
SECRET_NAME_RULE = (
    f"1 to {MAX_SECRET_NAME} printable characters, without spaces at the start or the end."
)


def secret_name_problem(name: str) -> str | None:
    """Why the API would refuse `name` as a secret's name, or None when it is fine."""
    if not name.strip():
        return "a secret needs a name"
    if name != name.strip():
        return "a secret's name cannot start or end with a space"
    if len(name) > MAX_SECRET_NAME:
        return f"a secret's name has at most {MAX_SECRET_NAME} characters, not {len(name)}"
    if not name.isprintable():
        return "a secret's name can hold printable characters only (no tabs or line breaks)"
    return None
