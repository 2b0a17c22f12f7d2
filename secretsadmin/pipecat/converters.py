"""URL parts that can only be names Pipecat Cloud accepts: anything else is a 404 before a view
runs, so no typed or crafted URL becomes another request upstream (`.` in a key's place would
turn "remove this key" into "delete the whole set")."""

from secretsadmin.providers.pipecat import key_name_problem, set_name_problem


class _Name:
    """Accepts what the subclass's `problem` finds nothing wrong with."""

    def to_python(self, value: str) -> str:
        if self.problem(value):
            raise ValueError(value)
        return value

    def to_url(self, value: str) -> str:
        return value


class SetName(_Name):
    regex = r"[a-z0-9][-a-z0-9.]*"
    problem = staticmethod(set_name_problem)


class KeyName(_Name):
    regex = r"[A-Za-z0-9_-]+"
    problem = staticmethod(key_name_problem)
