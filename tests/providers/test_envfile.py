"""A pasted `.env` block: what becomes a key and a value, and each bad line by its number."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secretsadmin.providers.envfile import LineProblem, parse_env
from secretsadmin.providers.pipecat import key_name_problem


def parse(text: str):
    return parse_env(text, key_problem=key_name_problem)


def pairs(text: str) -> dict[str, str]:
    block = parse(text)
    assert block.errors == (), block.errors
    return block.as_dict()


def test_plain_lines_comments_and_blank_lines():
    text = "# Voice agent\n\nOPENAI_API_KEY=sk-123\n   # indented comment\nDAILY_API_KEY=abc\n"

    assert parse(text).pairs == (("OPENAI_API_KEY", "sk-123"), ("DAILY_API_KEY", "abc"))


def test_export_and_spaces_around_the_equals_sign():
    assert pairs("export A_KEY=1\nexport   B-KEY = two words \n  C_KEY= 3") == {
        "A_KEY": "1",
        "B-KEY": "two words",
        "C_KEY": "3",
    }


def test_a_key_named_export_is_still_a_key():
    assert pairs("export=yes") == {"export": "yes"}


def test_an_inline_comment_needs_a_space_before_the_hash():
    assert pairs("A=value # the comment\nB=https://example.com/#top\nC=a#b") == {
        "A": "value",
        "B": "https://example.com/#top",
        "C": "a#b",
    }


def test_single_quotes_are_literal():
    assert pairs(r"A='it\n stays # as is '  # comment") == {"A": r"it\n stays # as is "}


def test_double_quotes_understand_escapes():
    assert pairs(r'A="line1\nline2\t\"quoted\" back\\slash \x"') == {
        "A": 'line1\nline2\t"quoted" back\\slash \\x'
    }


def test_the_other_quote_inside_quotes_is_kept():
    assert pairs("""A="it's"\nB='say "hi"'""") == {"A": "it's", "B": 'say "hi"'}


def test_quoted_values_may_run_over_several_lines():
    text = (
        'PRIVATE_KEY="-----BEGIN KEY-----\n'
        "MIIBVwIBADANBg  \n"
        '-----END KEY-----"\n'
        "CERT='a\n"
        "\n"
        "b'\n"
        "AFTER=1\n"
    )

    assert pairs(text) == {
        "PRIVATE_KEY": "-----BEGIN KEY-----\nMIIBVwIBADANBg  \n-----END KEY-----",
        "CERT": "a\n\nb",
        "AFTER": "1",
    }


def test_windows_line_endings_and_a_byte_order_mark():
    assert pairs("\ufeffA=1\r\nB='x'\r\n") == {"A": "1", "B": "x"}


def test_a_repeated_key_keeps_its_last_value_with_a_warning():
    block = parse("A=1\nB=2\nA=3\n")

    assert block.pairs == (("A", "3"), ("B", "2"))
    assert block.errors == ()
    [warning] = block.warnings
    assert str(warning) == "line 3: A was already set on line 1; this one wins"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("A=1\nB=2\nC=3\nMY.KEY=4", (4, "a key name may only contain letters, digits, _ and -")),
        ("MY KEY=1", (1, "a key name may only contain letters, digits, _ and -")),
        ("K" * 65 + "=1", (1, "a key name has at most 64 characters")),
        ("=value", (1, "a key name is missing")),
        ("JUST_A_WORD", (1, "expected KEY=value")),
        ("export A", (1, "expected KEY=value")),
        ("A=", (1, "A has no value; every key needs one")),
        ("A=  # nothing here", (1, "A has no value; every key needs one")),
        ('A=""', (1, "A has no value; every key needs one")),
        ("A='abc' trailing", (1, "unexpected text after the closing quote")),
        ('A="abc', (1, 'the closing " of this value is missing')),
    ],
)
def test_each_bad_line_is_reported_by_number(text, problem):
    block = parse(text)

    assert block.errors == (LineProblem(*problem),)
    assert str(block.errors[0]) == f"line {problem[0]}: {problem[1]}"


def test_good_lines_are_kept_beside_bad_ones():
    block = parse("A=1\nBAD KEY=2\nC=3\n")

    assert block.pairs == (("A", "1"), ("C", "3"))
    assert [e.line for e in block.errors] == [2]


def test_an_unclosed_quote_does_not_swallow_the_lines_below():
    block = parse('A="never closed\nB=2\nC=3\n')

    assert block.pairs == (("B", "2"), ("C", "3"))
    assert block.errors == (LineProblem(1, 'the closing " of this value is missing'),)


def test_text_after_a_multi_line_value_is_reported_once():
    block = parse("A='one\ntwo' junk\nB=2\n")

    assert block.pairs == (("B", "2"),)
    assert block.errors == (LineProblem(1, "unexpected text after the closing quote"),)


def test_messages_never_show_a_value():
    secret = "sk-live-very-secret"
    block = parse(f"BAD KEY={secret}\nA='{secret}' x\nB=\"{secret}\nexport {secret}")

    assert [e.line for e in block.errors] == [1, 2, 3, 4]
    assert all(secret not in str(problem) for problem in block.errors + block.warnings)


def test_an_empty_paste_has_nothing_and_no_error():
    assert parse("") == parse("\n  \n# only comments\n")
    assert parse("").pairs == ()


def test_only_the_line_breaks_an_editor_shows_end_a_line():
    """U+2028, a form feed or U+0085 inside a value stay in it, and the numbering stays right."""
    block = parse("A=val\u2028ue\nB=x\x0cy\nbad line\n")
    assert block.pairs == (("A", "val\u2028ue"), ("B", "x\x0cy"))
    assert [problem.line for problem in block.errors] == [3]


# -- properties: whatever is pasted -----------------------------------------------------------

LINE_PIECES = st.sampled_from(
    ["export ", "=", "'", '"', "\\", "#", " # ", " ", "\t", "\n", "\r\n", "\r", "\ufeff", "KEY"]
)
PASTES = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(LINE_PIECES, st.text(max_size=8)), max_size=40).map("".join),
)
KEYS = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
# A value's characters, but for "\r": a paste's line breaks reach the parser as "\n" or "\r\n",
# and one inside a quoted value is kept as "\n".
VALUES = st.text(st.characters(exclude_characters="\r", exclude_categories=("Cs",)), min_size=1)
MARK = "\u2603"  # in every value of the round trips below, and in no key


@settings(max_examples=300)
@given(PASTES)
def test_any_paste_is_read_without_an_exception(text):
    block = parse(text)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for key, value in block.pairs:
        assert key_name_problem(key) is None and value != ""
    assert all(1 <= problem.line <= lines for problem in block.errors + block.warnings)
    assert len({key for key, _ in block.pairs}) == len(block.pairs)


def double_quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\t", "\\t") + '"'


@settings(max_examples=200)
@given(st.lists(st.tuples(KEYS, VALUES), min_size=1, max_size=6), st.booleans())
def test_quoted_values_come_back_exactly(pairs, export):
    """Any value, written as a .env file writes it (double quotes, escapes, line breaks kept),
    is read back as it was, under its key; the last of a repeated key wins."""
    pairs = [(key, MARK + value) for key, value in pairs]
    prefix = "export " if export else ""
    text = "\n".join(f"{prefix}{key}={double_quoted(value)}" for key, value in pairs)
    block = parse(text)
    assert block.errors == ()
    assert block.as_dict() == dict(pairs)


@settings(max_examples=200)
@given(st.lists(st.tuples(KEYS, VALUES.filter(lambda v: "'" not in v)), min_size=1, max_size=6))
def test_single_quoted_values_come_back_literally(pairs):
    pairs = [(key, MARK + value) for key, value in pairs]
    block = parse("\r\n".join(f"{key}='{value}'" for key, value in pairs))
    assert block.errors == ()
    assert block.as_dict() == {key: value.replace("\r\n", "\n") for key, value in pairs}


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.text(max_size=70), VALUES, st.sampled_from(["'", '"', ""])), max_size=8)
)
def test_no_message_shows_a_value(entries):
    """Whatever the keys, the quotes and where a quote is left open, no value is quoted back."""
    text = "\n".join(
        f"{key.replace(MARK, '')}={quote}{MARK}{value}" for key, value, quote in entries
    )
    block = parse(text)
    assert all(MARK not in str(problem) for problem in block.errors + block.warnings)
