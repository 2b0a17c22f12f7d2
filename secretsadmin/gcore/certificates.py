"""Checks the PEM parts of a Gcore Cloud TLS certificate secret before any of them is sent.

A key of another certificate, a chain upside down or a certificate expired last week would
otherwise surface as a provider's error or a failing handshake on a load balancer. Read here first,
each problem is a sentence a person can act on, filed under the form field it belongs to. Text
outside PEM blocks is ignored, as OpenSSL ignores it (`openssl x509 -text` output, "Bag
Attributes" of a PKCS#12 export).

Nothing here logs, and no message, exception or dataclass holds any part of the pasted text, only
names, dates, sizes and fingerprints: a line of a key's PEM is as secret as the whole of it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PrivateKeyTypes,
    PublicKeyTypes,
)

# The form fields, named as Gcore's payload names the parts.
CERTIFICATE = "certificate"
CHAIN = "certificate_chain"
PRIVATE_KEY = "private_key"

MAX_PART_BYTES = 1_048_576
# Real chains hold two to four; each more costs signature checks and a line in the messages.
MAX_CHAIN_CERTIFICATES = 10
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256

_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]{1,40})-----")
_ENCRYPTED_HEADER = re.compile(r"^Proc-Type:\s*4,ENCRYPTED", re.MULTILINE)
_CERTIFICATE_LABEL = "CERTIFICATE"
_KEY_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "DSA PRIVATE KEY"})
# What `openssl ecparam -genkey` writes before the key itself: harmless in the key field.
_EC_PARAMETERS_LABEL = "EC PARAMETERS"
_CURVES = {
    "secp192r1": "P-192",
    "secp224r1": "P-224",
    "secp256r1": "P-256",
    "secp384r1": "P-384",
    "secp521r1": "P-521",
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DECRYPT = "openssl pkey -in key.pem -out plain.pem"
_FROM_DER = "openssl x509 -inform der -in certificate.cer -out certificate.pem"


@dataclass(frozen=True)
class ChainLink:
    subject: str
    issuer: str
    not_after: datetime
    fingerprint_sha256: str


@dataclass(frozen=True)
class CertificateFacts:
    """What the certificate says about itself, as the form's preview shows it."""

    subject: str  # RFC 4514
    common_name: str | None
    issuer: str  # RFC 4514
    sans: tuple[str, ...]  # DNS names and IP addresses, in the certificate's order
    not_before: datetime  # aware, UTC
    not_after: datetime  # aware, UTC
    key_type: str  # "RSA", "EC P-256", "Ed25519", ...
    key_size: int | None  # bits; None for Ed25519 and Ed448, whose size is their name
    fingerprint_sha256: str  # "AB:CD:..."
    serial: str  # uppercase hex, as `openssl x509 -serial` prints it
    chain: tuple[ChainLink, ...]  # as pasted; only when every block of the chain could be read
    self_signed: bool

    def days_left(self, now: datetime) -> int:
        """Whole days until the certificate expires; negative once it has."""
        return (self.not_after - now).days


@dataclass(frozen=True)
class Bundle:
    """`facts` whenever the certificate could be read, even if refused (the preview shows why);
    `problems` maps a form field (CERTIFICATE, CHAIN, PRIVATE_KEY) to its sentences, and holds
    only fields that have some."""

    facts: CertificateFacts | None
    problems: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_bundle(certificate: str, chain: str, private_key: str, *, now: datetime) -> Bundle:
    """Reads and checks the three parts; `chain` may be empty. `now` must be aware."""
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    problems: dict[str, list[str]] = {}
    leaf = _read_certificate(certificate, now, problems.setdefault(CERTIFICATE, []))
    links = _read_chain(chain, leaf, now, problems.setdefault(CHAIN, []))
    key = _read_key(private_key, problems.setdefault(PRIVATE_KEY, []))
    if leaf is not None and key is not None:
        mismatch = _mismatch(leaf.public_key(), key.public_key())
        if mismatch:
            problems[PRIVATE_KEY].append(mismatch)
    return Bundle(
        facts=None if leaf is None else _facts(leaf, links or ()),
        problems={field: found for field, found in problems.items() if found},
    )


