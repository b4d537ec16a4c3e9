"""Every environment variable Sightline reads is read here, and only here.

Reading configuration in one place means a reviewer can see at a glance what a
deployment can change, and production can refuse to start when a secret is
missing instead of quietly falling back to a development default.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sightline.feeds.retention_policy import Period, RetentionConfigError, retention_periods

ENVIRONMENTS = ("demo", "development", "test", "production")
ENGINES = ("duckdb", "spark")
# The feed v1 limit on one line (as sightline.feeds.reader has it; this module
# imports nothing of Sightline's, so that configuration loads before Django).
MAX_LINE_BYTES = 1024 * 1024
# The checkout (this file is three levels down): where `make install-cin` puts .venv-cin/.
PROJECT_DIR = Path(__file__).resolve().parents[3]


class ConfigurationError(RuntimeError):
    """Raised at start-up when the environment cannot describe a working service."""


@dataclass(frozen=True)
class Config:
    env: str
    database_url: str
    secret_key: str
    allowed_hosts: tuple[str, ...]
    linkage_engine: str
    var_dir: Path
    debug: bool
    # Spark, read only when linkage_engine is "spark" (see docs/linkage.md).
    spark_master: str = "local[2]"
    spark_driver_memory: str = "1g"
    spark_shuffle_partitions: int = 4
    spark_checkpoint_dir: Path | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()
    # DuckDB's memory ceiling for a linkage run; past it DuckDB spills to disk.
    duckdb_memory_limit: str = "3GB"
    indicator_config: Path | None = None
    # Where links in notification emails point: the address staff sign in at.
    site_url: str = "http://127.0.0.1:8000"
    # SMTP (GOV.UK Notify's SMTP relay, or the council's) in production; the
    # console elsewhere, so a demo never emails anyone.
    email_backend: str = "django.core.mail.backends.console.EmailBackend"
    email_from: str = "sightline@localhost"
    # How long break-glass access lasts: long enough for one emergency (an
    # out-of-hours call, a strategy discussion that afternoon), short enough that
    # it ends within the shift it was asked for in. Asking again is a new reason
    # on record and a new report to managers.
    break_glass_hours: int = 4
    # The partner API (sightline.api): the largest body one POST may send, and
    # how many requests one token may make in a period ("60/min").
    api_max_body_bytes: int = 32 * 1024 * 1024
    api_rate_limit: str = "60/min"
    # Staff confirm each sign-in with a code from an authenticator app (TOTP).
    # Always on in production; off by default only in the test environment.
    require_two_factor: bool = True
    # Sign-in throttling (django-axes): failed attempts for one username from one
    # address before sign-in is paused, and for how long.
    sign_in_failure_limit: int = 5
    sign_in_cool_off_minutes: int = 15
    # Reports of concern accepted from one address in an hour (the public form).
    concern_rate_limit: int = 10
    # Each record class's retention period: the defaults, with SIGHTLINE_RETENTION's changes.
    retention: tuple[tuple[str, Period], ...] = ()
    # The DfE Children in Need census: the python of the validator's own environment
    # (`make install-cin`; it pins pandas below 2), and the local authority's
    # three-digit code for the return's header (926 is Norfolk, the demo's borough).
    cin_validator: Path = Path(".venv-cin/bin/python")
    cin_la_code: str = "926"

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def load(environ: dict[str, str] | None = None) -> Config:
    """Build the configuration from the environment, failing fast on anything unusable."""
    e = dict(os.environ if environ is None else environ)
    env = e.get("SIGHTLINE_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigurationError(
            f"SIGHTLINE_ENV is {env!r}: it must be one of {', '.join(ENVIRONMENTS)}"
        )
    engine = e.get("SIGHTLINE_LINKAGE_ENGINE", "duckdb")
    if engine not in ENGINES:
        raise ConfigurationError(
            f"SIGHTLINE_LINKAGE_ENGINE is {engine!r}: it must be one of {', '.join(ENGINES)}"
        )
    var_dir = Path(e.get("SIGHTLINE_VAR_DIR") or Path.cwd() / "var").resolve()
    database_url = e.get("DATABASE_URL", "")
    secret_key = e.get("SIGHTLINE_SECRET_KEY", "")
    if env == "production":
        if not secret_key or len(secret_key) < 50:
            raise ConfigurationError(
                "SIGHTLINE_SECRET_KEY must be set to at least 50 random characters in production"
            )
        if not database_url:
            raise ConfigurationError("DATABASE_URL must be set in production")
        if not e.get("SIGHTLINE_ALLOWED_HOSTS"):
            raise ConfigurationError("SIGHTLINE_ALLOWED_HOSTS must be set in production")
    if not secret_key:
        # A per-checkout key, never shared: a development key that also worked in
        # production would be an insecure default.
        secret_key = _local_secret(var_dir)
    if not database_url:
        database_url = f"sqlite:///{var_dir / 'sightline.sqlite3'}"
    hosts = tuple(
        h.strip()
        for h in e.get("SIGHTLINE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
        if h.strip()
    )
    spark_partitions = e.get("SIGHTLINE_SPARK_SHUFFLE_PARTITIONS", "4")
    if not spark_partitions.isdigit() or int(spark_partitions) < 1:
        raise ConfigurationError(
            f"SIGHTLINE_SPARK_SHUFFLE_PARTITIONS is {spark_partitions!r}: "
            "it must be a whole number of 1 or more"
        )
    memory_limit = e.get("SIGHTLINE_DUCKDB_MEMORY_LIMIT") or "3GB"
    # Checked strictly: the value goes into a DuckDB SET statement.
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", memory_limit, re.I):
        raise ConfigurationError(
            f"SIGHTLINE_DUCKDB_MEMORY_LIMIT is {memory_limit!r}: "
            "it must be an amount such as 3GB or 512MB"
        )
    break_glass_hours = e.get("SIGHTLINE_BREAK_GLASS_HOURS") or "4"
    if not break_glass_hours.isdigit() or not 1 <= int(break_glass_hours) <= 24:
        raise ConfigurationError(
            f"SIGHTLINE_BREAK_GLASS_HOURS is {break_glass_hours!r}: "
            "it must be a whole number of hours from 1 to 24"
        )
    api_max_body = e.get("SIGHTLINE_API_MAX_BODY_BYTES") or str(Config.api_max_body_bytes)
    if not api_max_body.isdigit() or int(api_max_body) < MAX_LINE_BYTES:
        raise ConfigurationError(
            f"SIGHTLINE_API_MAX_BODY_BYTES is {api_max_body!r}: it must be a whole number of"
            f" bytes, at least {MAX_LINE_BYTES} (one feed line may be 1 MiB)"
        )
    api_rate = e.get("SIGHTLINE_API_RATE_LIMIT") or Config.api_rate_limit
    if not re.fullmatch(r"[1-9]\d*/(s|sec|m|min|h|hour|d|day)", api_rate):
        raise ConfigurationError(
            f"SIGHTLINE_API_RATE_LIMIT is {api_rate!r}: it must be requests per period,"
            " such as 60/min, 5/s or 1000/hour"
        )
    require_two_factor = _flag(e, "SIGHTLINE_REQUIRE_TWO_FACTOR", default=env != "test")
    if env == "production" and not require_two_factor:
        raise ConfigurationError(
            "SIGHTLINE_REQUIRE_TWO_FACTOR cannot be switched off in production: staff sign in"
            " with a password and a code from an authenticator app"
        )
    try:
        retention = retention_periods(e.get("SIGHTLINE_RETENTION", ""))
    except RetentionConfigError as exc:
        raise ConfigurationError(f"SIGHTLINE_RETENTION {exc}") from exc
    return Config(
        env=env,
        database_url=database_url,
        secret_key=secret_key,
        allowed_hosts=hosts,
        linkage_engine=engine,
        var_dir=var_dir,
        debug=env == "development" and e.get("SIGHTLINE_DEBUG", "0") == "1",
        spark_master=e.get("SIGHTLINE_SPARK_MASTER") or "local[2]",
        spark_driver_memory=e.get("SIGHTLINE_SPARK_DRIVER_MEMORY") or "1g",
        spark_shuffle_partitions=int(spark_partitions),
        spark_checkpoint_dir=Path(
            e.get("SIGHTLINE_SPARK_CHECKPOINT_DIR") or var_dir / "spark"
        ).resolve(),
        spark_conf=_spark_conf(e.get("SIGHTLINE_SPARK_CONF", "")),
        duckdb_memory_limit=memory_limit,
        indicator_config=Path(e["SIGHTLINE_INDICATOR_CONFIG"])
        if e.get("SIGHTLINE_INDICATOR_CONFIG")
        else None,
        site_url=(e.get("SIGHTLINE_SITE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        email_backend=e.get("SIGHTLINE_EMAIL_BACKEND")
        or (
            "django.core.mail.backends.smtp.EmailBackend"
            if env == "production"
            else "django.core.mail.backends.console.EmailBackend"
        ),
        email_from=e.get("SIGHTLINE_EMAIL_FROM") or "sightline@localhost",
        break_glass_hours=int(break_glass_hours),
        api_max_body_bytes=int(api_max_body),
        api_rate_limit=api_rate,
        require_two_factor=require_two_factor,
        sign_in_failure_limit=_whole(e, "SIGHTLINE_SIGN_IN_FAILURE_LIMIT", 5),
        sign_in_cool_off_minutes=_whole(e, "SIGHTLINE_SIGN_IN_COOL_OFF_MINUTES", 15),
        concern_rate_limit=_whole(e, "SIGHTLINE_CONCERN_RATE_LIMIT", 10),
        retention=tuple(retention.items()),
        cin_validator=Path(
            e.get("SIGHTLINE_CIN_VALIDATOR") or PROJECT_DIR / ".venv-cin/bin/python"
        ),
        cin_la_code=_la_code(e.get("SIGHTLINE_CIN_LA_CODE") or "926"),
    )


def _la_code(value: str) -> str:
    if not re.fullmatch(r"[0-9]{3}", value.strip()):
        raise ConfigurationError(
            f"SIGHTLINE_CIN_LA_CODE is {value!r}: it must be the local authority's three-digit"
            " code, as the DfE's returns use (926 for Norfolk)"
        )
    return value.strip()


def _flag(e: dict[str, str], name: str, *, default: bool) -> bool:
    """A yes/no setting: 1/true/yes or 0/false/no, anything else refused."""
    value = e.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} is {e[name]!r}: it must be 1 (on) or 0 (off)")


def _whole(e: dict[str, str], name: str, default: int) -> int:
    """A whole number of 1 or more."""
    value = e.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ConfigurationError(f"{name} is {e[name]!r}: it must be a whole number of 1 or more")
    return int(value)


def _spark_conf(text: str) -> tuple[tuple[str, str], ...]:
    """Extra Spark settings as ``key=value`` pairs separated by semicolons.

    Semicolons, not commas or spaces, because Spark values hold both (a list of
    jars, JVM options).
    """
    pairs = []
    for item in text.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(
                f"SIGHTLINE_SPARK_CONF has {item.strip()!r}: each setting must be key=value, "
                "settings separated by semicolons"
            )
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _local_secret(var_dir: Path) -> str:
    import secrets

    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(64)
        path.write_text(key)
        path.chmod(0o600)
        return key
