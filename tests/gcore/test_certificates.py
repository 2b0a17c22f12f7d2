"""The checks a TLS certificate's parts pass before any is sent to Gcore: what is read from a good
bundle, and each refusal's sentence, given for the field the person has to change."""

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from secretsadmin.gcore.certificates import (
    CERTIFICATE,
    CHAIN,
    MAX_PART_BYTES,
    PRIVATE_KEY,
    ChainLink,
    check_bundle,
    default_expiration,
)
from tests.fixtures.certificates import (
    encrypted_key_pem,
    issue,
    key_pem,
    make_chain,
    private_key,
)

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DECRYPT = (
    "The private key is encrypted with a passphrase; Gcore load balancers need it unencrypted. "
    "Decrypt a copy with: openssl pkey -in key.pem -out plain.pem"
)
# What `openssl ecparam -genkey -name prime256v1` writes before the key.
EC_PARAMETERS = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"


@pytest.fixture(scope="module")
def chain():
    return make_chain(
        "www.example.test", sans=("www.example.test", "example.test", "192.0.2.10"), now=AT
    )


@pytest.fixture(scope="module")
def other():
    """Another hierarchy, its leaf of another name (so another key)."""
    return make_chain("shop.example.test", prefix="Other", now=AT)


def check(certificate, chain="", key="", *, now=AT):
    return check_bundle(certificate, chain, key, now=now)


def cut_short(pem):
    """A PEM block whose END line was lost."""
    return pem.split("-----END")[0]