def default_expiration(facts: CertificateFacts) -> datetime:
    """The secret's expiration unless the person sets another: when the certificate stops
    being of any use."""
    return facts.not_after


@dataclass(frozen=True)
class _Block:
    label: str
    text: str | None = None  # None: the block has no END line (cut short)

    def __repr__(self) -> str:
        return f"_Block({self.label!r})"


def _blocks(text: str) -> list[_Block]:
    found: list[_Block] = []
    position = 0
    while begin := _BEGIN.search(text, position):
        label = begin[1]
        following = _BEGIN.search(text, begin.end())
        # Up to the next BEGIN only: a block cut short must not swallow the next one, and many
        # cut blocks must not each be searched to the end of the text.
        until = len(text) if following is None else following.start()
        end = re.compile(rf"-----END {re.escape(label)}-----").search(text, begin.end(), until)
        if end is None:
            found.append(_Block(label))
            position = begin.end()
        else:
            found.append(_Block(label, text[begin.start() : end.end()]))
            position = end.end()
    return found


def _what(label: str) -> str:
    """A block of the wrong kind, as a sentence names it."""
    if label.endswith("PRIVATE KEY"):
        return "a private key"
    if label.endswith("CERTIFICATE REQUEST"):
        return "a certificate signing request"
    if label.endswith("PUBLIC KEY"):
        return "a public key"
    if label == _CERTIFICATE_LABEL:
        return "a certificate"
    return f"a PEM block of another kind ({label})"


def _size_problem(text: str, part: str) -> str | None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_PART_BYTES:
        return None
    return f"The {part} is {size:,} bytes; each part may be at most 1 MB (1,048,576 bytes)."


def _read_certificate(text: str, now: datetime, problems: list[str]) -> x509.Certificate | None:
    if too_big := _size_problem(text, "certificate"):
        problems.append(too_big)
        return None
    if not text.strip():
        problems.append(
            "Paste or upload the certificate: the PEM block that begins with "
            "-----BEGIN CERTIFICATE-----."
        )
        return None
    blocks = _blocks(text)
    certificates = [b for b in blocks if b.label == _CERTIFICATE_LABEL]
    others = [b.label for b in blocks if b.label != _CERTIFICATE_LABEL]
    if not blocks:
        problems.append(
            "The certificate is not in PEM format: paste the text from -----BEGIN CERTIFICATE----- "
            f"to -----END CERTIFICATE-----. A binary .cer or .der file converts with: {_FROM_DER}"
        )
    elif any(label.endswith("PRIVATE KEY") for label in others):
        problems.append(
            "The certificate field holds a private key: put the key in the private key field "
            "and leave only the certificate here."
        )
    elif others:
        what = _what(others[0])
        advice = (
            "paste the certificate the authority issued for it"
            if what == "a certificate signing request"
            else "paste the certificate (-----BEGIN CERTIFICATE-----)"
        )
        problems.append(f"The certificate field holds {what}, not a certificate; {advice}.")
    elif len(certificates) > 1:
        problems.append(
            f"The certificate field holds {len(certificates):,} certificates: keep only the "
            "server's own certificate here and put the intermediates in the chain field."
        )
    elif certificates[0].text is None:
        problems.append(
            "The certificate has no -----END CERTIFICATE----- line: it was cut short; "
            "paste all of it."
        )
    else:
        certificate = _load_certificate(certificates[0].text)
        if certificate is None:
            problems.append(
                "The certificate cannot be read: its PEM block is damaged; paste it again "
                "from the file the authority sent."
            )
        else:
            problems.extend(
                _validity_problems(certificate, now, "The certificate", "upload its renewal")
            )
            problems.extend(_strength_problems(certificate.public_key()))
        return certificate
    return None


