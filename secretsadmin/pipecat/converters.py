"""URL parts for a set's and a key's name. A set's must follow the API's documented rule; a key's
may be anything but "." and ".." and characters nobody sees (spaces, line breaks, zero-width
ones). Anything else is a 404 before a view runs, so no typed or crafted URL becomes another
request upstream (`.` or a newline in a key's place would turn "remove this key" into "delete the
whole set")."""

from abc import ABC, abstractmethod

from secretsadmin.providers.pipecat import set_name_problem
from secretsadmin.providers.pipecat.names import path_part_problem


class _Name(ABC):
    """Accepts what the subclass's `problem` finds nothing wrong with."""

    regex: str

    @staticmethod
    @abstractmethod
    def problem(value: str, /) -> object: ...

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
    """Any one path segment `path_part_problem` accepts: the API documents no rule for key names
    (the one in forms is the official CLI's), and a key another tool named `db.password` must
    still be removable here."""

    regex = r"[^/]+"
    problem = staticmethod(path_part_problem)
