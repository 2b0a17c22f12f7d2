"""Django settings, all read from the environment (see the configuration table in README.md)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from secretsadmin.alerts.config import channels
from secretsadmin.alerts.thresholds import thresholds
from secretsadmin.config import Config, Secret
from secretsadmin.providers.config import pause_policy
from secretsadmin.providers.gcore.config import gcore_accounts, gcore_timeouts
from secretsadmin.providers.pipecat.config import pipecat_accounts, pipecat_timeouts
from secretsadmin.streaming.config import sinks

BASE_DIR = Path(__file__).resolve().parent.parent
env = Config()

DEBUG = env.boolean("DEBUG", False)
DATA_DIR = Path(env.string("DATA_DIR") or BASE_DIR / "var")

# A key that ships in the source is no secret: outside DEBUG it stops start-up.
INSECURE_DEV_KEY = "django-insecure-secretsadmin-development-only"
_secret_key = env.secret("SECRET_KEY")
if _secret_key is None or _secret_key.reveal() == INSECURE_DEV_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set to a long random value when DEBUG is off. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    _secret_key = env.secret("SECRET_KEY", INSECURE_DEV_KEY)
elif len(_secret_key.reveal()) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
SECRET_KEY = _secret_key.reveal()

# "localhost" stays allowed whatever is configured: the container's HEALTHCHECK calls it so.
ALLOWED_HOSTS = [*env.strings("ALLOWED_HOSTS", ["127.0.0.1", "[::1]"]), "localhost"]
CSRF_TRUSTED_ORIGINS = env.strings("CSRF_TRUSTED_ORIGINS")
# Addresses of the reverse proxies whose forwarded headers (request id, client address, SSO
# identity) are believed. Nothing is trusted by default.
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES", [])

INSTALLED_APPS = [
    "secretsadmin.accounts.apps.AdminConfig",  # Django's admin, for the admin role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER below
    "django_htmx",
    "secretsadmin.core",
    "secretsadmin.accounts",
    # The apps' watcher jobs run in this order: the audit log's reconcile step first (the call
    # budget goes to concluding the dashboard's own changes before looking for others'), the
    # providers' drift next, then the alerts, the log streamed off the box last (with what this
    # round recorded).
    "secretsadmin.audit",
    "secretsadmin.pipecat",
    "secretsadmin.gcore",
    "secretsadmin.rollouts",
    "secretsadmin.drift",
    "secretsadmin.alerts",
    "secretsadmin.streaming",
    "secretsadmin.watcher",
    "emulators",  # only its run_emulators command; no product code imports it
]

MIDDLEWARE = [
    # First: nothing below may read a forwarded header that no trusted proxy sent.
    "secretsadmin.core.middleware.UntrustedForwardedHeadersMiddleware",
    "secretsadmin.core.middleware.RequestIdMiddleware",
    # Before anything that may answer on its own (redirects, static files): one line per request.
    "secretsadmin.core.middleware.AccessLogMiddleware",
    "secretsadmin.core.middleware.ProviderDeadlineMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below the static files, which stay cacheable: every page is kept nowhere.
    "secretsadmin.core.middleware.PageHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "secretsadmin.accounts.sso.HeaderSSOMiddleware",
    "secretsadmin.accounts.middleware.SignInRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "secretsadmin.core.middleware.HtmxMessagesMiddleware",
]

ROOT_URLCONF = "secretsadmin.urls"
WSGI_APPLICATION = "secretsadmin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "secretsadmin.core.context_processors.providers",
                "secretsadmin.accounts.context_processors.roles",
            ],
        },
    },
]

# Forms render through TEMPLATES, so the project's templates/django/forms/field.html is every
# field's markup.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so
    # concurrent writers queue on the busy timeout instead of failing mid-transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.integer("CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.provided("MIGRATE_DATABASE_URL"):
    # The owner role, for `manage.py prepare_database` alone: the dashboard never connects as it.
    DATABASES["migrate"] = {
        **env.database("MIGRATE_DATABASE_URL", ""),
        "TEST": {"MIRROR": "default"},
    }

# CACHE_URL, else REDIS_URL; either may come from its _FILE.
_cache_url = "CACHE_URL" if env.provided("CACHE_URL") else "REDIS_URL"
CACHES = {"default": env.cache(_cache_url, "locmemcache://secretsadmin")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.string("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.string("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "secretsadmin.core.staticfiles.ManifestWhenCollected"},
}
# Without a collectstatic run (development, tests) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not (STATIC_ROOT / "staticfiles.json").exists()

# -- Security -------------------------------------------------------------------------------------

if env.boolean("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", False)
# The container's HEALTHCHECK asks over plain HTTP, from inside (scripts/healthcheck).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.boolean("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # no query per request
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.integer("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# -- Identity -------------------------------------------------------------------------------------

# Header SSO is on when SSO_USER_HEADER names a header; it is believed only from TRUSTED_PROXIES.
SSO_USER_HEADER = env.header("SSO_USER_HEADER")
SSO_EMAIL_HEADER = env.header("SSO_EMAIL_HEADER")
SSO_GROUPS_HEADER = env.header("SSO_GROUPS_HEADER")
LOCAL_LOGIN = env.boolean("LOCAL_LOGIN", True)  # password login: demo and break-glass
# Failed password sign-ins that lock an account, or an address, out for the window.
LOGIN_FAILURES_PER_ACCOUNT = env.integer("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env.integer("LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_LOCKOUT_SECONDS = env.integer("LOGIN_LOCKOUT_SECONDS", 900, minimum=1)
# Refusals of one source (address, name, kind) recorded as one event per this many seconds.
DENIALS_MERGE_SECONDS = env.integer("DENIALS_MERGE_SECONDS", 60, minimum=1)
OIDC_RP_CLIENT_ID = env.string("OIDC_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    _oidc_secret = env.secret("OIDC_CLIENT_SECRET")
    OIDC_RP_CLIENT_SECRET = _oidc_secret.reveal() if _oidc_secret else ""
    OIDC_OP_AUTHORIZATION_ENDPOINT = env.required("OIDC_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env.required("OIDC_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env.required("OIDC_USERINFO_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env.string("OIDC_JWKS_ENDPOINT", "") or None
    # What mozilla-django-oidc can check an ID token's signature with: the provider's published
    # keys (RS, ES) or the client secret (HS). Missing, either would fail only at the first login.
    OIDC_RP_SIGN_ALGO = env.choice(
        "OIDC_SIGN_ALGO",
        "RS256",
        ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512"),
    )
    if OIDC_RP_SIGN_ALGO.startswith("HS") and not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured(
            f"OIDC_CLIENT_SECRET must be set: OIDC_SIGN_ALGO={OIDC_RP_SIGN_ALGO} checks ID tokens "
            "with it."
        )
    if not OIDC_RP_SIGN_ALGO.startswith("HS") and not OIDC_OP_JWKS_ENDPOINT:
        raise ImproperlyConfigured(
            f"OIDC_JWKS_ENDPOINT must be set: OIDC_SIGN_ALGO={OIDC_RP_SIGN_ALGO} checks ID tokens "
            "against the provider's published keys."
        )
    OIDC_RP_SCOPES = env.string("OIDC_SCOPES", "openid email profile groups")
OIDC_USERNAME_CLAIM = env.string("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_GROUPS_CLAIM = env.string("OIDC_GROUPS_CLAIM", "groups")

AUTHENTICATION_BACKENDS = [
    *(["django.contrib.auth.backends.ModelBackend"] if LOCAL_LOGIN else []),
    *(["secretsadmin.accounts.backends.TrustedHeaderBackend"] if SSO_USER_HEADER else []),
    *(["secretsadmin.accounts.oidc.OIDCBackend"] if OIDC_ENABLED else []),
]
if not AUTHENTICATION_BACKENDS:
    raise ImproperlyConfigured(
        "No way to sign in: set SSO_USER_HEADER or OIDC_CLIENT_ID, or leave LOCAL_LOGIN on."
    )
# Identity-provider groups that grant each role, comma-separated.
ROLE_GROUPS = {
    role: env.strings(f"{role.upper()}_GROUPS", [f"secretsadmin-{role}"])
    for role in ("viewer", "editor", "auditor", "admin")
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = LOGOUT_REDIRECT_URL = "home"
CSRF_FAILURE_VIEW = "secretsadmin.accounts.views.csrf_failure"

# -- Providers ------------------------------------------------------------------------------------

# Demo mode: `make run` without tokens points the providers at the built-in emulators.
DEMO_MODE = env.boolean("DEMO_MODE", False)
# Named accounts (PIPECAT_ACCOUNTS=prod,staging; PIPECAT_<NAME>_API_KEY[_FILE],
# PIPECAT_<NAME>_API_URL), or one account "default" from PIPECAT_API_KEY.
PIPECAT_ACCOUNTS = pipecat_accounts(env)
PIPECAT_TIMEOUTS = pipecat_timeouts(env)
PIPECAT_PAUSE = pause_policy(env, "PIPECAT")
# How often a pending set's badge refreshes, and how long the sets list is shared in the cache.
PIPECAT_POLL_SECONDS = env.integer("PIPECAT_POLL_SECONDS", 2, minimum=1)
# Named accounts (GCORE_ACCOUNTS=prod,staging; GCORE_<NAME>_API_KEY[_FILE], _API_URL, _PROJECT,
# _REGIONS), or one account "default" from GCORE_API_KEY (GCORE_PROJECT, GCORE_REGIONS).
GCORE_ACCOUNTS = gcore_accounts(env)
GCORE_TIMEOUTS = gcore_timeouts(env)
GCORE_PAUSE = pause_policy(env, "GCORE")
# How long one page may wait for providers in all, across its calls and their retries.
PROVIDER_DEADLINE_SECONDS = env.number("PROVIDER_DEADLINE_SECONDS", 25.0, minimum=1.0)
# How often a running task's badge refreshes, and how long each region's secrets are shared.
GCORE_POLL_SECONDS = env.integer("GCORE_POLL_SECONDS", 3, minimum=1)
# How often an operation's page (a redeploy, a certificate replaced) sends and follows its steps.
ROLLOUT_POLL_SECONDS = env.integer("ROLLOUT_POLL_SECONDS", 3, minimum=1)

# -- Audit log ----------------------------------------------------------------------------------

# Keys the HMAC fingerprints of secret values in the audit log; without it none are stored.
AUDIT_HMAC_KEY = env.secret("AUDIT_HMAC_KEY")
# How many candidate values one person may check against those fingerprints in an hour.
AUDIT_VALUE_CHECKS_PER_HOUR = env.integer("AUDIT_VALUE_CHECKS_PER_HOUR", 20, minimum=1)
# Per provider, what concludes an attempt left without outcome from the provider's state.
AUDIT_RECONCILERS = {
    "pipecat": "secretsadmin.pipecat.reconcile.conclude_from_state",
    "gcore": "secretsadmin.gcore.reconcile.conclude_from_task",
}

# Where the watcher streams the audit log (AUDIT_SINKS=siem,archive; AUDIT_SINK_<NAME>_URL, …),
# and every how many minutes it sends each of them the chain head.
AUDIT_SINKS = sinks(env)
AUDIT_CHECKPOINT_MINUTES = env.number("AUDIT_CHECKPOINT_MINUTES", 60.0, minimum=0.0)

# -- Alerts ---------------------------------------------------------------------------------------

# Where the watcher sends alerts (ALERT_CHANNELS=ops,sec; ALERT_CHANNEL_<NAME>_URL, _SECRET,
# _ACCOUNTS, _KINDS): a route may name only the accounts configured above.
_accounts = {*(a.name for a in PIPECAT_ACCOUNTS), *(a.name for a in GCORE_ACCOUNTS)}
ALERT_CHANNELS = channels(env, accounts=_accounts)
# When the conditions raise them (ALERT_EXPIRY_DAYS, ALERT_SET_STATUS_MINUTES, ...).
ALERT_THRESHOLDS = thresholds(env, _accounts)
# How a mailto: channel's mail leaves: the SMTP server, as Django's default mailer.
_email_tls = env.boolean("EMAIL_USE_TLS", False)
_email_ssl = env.boolean("EMAIL_USE_SSL", False)
if _email_tls and _email_ssl:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL, not both.")
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env.string("EMAIL_HOST", "localhost"),
            "port": env.integer("EMAIL_PORT", 465 if _email_ssl else 25, minimum=1),
            "username": env.string("EMAIL_HOST_USER", ""),
            "password": (env.secret("EMAIL_HOST_PASSWORD") or Secret("")).reveal(),
            "use_tls": _email_tls,
            "use_ssl": _email_ssl,
            "timeout": env.number("EMAIL_TIMEOUT_SECONDS", 10.0, minimum=0.1),
        },
    }
}
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "secretsadmin@localhost")

# -- The watcher (manage.py watch) ----------------------------------------------------------------

# Seconds from one round to the next; a watcher that dies is replaced within one of them.
WATCH_INTERVAL_SECONDS = env.number("WATCH_INTERVAL_SECONDS", 60.0, minimum=0.1)
# Upstream calls the watcher's jobs may make to one account in a minute, spread over the rounds.
WATCH_CALLS_PER_MINUTE = env.integer("WATCH_CALLS_PER_MINUTE", 60, minimum=1)

# -- Metrics (/metrics) ---------------------------------------------------------------------------

# The bearer token Prometheus sends; without one /metrics is refused to everyone.
METRICS_TOKEN = env.secret("METRICS_TOKEN")

# -- Logging --------------------------------------------------------------------------------------

LOG_LEVEL = env.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical"))
LOG_FORMAT = env.choice("LOG_FORMAT", "text", ("text", "json"))
# Everything read through `env.secret` is masked in every log line, whatever logger wrote it.
REDACTED_VALUES = env.secrets
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "secretsadmin.core.logging.RequestIdFilter"},
        "redact": {"()": "secretsadmin.core.logging.RedactFilter"},
    },
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
        "json": {"()": "secretsadmin.core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL.upper()},
    "loggers": {
        # Replaces Django's own console handler, which would print some lines twice.
        "django": {"handlers": ["console"], "level": LOG_LEVEL.upper(), "propagate": False},
        # The access log below says the same, once, with the request id.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # SQL is logged at DEBUG with its parameters, session keys among them: never written.
        "django.db.backends": {"level": "INFO" if LOG_LEVEL == "debug" else LOG_LEVEL.upper()},
        # A template's missing variable is logged at DEBUG with the whole context: the form's
        # submitted data (values typed into it) among it. Never written either.
        "django.template": {"level": "INFO" if LOG_LEVEL == "debug" else LOG_LEVEL.upper()},
        # One line per outbound request is noise at INFO; failures reach our own loggers.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # gunicorn (gunicorn.conf.py hands it this dict) writes through the same handler. Its access
        # log stays unwritten: AccessLogMiddleware's line has the request id and the user, and
        # never the query string, which may carry an OIDC code or a token.
        "gunicorn.error": {"handlers": ["console"], "level": LOG_LEVEL.upper(), "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "propagate": False},
    },
}
