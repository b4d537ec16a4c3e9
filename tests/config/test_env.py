"""Configuration: read from the environment in one place; production fails fast."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sightline.config.env import ConfigurationError, load

GOOD_SECRET = "x" * 64


def test_defaults_are_a_development_sqlite_database_under_var(tmp_path):
    config = load({"SIGHTLINE_VAR_DIR": str(tmp_path)})
    assert config.env == "development"
    assert config.database_url == f"sqlite:///{tmp_path / 'sightline.sqlite3'}"
    assert config.linkage_engine == "duckdb"
    # A per-checkout key, made once and kept private.
    key_file = tmp_path / "secret_key"
    assert config.secret_key == key_file.read_text()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load({"SIGHTLINE_VAR_DIR": str(tmp_path)}).secret_key == config.secret_key


def test_spark_defaults_suit_two_local_cores_with_checkpoints_under_var(tmp_path):
    config = load({"SIGHTLINE_VAR_DIR": str(tmp_path)})
    assert config.spark_master == "local[2]"
    assert config.spark_driver_memory == "1g"
    assert config.spark_shuffle_partitions == 4
    assert config.spark_checkpoint_dir == tmp_path / "spark"
    assert config.spark_conf == ()


def test_spark_settings_come_from_the_environment(tmp_path):
    config = load(
        {
            "SIGHTLINE_VAR_DIR": str(tmp_path),
            "SIGHTLINE_LINKAGE_ENGINE": "spark",
            "SIGHTLINE_SPARK_MASTER": "spark://cluster:7077",
            "SIGHTLINE_SPARK_DRIVER_MEMORY": "8g",
            "SIGHTLINE_SPARK_SHUFFLE_PARTITIONS": "200",
            "SIGHTLINE_SPARK_CHECKPOINT_DIR": str(tmp_path / "ckpt"),
            "SIGHTLINE_SPARK_CONF": (
                "spark.executor.memory=4g; spark.driver.extraJavaOptions=-Xss4m -Da=b,c"
            ),
        }
    )
    assert config.linkage_engine == "spark"
    assert config.spark_master == "spark://cluster:7077"
    assert config.spark_driver_memory == "8g"
    assert config.spark_shuffle_partitions == 200
    assert config.spark_checkpoint_dir == tmp_path / "ckpt"
    # Values keep their spaces and commas: only semicolons separate settings.
    assert config.spark_conf == (
        ("spark.executor.memory", "4g"),
        ("spark.driver.extraJavaOptions", "-Xss4m -Da=b,c"),
    )


def test_the_duckdb_memory_limit_comes_from_the_environment(tmp_path):
    assert load({"SIGHTLINE_VAR_DIR": str(tmp_path)}).duckdb_memory_limit == "3GB"
    config = load({"SIGHTLINE_VAR_DIR": str(tmp_path), "SIGHTLINE_DUCKDB_MEMORY_LIMIT": "512MB"})
    assert config.duckdb_memory_limit == "512MB"


def test_the_cin_validator_is_the_checkouts_own_environment_unless_set(tmp_path):
    config = load({"SIGHTLINE_VAR_DIR": str(tmp_path)})
    # `make install-cin` puts it beside the Makefile, wherever the command is run from.
    assert config.cin_validator == Path(__file__).resolve().parents[2] / ".venv-cin/bin/python"
    assert config.cin_la_code == "926"
    elsewhere = tmp_path / "cin" / "bin" / "python"
    config = load(
        {
            "SIGHTLINE_VAR_DIR": str(tmp_path),
            "SIGHTLINE_CIN_VALIDATOR": str(elsewhere),
            "SIGHTLINE_CIN_LA_CODE": "887",
        }
    )
    assert (config.cin_validator, config.cin_la_code) == (elsewhere, "887")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SIGHTLINE_ENV": "staging"}, "SIGHTLINE_ENV is 'staging'"),
        (
            {"SIGHTLINE_SPARK_SHUFFLE_PARTITIONS": "0"},
            "SIGHTLINE_SPARK_SHUFFLE_PARTITIONS is '0'",
        ),
        (
            {"SIGHTLINE_SPARK_SHUFFLE_PARTITIONS": "many"},
            "SIGHTLINE_SPARK_SHUFFLE_PARTITIONS is 'many'",
        ),
        (
            {"SIGHTLINE_SPARK_CONF": "spark.executor.memory=4g;spark.oops"},
            "SIGHTLINE_SPARK_CONF has 'spark.oops'",
        ),
        ({"SIGHTLINE_LINKAGE_ENGINE": "pandas"}, "SIGHTLINE_LINKAGE_ENGINE is 'pandas'"),
        (
            {"SIGHTLINE_DUCKDB_MEMORY_LIMIT": "3GB'; DROP TABLE x; --"},
            "SIGHTLINE_DUCKDB_MEMORY_LIMIT is",
        ),
        ({"SIGHTLINE_ENV": "production"}, "SIGHTLINE_SECRET_KEY must be set"),
        (
            {"SIGHTLINE_ENV": "production", "SIGHTLINE_SECRET_KEY": "short"},
            "SIGHTLINE_SECRET_KEY must be set to at least 50",
        ),
        (
            {"SIGHTLINE_ENV": "production", "SIGHTLINE_SECRET_KEY": GOOD_SECRET},
            "DATABASE_URL must be set in production",
        ),
        (
            {
                "SIGHTLINE_ENV": "production",
                "SIGHTLINE_SECRET_KEY": GOOD_SECRET,
                "DATABASE_URL": "postgres://db/sightline",
            },
            "SIGHTLINE_ALLOWED_HOSTS must be set",
        ),
        (
            {
                "SIGHTLINE_ENV": "production",
                "SIGHTLINE_SECRET_KEY": GOOD_SECRET,
                "DATABASE_URL": "postgres://db/sightline",
                "SIGHTLINE_ALLOWED_HOSTS": "sightline.example.org",
                "SIGHTLINE_REQUIRE_TWO_FACTOR": "0",
            },
            "SIGHTLINE_REQUIRE_TWO_FACTOR cannot be switched off in production",
        ),
        ({"SIGHTLINE_REQUIRE_TWO_FACTOR": "maybe"}, "SIGHTLINE_REQUIRE_TWO_FACTOR is 'maybe'"),
        ({"SIGHTLINE_SIGN_IN_FAILURE_LIMIT": "0"}, "SIGHTLINE_SIGN_IN_FAILURE_LIMIT is '0'"),
        ({"SIGHTLINE_CONCERN_RATE_LIMIT": "lots"}, "SIGHTLINE_CONCERN_RATE_LIMIT is 'lots'"),
        ({"SIGHTLINE_CIN_LA_CODE": "Norfolk"}, "SIGHTLINE_CIN_LA_CODE is 'Norfolk'"),
    ],
)
def test_bad_configuration_is_refused_with_the_variable_named(tmp_path, environ, message):
    with pytest.raises(ConfigurationError, match=message):
        load({"SIGHTLINE_VAR_DIR": str(tmp_path), **environ})


def _sightline(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("SIGHTLINE_", "DATABASE_"))}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "sightline.cli", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_its_secret(tmp_path):
    result = _sightline(
        ["check"], {"SIGHTLINE_ENV": "production", "SIGHTLINE_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 2
    assert "configuration error: SIGHTLINE_SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    env = {
        "SIGHTLINE_ENV": "production",
        "SIGHTLINE_SECRET_KEY": "k3y-" + "Zq8vN2xR5tLw9pYb" * 4,
        "DATABASE_URL": f"sqlite:///{Path(tmp_path) / 'db.sqlite3'}",
        "SIGHTLINE_ALLOWED_HOSTS": "sightline.example.org",
        "SIGHTLINE_VAR_DIR": str(tmp_path),
    }
    result = _sightline(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stderr + result.stdout
    # Clean, and not by silencing: no check is switched off.
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_two_factor_is_on_everywhere_but_the_test_environment(tmp_path):
    on = {"SIGHTLINE_VAR_DIR": str(tmp_path)}
    assert load(on).require_two_factor
    assert load({**on, "SIGHTLINE_ENV": "demo"}).require_two_factor
    assert not load({**on, "SIGHTLINE_ENV": "test"}).require_two_factor
    assert load(
        {**on, "SIGHTLINE_ENV": "test", "SIGHTLINE_REQUIRE_TWO_FACTOR": "1"}
    ).require_two_factor
    assert not load({**on, "SIGHTLINE_REQUIRE_TWO_FACTOR": "0"}).require_two_factor


def test_production_refuses_to_start_with_two_factor_off(tmp_path):
    env = {
        "SIGHTLINE_ENV": "production",
        "SIGHTLINE_SECRET_KEY": "k3y-" + "Zq8vN2xR5tLw9pYb" * 4,
        "DATABASE_URL": f"sqlite:///{Path(tmp_path) / 'db.sqlite3'}",
        "SIGHTLINE_ALLOWED_HOSTS": "sightline.example.org",
        "SIGHTLINE_VAR_DIR": str(tmp_path),
        "SIGHTLINE_REQUIRE_TWO_FACTOR": "0",
    }
    result = _sightline(["check"], env)
    assert result.returncode == 2
    assert "SIGHTLINE_REQUIRE_TWO_FACTOR cannot be switched off in production" in result.stderr


# --- the retention schedule (docs/retention.md) ---------------------------------------


def test_retention_defaults_come_with_every_class_and_a_change_is_taken(tmp_path):
    from sightline.feeds.retention_policy import CLASS_NAMES

    defaults = dict(load({"SIGHTLINE_VAR_DIR": str(tmp_path)}).retention)
    assert set(defaults) == set(CLASS_NAMES)
    assert defaults["health"].text == "26 years"
    changed = dict(
        load(
            {
                "SIGHTLINE_VAR_DIR": str(tmp_path),
                "SIGHTLINE_RETENTION": '{"notifications": "18 months", "health": "1 year"}',
            }
        ).retention
    )
    assert changed["notifications"].text == "18 months"
    assert changed["health"].text == "1 year"
    assert changed["education"] == defaults["education"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"helth": "25 years"}', "names a class 'helth' that does not exist: the classes are"),
        ('{"health": "25 yrs"}', "class 'health': '25 yrs' is not a period"),
        ('{"health": "0 days"}', "class 'health': '0 days' is no time at all"),
        ('{"health": 25}', "class 'health': the period must be text such as '25 years'"),
        ('["health"]', "must be a JSON object from class to period"),
        ("{health: 25 years}", "is not JSON"),
    ],
)
def test_a_retention_setting_that_cannot_be_used_names_the_class_and_the_reason(
    tmp_path, value, message
):
    with pytest.raises(ConfigurationError) as err:
        load({"SIGHTLINE_VAR_DIR": str(tmp_path), "SIGHTLINE_RETENTION": value})
    assert str(err.value).startswith("SIGHTLINE_RETENTION ")
    assert message in str(err.value)


def test_sightline_will_not_start_with_an_unusable_retention_setting(tmp_path):
    result = _sightline(
        ["retention", "run", "--dry-run"],
        {"SIGHTLINE_VAR_DIR": str(tmp_path), "SIGHTLINE_RETENTION": '{"quarantine": "soon"}'},
    )
    assert result.returncode == 2
    assert "configuration error: SIGHTLINE_RETENTION class 'quarantine': 'soon'" in result.stderr
    assert "Traceback" not in result.stderr