def _load_certificate(block: str) -> x509.Certificate | None:
    try:
        certificate = x509.load_pem_x509_certificate(block.encode("utf-8", "surrogatepass"))
        # Read now what is read lazily, so a damaged extension or key surfaces here.
        _ = certificate.extensions, certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return None
    return certificate


def _validity_problems(
    certificate: x509.Certificate, now: datetime, which: str, remedy: str
) -> list[str]:
    if now > certificate.not_valid_after_utc:
        return [f"{which} expired on {_day(certificate.not_valid_after_utc)} (UTC); {remedy}."]
    if now < certificate.not_valid_before_utc:
        return [f"{which} is not valid before {_day(certificate.not_valid_before_utc)} (UTC)."]
    return []


def _strength_problems(public: CertificatePublicKeyTypes) -> list[str]:
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < MIN_RSA_BITS:
        return [
            f"The RSA key is {public.key_size} bits; Gcore load balancers and browsers need "
            f"at least {MIN_RSA_BITS}."
        ]
    if isinstance(public, ec.EllipticCurvePublicKey) and public.curve.key_size < MIN_EC_BITS:
        return [
            f"The EC key is {public.curve.key_size} bits ({_curve(public.curve)}); Gcore load "
            f"balancers and browsers need at least {MIN_EC_BITS} (P-256)."
        ]
    return []


def _read_chain(
    text: str, leaf: x509.Certificate | None, now: datetime, problems: list[str]
) -> list[x509.Certificate] | None:
    """The chain's certificates as pasted, or None when some block could not be read."""
    if too_big := _size_problem(text, "chain"):
        problems.append(too_big)
        return None
    if not text.strip():
        return []
    blocks = _blocks(text)
    others = [b.label for b in blocks if b.label != _CERTIFICATE_LABEL]
    if not blocks:
        problems.append(
            "The chain is not in PEM format: paste the intermediate certificates, each from "
            "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
        )
        return None
    if any(label.endswith("PRIVATE KEY") for label in others):
        problems.append(
            "The chain field holds a private key: put the key in the private key field and "
            "leave only the intermediate certificates here."
        )
        return None
    if others:
        problems.append(
            f"The chain field holds {_what(others[0])}; it takes certificates only: the "
            "certificate's issuer first, then its issuer's, up to the root (optional)."
        )
        return None
    if len(blocks) > MAX_CHAIN_CERTIFICATES:
        problems.append(
            f"The chain holds {len(blocks):,} certificates; a chain has at most "
            f"{MAX_CHAIN_CERTIFICATES}: the certificate's issuer, its issuer's, and so on up to "
            "the root."
        )
        return None
    links: list[x509.Certificate] = []
    for number, block in enumerate(blocks, 1):
        certificate = None if block.text is None else _load_certificate(block.text)
        if block.text is None:
            problems.append(
                f"Certificate {number} in the chain has no -----END CERTIFICATE----- line: it "
                "was cut short; paste all of it."
            )
        elif certificate is None:
            problems.append(
                f"Certificate {number} in the chain cannot be read: its PEM block is damaged; "
                "paste the chain again from the file the authority sent."
            )
        else:
            links.append(certificate)
    if len(links) < len(blocks):
        return None
    for number, certificate in enumerate(links, 1):
        which = f"Certificate {number} in the chain ({_name(certificate.subject)})"
        problems.extend(
            _validity_problems(
                certificate, now, which, "get the current chain from the certificate's authority"
            )
        )
    if leaf is not None:
        problems.extend(_order_problems(leaf, links))
    return links


