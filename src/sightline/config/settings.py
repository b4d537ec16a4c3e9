"""Django settings, built from :mod:`sightline.config.env` and nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from sightline.config import env as _env

CONFIG = _env.load()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
SIGHTLINE_ENV = CONFIG.env
SIGHTLINE_LINKAGE_ENGINE = CONFIG.linkage_engine
SIGHTLINE_VAR_DIR = CONFIG.var_dir
SIGHTLINE_SPARK_MASTER = CONFIG.spark_master
SIGHTLINE_SPARK_DRIVER_MEMORY = CONFIG.spark_driver_memory
SIGHTLINE_SPARK_SHUFFLE_PARTITIONS = CONFIG.spark_shuffle_partitions
SIGHTLINE_SPARK_CHECKPOINT_DIR = CONFIG.spark_checkpoint_dir
SIGHTLINE_SPARK_CONF = CONFIG.spark_conf
SIGHTLINE_DUCKDB_MEMORY_LIMIT = CONFIG.duckdb_memory_limit
SIGHTLINE_INDICATOR_CONFIG = CONFIG.indicator_config
SIGHTLINE_SITE_URL = CONFIG.site_url
SIGHTLINE_BREAK_GLASS_HOURS = CONFIG.break_glass_hours
# Record class -> retention Period (sightline.feeds.retention_policy; docs/retention.md).
SIGHTLINE_RETENTION = dict(CONFIG.retention)
SIGHTLINE_CIN_VALIDATOR = CONFIG.cin_validator
SIGHTLINE_CIN_LA_CODE = CONFIG.cin_la_code
EMAIL_BACKEND = CONFIG.email_backend
DEFAULT_FROM_EMAIL = CONFIG.email_from
# SMTP settings (EMAIL_HOST and the rest) keep Django's own environment-free
# defaults; a production deployment sets them alongside SIGHTLINE_EMAIL_BACKEND.

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "sightline.accounts",
    "sightline.feeds",
    "sightline.linkage",
    "sightline.chronology",
    "sightline.indicators",
    "sightline.casework",
    "sightline.reviews",
    "sightline.jobs",
    "sightline.web",
    "sightline.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sets request.user.is_verified(): has this session confirmed a code from the
    # user's authenticator app?
    "django_otp.middleware.OTPMiddleware",
    # Every page needs sign-in unless its view opts out with @login_not_required:
    # quarantined lines and records hold children's data, so closed is the default.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed in with a password but no code yet: every page but the two-factor
    # steps, sign-out and static files sends them to the two-factor step.
    "sightline.web.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees every failed sign-in and answers a paused one.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a username and address paused after too many failures,
    # before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "sightline.config.urls"
WSGI_APPLICATION = "sightline.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sightline.web.context_processors.two_factor",
            ],
        },
    },
]


def _database(url: str) -> dict[str, Any]:
    db: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web application read while an ingest writes; a busy
        # timeout turns brief lock contention into a wait rather than an error.
        db["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            # A 64 MiB page cache keeps index pages of a million-record ingest in
            # memory; SQLite's 2 MiB default made every insert a page fault.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                # Checkpoint every 64 MiB of WAL rather than 4: index pages touched
                # by every batch are then copied back once, not once a batch.
                " PRAGMA wal_autocheckpoint=16384;"
            ),
        }
        db["CONN_MAX_AGE"] = 0
    return db


DATABASES = {"default": _database(CONFIG.database_url)}

# The partner API's limits (sightline.api; see docs/architecture.md).
SIGHTLINE_API_MAX_BODY_BYTES = CONFIG.api_max_body_bytes
SIGHTLINE_API_RATE_LIMIT = CONFIG.api_rate_limit
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The API's per-token request counts, in files under var/ so that every
    # gunicorn worker on the machine counts against the same limit (a per-process
    # cache would let each worker allow the whole rate again).
    "api-throttle": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(CONFIG.var_dir / "cache" / "api-throttle"),
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.var_dir / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if CONFIG.is_production
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Outside production WhiteNoise serves straight from each app's static/ folder, so a
# checkout serves GOV.UK Frontend without a collectstatic step; production serves the
# hashed, compressed copies that collectstatic writes to STATIC_ROOT.
WHITENOISE_USE_FINDERS = not CONFIG.is_production
if WHITENOISE_USE_FINDERS:
    # WhiteNoise also looks in STATIC_ROOT and warns, once per process, when it is missing.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

LOGIN_URL = "/sign-in"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/sign-in"

if CONFIG.env == "test":
    # Hashing demo passwords slowly buys nothing in tests and costs minutes.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Two-factor sign-in (django-otp's TOTP): see docs/architecture.md, "Signing in".
SIGHTLINE_REQUIRE_TWO_FACTOR = CONFIG.require_two_factor
# The name an authenticator app shows beside the code.
OTP_TOTP_ISSUER = "Sightline"
# After a wrong code, each further try waits twice as long (1, 2, 4 ... seconds).
OTP_TOTP_THROTTLE_FACTOR = 1

# Sign-in throttling (django-axes): a username tried from one address fails
# AXES_FAILURE_LIMIT times, and sign-in for that pair pauses for the cool-off.
# Attempts are kept in the database, so every server process sees them.
AXES_FAILURE_LIMIT = CONFIG.sign_in_failure_limit
AXES_COOLOFF_TIME = dt.timedelta(minutes=CONFIG.sign_in_cool_off_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in view shows the pause itself, in the page's own words.
AXES_LOCKOUT_CALLABLE = "sightline.web.auth_views.sign_in_paused"
# Passwords, and the code typed at the two-factor step, never reach axes' log.
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
# Whose address a failure counts against (see sightline.web.client).
AXES_CLIENT_IP_CALLABLE = "sightline.web.client.client_ip"

# The public report-a-concern form: reports accepted from one address an hour.
SIGHTLINE_CONCERN_RATE_LIMIT = CONFIG.concern_rate_limit
# Its counts are in the default cache (CACHES above: one process's memory). Sign-in
# throttling keeps its counts in the database instead (see AXES above).

# The partnership whose case reviews Sightline publishes, as its published reviews name it.
SIGHTLINE_PARTNERSHIP_NAME = "Safeguarding Children Partnership"

# Content Security Policy (django-csp): scripts, styles, fonts and images from
# Sightline itself only; no inline script or style, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the empty favicon in base.html, which stops a request for one.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# No page needs a camera, microphone, location, payment or similar.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
# Django's default, stated: a window Sightline opens keeps no handle on it, and back.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

SESSION_COOKIE_HTTPONLY = True
# Signed out after 30 minutes with no request: a case file left open on an
# unattended screen closes itself. Every request moves the expiry on.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if CONFIG.is_production:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}
