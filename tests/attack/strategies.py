"""What people (and crafted requests) may type into the dashboard's fields, for the property
tests: any text at all, and the shapes that reach deeper into the checks (names by the rules and
just outside them, dates at the ends of time, numbers too big for a database, PEM blocks whole,
cut or filled with noise, real certificates and keys)."""

import base64
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from tests.fixtures.certificates import make_chain

CHAIN = make_chain("www.example.test")
PEM_LABELS = (
    "CERTIFICATE",
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "EC PARAMETERS",
    "PUBLIC KEY",
    "CERTIFICATE REQUEST",
)
SOON = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
WORDS = (
    # Names, by the rules and just outside them.
    "voice-prod",
    "ghcr-pull",
    "a.b",
    "ab",
    "x" * 63,
    "x" * 64,
    "x" * 255,
    "x" * 256,
    "Voice",
    " kept",
    "kept ",
    "API_KEY",
    "db.password",
    ".",
    "..",
    # Choices of the forms' select fields, and what they coerce to.
    "us-west",
    "eu-central",
    "76",
    "38",
    "0",
    "-1",
    "opaque",
    "symmetric",
    "public",
    "private",
    "passphrase",
    "certificate",
    "aes",
    "rsa",
    "ec",
    "128",
    "256",
    "2048",
    "521",
    "cbc",
    "gcm",
    "dockerhub",
    "ghcr",
    "ecr",
    "other",
    "on",
    "succeeded",
    "pipecat",
    "gcore",
    # Numbers and dates at the ends of what fits.
    "9223372036854775808",
    "99999999999999999999999999",
    "1e400",
    "nan",
    SOON,
    "2026-01-31 14:00",
    "9999-12-31 23:59",
    "9999-12-31T23:59:59",
    "0001-01-01 00:00",
    "1970-01-01T00:00",
    # Registry hosts.
    "ghcr.io",
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    "https://registry.example.com/v2/",
    "registry.example.com:99999",
    "[::1]:5000",
    # Pasted blocks.
    "A=1\nB='two'\nexport C=\"3\"",
    'A="never closed\nB=2',
    CHAIN.leaf.cert_pem,
    CHAIN.chain_pem,
    CHAIN.leaf.key_pem,
    CHAIN.root.cert_pem,
)


@st.composite
def pem_blocks(draw: st.DrawFn) -> str:
    """A PEM block: a known label around base64 of noise, or of a real certificate cut short."""
    label = draw(st.sampled_from(PEM_LABELS))
    real = base64.b64decode("".join(CHAIN.leaf.cert_pem.splitlines()[1:-1]))
    body = draw(
        st.one_of(
            st.binary(max_size=300),
            st.integers(0, len(real)).map(lambda n: real[:n]),
            st.just(real).map(lambda b: b[:40] + b"\x00" + b[41:]),
        )
    )
    text = base64.b64encode(body).decode()
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    end = draw(st.sampled_from([f"-----END {label}-----", "", "-----END OTHER-----"]))
    return "\n".join([f"-----BEGIN {label}-----", *lines, end])


TEXT = st.one_of(
    st.text(max_size=120),
    st.sampled_from(WORDS),
    pem_blocks(),
    st.lists(st.sampled_from(WORDS), min_size=2, max_size=4).map("".join),
)
FILES = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(WORDS).map(str.encode),
    pem_blocks().map(str.encode),
    st.just(b"\xff\xfe not text"),
)
# Names near the providers' rules: most follow them, some break them by a character or a length.
SET_NAMES = st.one_of(st.from_regex(r"[a-z0-9][-a-z0-9.]{0,64}", fullmatch=True), TEXT)
KEY_NAMES = st.one_of(st.from_regex(r"[A-Za-z0-9_.-]{1,66}", fullmatch=True), TEXT)
SECRET_NAMES = st.one_of(st.text(min_size=1, max_size=260), TEXT)