def _order_problems(leaf: x509.Certificate, links: Sequence[x509.Certificate]) -> list[str]:
    problems: list[str] = []
    own = _fingerprint(leaf)
    first_seen: dict[str, int] = {}
    candidates: list[tuple[int, x509.Certificate]] = []
    for number, certificate in enumerate(links, 1):
        fingerprint = _fingerprint(certificate)
        if fingerprint == own:
            problems.append(
                f"Certificate {number} in the chain is the certificate itself; the chain holds "
                "only its issuers, so remove it."
            )
        elif fingerprint in first_seen:
            problems.append(
                f"Certificate {number} in the chain repeats certificate "
                f"{first_seen[fingerprint]}; remove it."
            )
        else:
            first_seen[fingerprint] = number
            candidates.append((number, certificate))
    if not candidates:
        return problems
    path = _issuers(leaf, candidates)
    if not path:
        problems.append(_unissued(leaf, candidates))
        return problems
    for number, certificate in candidates:
        if number not in path:
            problems.append(
                f"Certificate {number} in the chain ({_name(certificate.subject)}) is not one "
                "of the certificate's issuers; remove it."
            )
    pasted = [number for number, _ in candidates if number in path]
    if pasted != path:
        misplaced = next(p for p, e in zip(pasted, path, strict=True) if p != e)
        names = dict(candidates)
        order = ", then ".join(_name(names[number].subject) for number in path)
        problems.append(
            f"The chain is out of order: certificate {misplaced} "
            f"({_name(names[misplaced].subject)}) is out of place. The certificate's issuer "
            f"comes first, then its issuer, and so on: {order}."
        )
    return problems


def _issuers(leaf: x509.Certificate, candidates: list[tuple[int, x509.Certificate]]) -> list[int]:
    """The numbers of the chain's certificates that issued the leaf, its issuer and so on, in
    that order (from the leaf up, as a load balancer must send them)."""
    path: list[int] = []
    remaining = list(candidates)
    current = leaf
    while not _issued(current, by=current):
        found = next(((n, c) for n, c in remaining if _issued(current, by=c)), None)
        if found is None:
            break
        path.append(found[0])
        remaining.remove(found)
        current = found[1]
    return path


def _unissued(leaf: x509.Certificate, candidates: list[tuple[int, x509.Certificate]]) -> str:
    if _issued(leaf, by=leaf):
        return "The certificate is self-signed: it needs no chain, so leave the chain field empty."
    namesakes = [n for n, c in candidates if c.subject == leaf.issuer]
    if namesakes:
        return (
            f"Certificate {namesakes[0]} in the chain has the name of the certificate's issuer "
            f"({_name(leaf.issuer)}) but did not sign it: paste the chain that came with the "
            "certificate."
        )
    return (
        "The chain does not issue the certificate: none of its certificates is the "
        f"certificate's issuer, {_name(leaf.issuer)}. Paste the chain that came with the "
        "certificate, its issuer first."
    )


def _issued(certificate: x509.Certificate, *, by: x509.Certificate) -> bool:
    # The names first: they are cheap to compare, signatures are not.
    if certificate.issuer != by.subject:
        return False
    try:
        certificate.verify_directly_issued_by(by)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _read_key(text: str, problems: list[str]) -> PrivateKeyTypes | None:
    if too_big := _size_problem(text, "private key"):
        problems.append(too_big)
        return None
    if not text.strip():
        problems.append(
            "Paste or upload the certificate's private key: the PEM block that begins with "
            "-----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, or EC PRIVATE KEY)."
        )
        return None
    blocks = [b for b in _blocks(text) if b.label != _EC_PARAMETERS_LABEL]
    labels = [b.label for b in blocks]
    keys = [b for b in blocks if b.label in _KEY_LABELS]
    if not blocks:
        problems.append(
            "The private key is not in PEM format: paste the text from -----BEGIN PRIVATE KEY----- "
            "to -----END PRIVATE KEY-----. A binary .der key converts with: "
            "openssl pkey -inform der -in key.der -out key.pem"
        )
    elif _CERTIFICATE_LABEL in labels:
        problems.append(
            "The private key field holds a certificate: put certificates in the certificate "
            "and chain fields and leave only the private key here."
        )
    elif "ENCRYPTED PRIVATE KEY" in labels or any(
        b.text is not None and _ENCRYPTED_HEADER.search(b.text) for b in keys
    ):
        problems.append(_encrypted())
    elif "OPENSSH PRIVATE KEY" in labels:
        problems.append(
            "The private key is an OpenSSH key, not the key of a TLS certificate: paste the key "
            "the certificate was issued for (-----BEGIN PRIVATE KEY-----)."
        )
    elif len(keys) < len(blocks):
        what = _what(next(label for label in labels if label not in _KEY_LABELS))
        problems.append(
            f"The private key field holds {what}, not a private key: paste the private key the "
            "certificate was issued for."
        )
    elif len(keys) > 1:
        problems.append(
            f"The private key field holds {len(keys):,} private keys: keep only the certificate's."
        )
    elif keys[0].text is None:
        problems.append(
            f"The private key has no -----END {keys[0].label}----- line: it was cut short; "
            "paste all of it."
        )
    else:
        try:
            return serialization.load_pem_private_key(
                keys[0].text.encode("utf-8", "surrogatepass"), password=None
            )
        except TypeError:  # encrypted, in a way the labels did not show
            problems.append(_encrypted())
        except (ValueError, UnsupportedAlgorithm):
            problems.append(
                "The private key cannot be read: its PEM block is damaged; paste it again from "
                "the file it was saved in."
            )
    return None