def damaged(pem):
    """A PEM block with half of its base64 lines gone: well armoured, unreadable."""
    lines = pem.strip().splitlines()
    body = lines[1:-1]
    return "\n".join([lines[0], *body[: len(body) // 2], lines[-1]]) + "\n"


def body_lines(pem):
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def fingerprint(cert):
    return ":".join(f"{byte:02X}" for byte in cert.fingerprint(hashes.SHA256()))


def test_a_good_bundle_is_read_into_its_facts(chain):
    leaf = chain.leaf.cert
    bundle = check(chain.leaf.cert_pem, chain.chain_pem, chain.leaf.key_pem)

    assert bundle.ok and bundle.problems == {}
    facts = bundle.facts
    assert facts.subject == "CN=www.example.test"
    assert facts.common_name == "www.example.test"
    assert facts.issuer == "CN=Example Intermediate CA"
    assert facts.sans == ("www.example.test", "example.test", "192.0.2.10")
    assert facts.not_before == leaf.not_valid_before_utc == AT - timedelta(days=1)
    assert facts.not_after == leaf.not_valid_after_utc == AT + timedelta(days=89)
    assert (facts.key_type, facts.key_size) == ("RSA", 2048)
    assert facts.fingerprint_sha256 == fingerprint(leaf)
    assert int(facts.serial, 16) == leaf.serial_number and facts.serial == facts.serial.upper()
    assert facts.self_signed is False
    assert facts.chain == (
        ChainLink(
            subject="CN=Example Intermediate CA",
            issuer="CN=Example Root CA",
            not_after=chain.intermediate.cert.not_valid_after_utc,
            fingerprint_sha256=fingerprint(chain.intermediate.cert),
        ),
        ChainLink(
            subject="CN=Example Root CA",
            issuer="CN=Example Root CA",
            not_after=chain.root.cert.not_valid_after_utc,
            fingerprint_sha256=fingerprint(chain.root.cert),
        ),
    )


def test_the_expiration_defaults_to_the_certificates_not_after(chain):
    facts = check(chain.leaf.cert_pem, chain.chain_pem, chain.leaf.key_pem).facts

    assert default_expiration(facts) == chain.leaf.cert.not_valid_after_utc
    assert facts.days_left(AT) == 89
    assert facts.days_left(AT + timedelta(days=90)) == -1


@pytest.mark.parametrize(
    ("kind", "key_type", "key_size"),
    [("ec256", "EC P-256", 256), ("ec384", "EC P-384", 384), ("ed25519", "Ed25519", None)],
)
def test_other_key_types_are_named_with_their_size(kind, key_type, key_size):
    leaf = issue(f"{kind}.example.test", kind=kind, now=AT)

    bundle = check(leaf.cert_pem, "", leaf.key_pem)

    assert bundle.ok
    assert (bundle.facts.key_type, bundle.facts.key_size) == (key_type, key_size)
    assert bundle.facts.self_signed is True


@pytest.mark.parametrize(
    ("kind", "text", "label"),
    [
        ("rsa2048", lambda key: key_pem(key), "PRIVATE KEY"),
        ("rsa2048", lambda key: key_pem(key, format="traditional"), "RSA PRIVATE KEY"),
        ("ec256", lambda key: key_pem(key), "PRIVATE KEY"),
        ("ec256", lambda key: key_pem(key, format="traditional"), "EC PRIVATE KEY"),
        ("ec256", lambda key: EC_PARAMETERS + key_pem(key, format="traditional"), "EC PRIVATE KEY"),
    ],
)
def test_a_key_is_taken_as_pkcs8_pkcs1_or_sec1(kind, text, label):
    leaf = issue(f"{kind}-keys.example.test", kind=kind, now=AT)
    pasted = text(leaf.key)
    assert f"-----BEGIN {label}-----" in pasted

    assert check(leaf.cert_pem, "", pasted).problems == {}


def test_pasted_text_is_read_with_windows_line_breaks_and_text_around_the_blocks(chain):
    def windows(text):
        return text.replace("\n", "\r\n")

    bundle = check(
        windows("Bag Attributes\n    friendlyName: www\nsubject=CN=www\n" + chain.leaf.cert_pem),
        windows(chain.chain_pem + "\n\n"),
        windows("\ufeff" + chain.leaf.key_pem),
    )

    assert bundle.ok
    assert bundle.facts.fingerprint_sha256 == fingerprint(chain.leaf.cert)


def test_the_chain_is_optional_and_the_root_in_it_too(chain):
    without = check(chain.leaf.cert_pem, "  \n", chain.leaf.key_pem)
    intermediate_only = check(chain.leaf.cert_pem, chain.intermediate.cert_pem, chain.leaf.key_pem)

    assert without.ok and without.facts.chain == ()
    assert intermediate_only.ok
    assert [link.subject for link in intermediate_only.facts.chain] == [
        "CN=Example Intermediate CA"
    ]


def test_a_longer_chain_in_order_is_taken(chain):
    second = issue("Example Second Intermediate CA", issuer=chain.intermediate, ca=True, now=AT)
    leaf = issue("deep.example.test", issuer=second, now=AT)

    bundle = check(leaf.cert_pem, second.cert_pem + chain.chain_pem, leaf.key_pem)

    assert bundle.ok
    assert [link.subject for link in bundle.facts.chain] == [
        "CN=Example Second Intermediate CA",
        "CN=Example Intermediate CA",
        "CN=Example Root CA",
    ]


# Refusals of the certificate field.


def test_an_expired_certificate_is_refused_and_still_described(chain):
    old = issue(
        "old.example.test",
        issuer=chain.intermediate,
        not_before=datetime(2025, 12, 3, 12, tzinfo=UTC),
        days=90,
    )

    bundle = check(old.cert_pem, chain.chain_pem, old.key_pem)

    assert bundle.problems == {
        CERTIFICATE: ["The certificate expired on 3 March 2026 (UTC); upload its renewal."]
    }
    assert bundle.facts.common_name == "old.example.test"
    assert bundle.facts.days_left(AT) < 0


def test_a_certificate_is_valid_to_its_last_second(chain):
    leaf = chain.leaf

    last = check(leaf.cert_pem, chain.chain_pem, leaf.key_pem, now=leaf.cert.not_valid_after_utc)
    after = check(
        leaf.cert_pem,
        chain.chain_pem,
        leaf.key_pem,
        now=leaf.cert.not_valid_after_utc + timedelta(seconds=1),
    )

    assert last.ok
    assert list(after.problems) == [CERTIFICATE]


def test_a_certificate_not_yet_valid_is_refused(chain):
    early = issue(
        "early.example.test",
        issuer=chain.intermediate,
        not_before=datetime(2026, 12, 9, 8, tzinfo=UTC),
    )

    bundle = check(early.cert_pem, chain.chain_pem, early.key_pem)

    assert bundle.problems == {
        CERTIFICATE: ["The certificate is not valid before 9 December 2026 (UTC)."]
    }


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        (
            "rsa1024",
            "The RSA key is 1024 bits; Gcore load balancers and browsers need at least 2048.",
        ),
        (
            "ec192",
            "The EC key is 192 bits (P-192); Gcore load balancers and browsers need at least "
            "256 (P-256).",
        ),
    ],
)
def test_a_weak_key_is_refused(chain, kind, sentence):
    weak = issue(f"{kind}.example.test", issuer=chain.intermediate, kind=kind, now=AT)

    bundle = check(weak.cert_pem, chain.chain_pem, weak.key_pem)

    assert bundle.problems == {CERTIFICATE: [sentence]}


def test_an_expired_weak_certificate_is_told_both(chain):
    weak = issue(
        "weak-old.example.test",
        issuer=chain.intermediate,
        kind="rsa1024",
        not_before=datetime(2025, 12, 3, tzinfo=UTC),
    )

    problems = check(weak.cert_pem, chain.chain_pem, weak.key_pem).problems[CERTIFICATE]

    assert len(problems) == 2
    assert problems[0].startswith("The certificate expired on 3 March 2026 (UTC)")
    assert problems[1].startswith("The RSA key is 1024 bits")


def test_a_bundle_in_the_certificate_field_is_sent_to_the_chain_field(chain):
    bundle = check(chain.leaf.cert_pem + chain.chain_pem, "", chain.leaf.key_pem)

    assert bundle.problems == {
        CERTIFICATE: [
            "The certificate field holds 3 certificates: keep only the server's own certificate "
            "here and put the intermediates in the chain field."
        ]
    }
    assert bundle.facts is None


def test_a_private_key_in_the_certificate_field_is_named_and_not_repeated(chain):
    key = chain.leaf.key_pem

    bundle = check(key, chain.chain_pem, key)

    assert bundle.problems == {
        CERTIFICATE: [
            "The certificate field holds a private key: put the key in the private key field "
            "and leave only the certificate here."
        ]
    }
    assert not any(line in repr(bundle) for line in body_lines(key))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("just some words", id="words"),
        pytest.param("-----BEGIN CERTIFICATE", id="broken armour"),
        pytest.param("MIIB" * 40, id="base64 without armour"),
    ],
)
def test_text_that_is_not_pem_is_refused_with_how_to_convert_der(text):
    assert check(text).problems[CERTIFICATE] == [
        "The certificate is not in PEM format: paste the text from -----BEGIN CERTIFICATE----- "
        "to -----END CERTIFICATE-----. A binary .cer or .der file converts with: "
        "openssl x509 -inform der -in certificate.cer -out certificate.pem"
    ]


