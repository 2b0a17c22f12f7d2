"""Reads a pasted `.env` block into key/value pairs, reporting each bad line by its number.

Understood: blank lines and `#` comments, `export KEY=value`, spaces around `=`, unquoted values
with a ` # comment` after them, single quotes (taken literally), double quotes (with `\\n`, `\\t`,
`\\"` and `\\\\` escapes), and quoted values that run over several lines. Messages name lines and
keys, never values: a value is a secret.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

LINE_BREAK = re.compile(r"\r\n|\r|\n")
EXPORT = re.compile(r"^export\s+")
INLINE_COMMENT = re.compile(r"\s#")
ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


class _BadValue(ValueError):
    def __init__(self, message: str, resume: int) -> None:
        super().__init__(message)
        self.resume = resume  # the index of the line to carry on reading from


class LineProblem(NamedTuple):
    line: int  # 1-based, the line where the entry starts
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class EnvBlock:
    # In the order keys first appear; a key given twice keeps its last value.
    pairs: tuple[tuple[str, str], ...]
    errors: tuple[LineProblem, ...]
    warnings: tuple[LineProblem, ...]

    def as_dict(self) -> dict[str, str]:
        return dict(self.pairs)


def parse_env(text: str, *, key_problem: Callable[[str], str | None]) -> EnvBlock:
    """`key_problem` is the provider's rule for key names: why it would refuse one, or None."""
    # Only the line breaks an editor shows: str.splitlines() would also break at U+2028, a form
    # feed and the like, numbering lines wrongly and cutting values that contain them.
    lines = LINE_BREAK.split(text.removeprefix("\ufeff"))
    if lines[-1] == "":
        lines.pop()
    pairs: dict[str, str] = {}
    first_line: dict[str, int] = {}
    errors: list[LineProblem] = []
    warnings: list[LineProblem] = []
    index = 0
    while index < len(lines):
        number = index + 1
        # Trailing spaces may belong to a quoted value that runs on to the next line.
        entry = EXPORT.sub("", lines[index].lstrip())
        index += 1
        if not entry.strip() or entry.startswith("#"):
            continue
        key, equals, raw = entry.partition("=")
        key = key.strip()
        if not equals:
            errors.append(LineProblem(number, "expected KEY=value"))
            continue
        try:
            value, index = _value(raw, lines, index)
        except _BadValue as exc:
            errors.append(LineProblem(number, str(exc)))
            index = exc.resume
            continue
        problem = key_problem(key)
        if problem:
            errors.append(LineProblem(number, problem))
        elif value == "":
            errors.append(LineProblem(number, f"{key} has no value; every key needs one"))
        else:
            if key in pairs:
                earlier = first_line[key]
                warnings.append(
                    LineProblem(number, f"{key} was already set on line {earlier}; this one wins")
                )
            first_line.setdefault(key, number)
            pairs[key] = value
    return EnvBlock(tuple(pairs.items()), tuple(errors), tuple(warnings))


def _value(raw: str, lines: list[str], index: int) -> tuple[str, int]:
    """The value that starts with `raw` (what follows `=`), and the index of the line after it."""
    quoted = raw.lstrip()
    if quoted[:1] in ("'", '"'):
        return _quoted(quoted[0], quoted[1:], lines, index)
    # `#` starts a comment only after a space, so that `URL=https://x/#top` keeps its fragment.
    comment = INLINE_COMMENT.search(raw)
    return (raw[: comment.start()] if comment else raw).strip(), index


def _quoted(quote: str, text: str, lines: list[str], index: int) -> tuple[str, int]:
    value: list[str] = []
    # Without its closing quote, the lines below are more likely entries of their own.
    opened_at = index
    while True:
        position = 0
        while position < len(text):
            char = text[position]
            if char == quote:
                rest = text[position + 1 :].strip()
                if rest and not rest.startswith("#"):
                    raise _BadValue("unexpected text after the closing quote", index)
                return "".join(value), index
            if quote == '"' and char == "\\" and position + 1 < len(text):
                escaped = text[position + 1]
                value.append(ESCAPES.get(escaped, "\\" + escaped))
                position += 2
                continue
            value.append(char)
            position += 1
        if index >= len(lines):
            raise _BadValue(f"the closing {quote} of this value is missing", opened_at)
        # The value runs on: its newline is part of it.
        value.append("\n")
        text = lines[index]
        index += 1
