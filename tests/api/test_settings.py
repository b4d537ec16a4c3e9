"""The API's two limits come from the environment, checked when Sightline starts."""

from __future__ import annotations

import pytest

from sightline.config.env import ConfigurationError, load


def test_the_api_limits_have_defaults(tmp_path):
    config = load({"SIGHTLINE_VAR_DIR": str(tmp_path)})
    assert config.api_max_body_bytes == 32 * 1024 * 1024
    assert config.api_rate_limit == "60/min"


def test_the_api_limits_come_from_the_environment(tmp_path):
    config = load(
        {
            "SIGHTLINE_VAR_DIR": str(tmp_path),
            "SIGHTLINE_API_MAX_BODY_BYTES": "2000000",
            "SIGHTLINE_API_RATE_LIMIT": "10/s",
        }
    )
    assert (config.api_max_body_bytes, config.api_rate_limit) == (2_000_000, "10/s")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SIGHTLINE_API_MAX_BODY_BYTES", "lots"),
        ("SIGHTLINE_API_MAX_BODY_BYTES", "1000"),  # under one feed line's 1 MiB
        ("SIGHTLINE_API_RATE_LIMIT", "fast"),
        ("SIGHTLINE_API_RATE_LIMIT", "0/min"),
        ("SIGHTLINE_API_RATE_LIMIT", "60/fortnight"),
    ],
)
def test_bad_limits_are_refused_naming_the_variable(tmp_path, variable, value):
    with pytest.raises(ConfigurationError, match=variable):
        load({"SIGHTLINE_VAR_DIR": str(tmp_path), variable: value})