def test_a_der_file_read_as_text_is_not_pem(chain):
    der = chain.leaf.cert.public_bytes(serialization.Encoding.DER)

    problems = check(der.decode("latin-1")).problems[CERTIFICATE]

    assert problems[0].startswith("The certificate is not in PEM format")


def test_a_certificate_signing_request_is_not_a_certificate():
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.example.test")]))
        .sign(private_key("rsa2048", "www.example.test"), hashes.SHA256())
    )
    pem = request.public_bytes(serialization.Encoding.PEM).decode()

    assert check(pem).problems[CERTIFICATE] == [
        "The certificate field holds a certificate signing request, not a certificate; paste "
        "the certificate the authority issued for it."
    ]


def test_a_certificate_cut_short_or_damaged_is_refused(chain):
    short = check(cut_short(chain.leaf.cert_pem)).problems[CERTIFICATE]
    broken = check(damaged(chain.leaf.cert_pem)).problems[CERTIFICATE]

    assert short == [
        "The certificate has no -----END CERTIFICATE----- line: it was cut short; paste all of it."
    ]
    assert broken == [
        "The certificate cannot be read: its PEM block is damaged; paste it again from the file "
        "the authority sent."
    ]


def test_an_empty_certificate_field_asks_for_one(chain):
    assert check("", chain.chain_pem, chain.leaf.key_pem).problems == {
        CERTIFICATE: [
            "Paste or upload the certificate: the PEM block that begins with "
            "-----BEGIN CERTIFICATE-----."
        ]
    }


