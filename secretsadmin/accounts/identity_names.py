"""The names identity providers send, as accounts are matched and made by them.

Two names are one account's when they match without regard to case or compatibility forms
(`key`: NFKC, then case folding): "Alice", "alice" and a full-width "ALICE" are one person,
whichever the identity provider sent first. A name that could pass for another is refused
(`problem`): letters of several scripts ("alice" with its "a" Cyrillic), letters of another
script that all look like Latin ones, invisible or control characters. Python's `unicodedata`
says all this: the script of a letter is the first word of its Unicode name.
"""

import unicodedata

from secretsadmin.core.invisible import is_invisible, named

# Scripts written together (Unicode's "highly restrictive" sets, UTS #39): Latin with Japanese,
# Chinese or Korean. Any other mix is refused.
_TOGETHER = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)
# Letters named with more than their script's name first.
_SCRIPT_OF_PREFIX = {"KATAKANA-HIRAGANA": "KATAKANA", "IDEOGRAPHIC": "CJK"}
# Cyrillic and Greek letters that look like Latin ones, by code point (UTS #39's confusables,
# the common ones: small a e o p c y x s i j d q w h l, capital A B E K M H O P C T X S I J Q W;
# Greek o v a i k p u x, capital A B E Z H I K M N O P T Y X): a name of these alone reads as a
# Latin name it is not.
_LOOK_LATIN = frozenset(
    map(
        chr,
        (
            *(0x0430, 0x0435, 0x043E, 0x0440, 0x0441, 0x0443, 0x0445, 0x0455, 0x0456, 0x0458),
            *(0x0501, 0x051B, 0x051D, 0x04BB, 0x04CF, 0x0410, 0x0412, 0x0415, 0x041A, 0x041C),
            *(0x041D, 0x041E, 0x0420, 0x0421, 0x0422, 0x0425, 0x0405, 0x0406, 0x0408, 0x051A),
            0x051C,
            *(0x03BF, 0x03BD, 0x03B1, 0x03B9, 0x03BA, 0x03C1, 0x03C5, 0x03C7, 0x0391, 0x0392),
            *(0x0395, 0x0396, 0x0397, 0x0399, 0x039A, 0x039C, 0x039D, 0x039F, 0x03A1, 0x03A4),
            *(0x03A5, 0x03A7),
        ),
    )
)


def key(name: str) -> str:
    """What two names that are one account's have in common."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def problem(name: str) -> str:
    """Why `name` (NFKC-normalised, as Django stores it) could pass for another; "" if not."""
    hidden = next((c for c in name if is_invisible(c)), None)
    if hidden is not None:
        return f"holds a character that cannot be seen ({named(hidden)})"
    scripts = {_script(c) for c in name if unicodedata.category(c).startswith("L")}
    if len(scripts) > 1 and not any(scripts <= together for together in _TOGETHER):
        return f"mixes the letters of several scripts ({', '.join(sorted(scripts)).title()})"
    letters = [c for c in name if unicodedata.category(c).startswith("L")]
    if scripts - {"LATIN"} and letters and all(c in _LOOK_LATIN for c in letters):
        return "is written in letters that look like Latin ones but are not"
    return ""


def _script(letter: str) -> str:
    first = unicodedata.name(letter, "UNNAMED").split(" ", 1)[0]
    return _SCRIPT_OF_PREFIX.get(first, first)