def _encrypted() -> str:
    return (
        "The private key is encrypted with a passphrase; Gcore load balancers need it "
        f"unencrypted. Decrypt a copy with: {_DECRYPT}"
    )


def _mismatch(certificate: CertificatePublicKeyTypes, key: PublicKeyTypes) -> str | None:
    if _spki(certificate) == _spki(key):
        return None
    ours, theirs = _key_description(key), _key_description(certificate)
    if ours != theirs:
        return (
            f"The private key does not match the certificate: the key is {ours} and the "
            f"certificate's is {theirs}."
        )
    return "The private key does not match the certificate: it belongs to another certificate."


def _spki(public: PublicKeyTypes) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_type(public: PublicKeyTypes) -> tuple[str, int | None]:
    if isinstance(public, rsa.RSAPublicKey):
        return "RSA", public.key_size
    if isinstance(public, ec.EllipticCurvePublicKey):
        return f"EC {_curve(public.curve)}", public.curve.key_size
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "Ed25519", None
    if isinstance(public, ed448.Ed448PublicKey):
        return "Ed448", None
    if isinstance(public, dsa.DSAPublicKey):
        return "DSA", public.key_size
    return type(public).__name__.removesuffix("PublicKey") or "unknown", None


def _key_description(public: PublicKeyTypes) -> str:
    kind, size = _key_type(public)
    return f"{kind} {size}-bit" if kind in {"RSA", "DSA"} else kind


def _curve(curve: ec.EllipticCurve) -> str:
    return _CURVES.get(curve.name, curve.name)


def _facts(leaf: x509.Certificate, links: Sequence[x509.Certificate]) -> CertificateFacts:
    key_type, key_size = _key_type(leaf.public_key())
    common_names = leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return CertificateFacts(
        subject=leaf.subject.rfc4514_string(),
        common_name=str(common_names[0].value) if common_names else None,
        issuer=leaf.issuer.rfc4514_string(),
        sans=_sans(leaf),
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        key_type=key_type,
        key_size=key_size,
        fingerprint_sha256=_fingerprint(leaf),
        serial=_serial(leaf.serial_number),
        chain=tuple(
            ChainLink(
                subject=link.subject.rfc4514_string(),
                issuer=link.issuer.rfc4514_string(),
                not_after=link.not_valid_after_utc,
                fingerprint_sha256=_fingerprint(link),
            )
            for link in links
        ),
        self_signed=_issued(leaf, by=leaf),
    )


def _sans(certificate: x509.Certificate) -> tuple[str, ...]:
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(
        str(name.value) for name in names if isinstance(name, x509.DNSName | x509.IPAddress)
    )


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex(":").upper()


def _serial(number: int) -> str:
    digits = f"{number:X}"
    return digits.zfill(len(digits) + len(digits) % 2)


def _name(name: x509.Name) -> str:
    common_names = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if common_names:
        return str(common_names[0].value)
    return name.rfc4514_string() or "a certificate without a name"


def _day(moment: datetime) -> str:
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