# Refusals of the private key field.


@pytest.mark.parametrize("format", ["pkcs8", "traditional"])
def test_an_encrypted_key_is_refused_with_how_to_decrypt_it(chain, format):
    encrypted = encrypted_key_pem(chain.leaf.key, "correct horse", format=format)

    bundle = check(chain.leaf.cert_pem, chain.chain_pem, encrypted)

    assert bundle.problems == {PRIVATE_KEY: [DECRYPT]}


def test_the_key_of_another_certificate_is_refused(chain, other):
    bundle = check(chain.leaf.cert_pem, chain.chain_pem, other.leaf.key_pem)

    assert bundle.problems == {
        PRIVATE_KEY: [
            "The private key does not match the certificate: it belongs to another certificate."
        ]
    }


def test_a_key_of_another_type_is_refused_naming_both_types(chain):
    ec_key = key_pem(private_key("ec256", "www.example.test"))

    bundle = check(chain.leaf.cert_pem, chain.chain_pem, ec_key)

    assert bundle.problems == {
        PRIVATE_KEY: [
            "The private key does not match the certificate: the key is EC P-256 and the "
            "certificate's is RSA 2048-bit."
        ]
    }


@pytest.mark.parametrize(
    "pasted",
    [
        pytest.param(lambda c: c.leaf.cert_pem, id="the certificate"),
        pytest.param(lambda c: c.leaf.key_pem + c.leaf.cert_pem, id="key and certificate"),
    ],
)
def test_a_certificate_in_the_key_field_is_refused(chain, pasted):
    assert check(chain.leaf.cert_pem, chain.chain_pem, pasted(chain)).problems == {
        PRIVATE_KEY: [
            "The private key field holds a certificate: put certificates in the certificate and "
            "chain fields and leave only the private key here."
        ]
    }


