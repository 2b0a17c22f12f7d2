"""Settings for the test suite: the real settings, with a throwaway key and fast hashing."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 40)

from secretsadmin.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import tempfile

    # A file rather than Django's shared-cache memory database: threads then meet SQLite's real
    # write lock and wait for it (the audit log's concurrency test), where shared cache answers
    # "table is locked" at once. One file per process, so that parallel runs never share one.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"secretsadmin-tests-{os.getpid()}.sqlite3")
    }