def test_other_kinds_of_key_are_refused(chain):
    public = (
        chain.leaf.key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    openssh = chain.leaf.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()

    def refusal(key):
        return check(chain.leaf.cert_pem, chain.chain_pem, key).problems[PRIVATE_KEY]

    assert refusal(public) == [
        "The private key field holds a public key, not a private key: paste the private key the "
        "certificate was issued for."
    ]
    assert refusal(openssh) == [
        "The private key is an OpenSSH key, not the key of a TLS certificate: paste the key the "
        "certificate was issued for (-----BEGIN PRIVATE KEY-----)."
    ]
    assert refusal(chain.leaf.key_pem + key_pem(private_key("rsa2048", "spare"))) == [
        "The private key field holds 2 private keys: keep only the certificate's."
    ]


def test_a_key_that_is_empty_not_pem_cut_short_or_damaged_is_refused(chain):
    def refusal(key):
        return check(chain.leaf.cert_pem, chain.chain_pem, key).problems[PRIVATE_KEY]

    assert refusal("") == [
        "Paste or upload the certificate's private key: the PEM block that begins with "
        "-----BEGIN PRIVATE KEY----- (or RSA PRIVATE KEY, or EC PRIVATE KEY)."
    ]
    assert refusal("secret words") == [
        "The private key is not in PEM format: paste the text from -----BEGIN PRIVATE KEY----- "
        "to -----END PRIVATE KEY-----. A binary .der key converts with: "
        "openssl pkey -inform der -in key.der -out key.pem"
    ]
    assert refusal(cut_short(key_pem(chain.leaf.key, format="traditional"))) == [
        "The private key has no -----END RSA PRIVATE KEY----- line: it was cut short; paste "
        "all of it."
    ]
    assert refusal(damaged(chain.leaf.key_pem)) == [
        "The private key cannot be read: its PEM block is damaged; paste it again from the file "
        "it was saved in."
    ]


# Refusals of the chain field.


def test_a_chain_out_of_order_names_the_block_out_of_place(chain):
    upside_down = chain.root.cert_pem + chain.intermediate.cert_pem

    bundle = check(chain.leaf.cert_pem, upside_down, chain.leaf.key_pem)

    assert bundle.problems == {
        CHAIN: [
            "The chain is out of order: certificate 1 (Example Root CA) is out of place. The "
            "certificate's issuer comes first, then its issuer, and so on: Example Intermediate "
            "CA, then Example Root CA."
        ]
    }


def test_a_longer_chain_out_of_order_lists_the_order_to_paste(chain):
    second = issue("Example Second Intermediate CA", issuer=chain.intermediate, ca=True, now=AT)
    leaf = issue("deep.example.test", issuer=second, now=AT)
    pasted = chain.intermediate.cert_pem + second.cert_pem + chain.root.cert_pem

    assert check(leaf.cert_pem, pasted, leaf.key_pem).problems == {
        CHAIN: [
            "The chain is out of order: certificate 1 (Example Intermediate CA) is out of place. "
            "The certificate's issuer comes first, then its issuer, and so on: Example Second "
            "Intermediate CA, then Example Intermediate CA, then Example Root CA."
        ]
    }


def test_a_chain_that_does_not_issue_the_certificate_is_refused(chain, other):
    bundle = check(chain.leaf.cert_pem, other.chain_pem, chain.leaf.key_pem)

    assert bundle.problems == {
        CHAIN: [
            "The chain does not issue the certificate: none of its certificates is the "
            "certificate's issuer, Example Intermediate CA. Paste the chain that came with the "
            "certificate, its issuer first."
        ]
    }


def test_an_issuer_of_the_right_name_but_another_key_is_refused(chain, other):
    namesake = issue(
        "Example Intermediate CA",
        issuer=other.root,
        key=private_key("rsa2048", "impostor"),
        ca=True,
        now=AT,
    )

    bundle = check(chain.leaf.cert_pem, namesake.cert_pem, chain.leaf.key_pem)

    assert bundle.problems == {
        CHAIN: [
            "Certificate 1 in the chain has the name of the certificate's issuer (Example "
            "Intermediate CA) but did not sign it: paste the chain that came with the certificate."
        ]
    }


def test_an_expired_intermediate_is_refused(chain):
    expired = issue(
        "Example Old Intermediate CA",
        issuer=chain.root,
        ca=True,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        days=300,
    )
    leaf = issue("stale.example.test", issuer=expired, now=AT)

    bundle = check(leaf.cert_pem, expired.cert_pem + chain.root.cert_pem, leaf.key_pem)

    assert bundle.problems == {
        CHAIN: [
            "Certificate 1 in the chain (Example Old Intermediate CA) expired on 28 October 2025 "
            "(UTC); get the current chain from the certificate's authority."
        ]
    }


def test_a_full_chain_repeating_the_certificate_is_refused(chain):
    full = chain.leaf.cert_pem + chain.chain_pem

    assert check(chain.leaf.cert_pem, full, chain.leaf.key_pem).problems == {
        CHAIN: [
            "Certificate 1 in the chain is the certificate itself; the chain holds only its "
            "issuers, so remove it."
        ]
    }


def test_repeated_and_stray_certificates_in_the_chain_are_refused(chain, other):
    repeated = chain.intermediate.cert_pem + chain.chain_pem
    stray = chain.chain_pem + other.root.cert_pem

    assert check(chain.leaf.cert_pem, repeated, chain.leaf.key_pem).problems == {
        CHAIN: ["Certificate 2 in the chain repeats certificate 1; remove it."]
    }
    assert check(chain.leaf.cert_pem, stray, chain.leaf.key_pem).problems == {
        CHAIN: [
            "Certificate 3 in the chain (Other Root CA) is not one of the certificate's issuers; "
            "remove it."
        ]
    }


def test_a_chain_of_more_than_ten_certificates_is_refused_before_it_is_read(chain):
    eleven = damaged(chain.root.cert_pem) * 11

    assert check(chain.leaf.cert_pem, eleven, chain.leaf.key_pem).problems == {
        CHAIN: [
            "The chain holds 11 certificates; a chain has at most 10: the certificate's issuer, "
            "its issuer's, and so on up to the root."
        ]
    }


def test_a_self_signed_certificate_needs_no_chain(chain):
    alone = issue("alone.example.test", now=AT)

    assert check(alone.cert_pem, chain.chain_pem, alone.key_pem).problems == {
        CHAIN: [
            "The certificate is self-signed: it needs no chain, so leave the chain field empty."
        ]
    }


def test_a_chain_of_other_blocks_or_damaged_blocks_is_refused(chain):
    def refusal(pasted):
        return check(chain.leaf.cert_pem, pasted, chain.leaf.key_pem).problems[CHAIN]

    assert refusal(chain.root.key_pem) == [
        "The chain field holds a private key: put the key in the private key field and leave "
        "only the intermediate certificates here."
    ]
    assert refusal("intermediate.pem") == [
        "The chain is not in PEM format: paste the intermediate certificates, each from "
        "-----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----."
    ]
    assert refusal(chain.intermediate.cert_pem + cut_short(chain.root.cert_pem)) == [
        "Certificate 2 in the chain has no -----END CERTIFICATE----- line: it was cut short; "
        "paste all of it."
    ]
    assert refusal(damaged(chain.intermediate.cert_pem) + chain.root.cert_pem) == [
        "Certificate 1 in the chain cannot be read: its PEM block is damaged; paste the chain "
        "again from the file the authority sent."
    ]


# Sizes, and what never reaches a message.


@pytest.mark.parametrize(
    ("field", "part"),
    [(CERTIFICATE, "certificate"), (CHAIN, "chain"), (PRIVATE_KEY, "private key")],
)
def test_a_part_over_a_megabyte_is_refused(chain, field, part):
    parts = {
        CERTIFICATE: chain.leaf.cert_pem,
        CHAIN: chain.chain_pem,
        PRIVATE_KEY: chain.leaf.key_pem,
    }
    at_limit = parts[field] + " " * (MAX_PART_BYTES - len(parts[field]))
    # Counted in bytes of UTF-8, not characters: "é" is two.
    over = parts[field] + "é" * ((MAX_PART_BYTES - len(parts[field])) // 2 + 1)
    assert len(over) < MAX_PART_BYTES < len(over.encode())

    accepted = check(**{**_named(parts), _arg(field): at_limit})
    refused = check(**{**_named(parts), _arg(field): over})

    assert accepted.ok
    assert refused.problems == {
        field: [
            f"The {part} is {len(over.encode()):,} bytes; each part may be at most 1 MB "
            "(1,048,576 bytes)."
        ]
    }


def _arg(field):
    return {CERTIFICATE: "certificate", CHAIN: "chain", PRIVATE_KEY: "key"}[field]


def _named(parts):
    return {_arg(field): text for field, text in parts.items()}


def test_no_message_or_repr_repeats_any_line_of_a_key(chain, other):
    key = chain.leaf.key_pem
    keys = [
        key,
        key_pem(chain.leaf.key, format="traditional"),
        encrypted_key_pem(chain.leaf.key, "correct horse"),
    ]
    bundles = [
        check(key, key, key),
        check(chain.leaf.cert_pem, key, other.leaf.key_pem),
        check(chain.leaf.cert_pem + key, chain.chain_pem, cut_short(key)),
        check(chain.leaf.cert_pem, chain.chain_pem, damaged(key)),
        check(chain.leaf.cert_pem, chain.chain_pem, keys[1][:-200]),
        check(chain.leaf.cert_pem, chain.chain_pem, keys[2]),
        check(chain.leaf.cert_pem, chain.chain_pem, key.replace("PRIVATE KEY", "SECRET")),
    ]
    said = [repr(bundle) for bundle in bundles] + [
        message
        for bundle in bundles
        for messages in bundle.problems.values()
        for message in messages
    ]

    assert all(bundle.problems for bundle in bundles)
    secret_lines = {line for text in keys for line in body_lines(text)}
    assert not [line for line in secret_lines if any(line in text for text in said)]


def test_now_must_be_aware(chain):
    with pytest.raises(ValueError, match="aware"):
        check(chain.leaf.cert_pem, now=datetime(2026, 11, 23, 12))
