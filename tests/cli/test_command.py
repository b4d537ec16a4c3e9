"""The ``sightline`` command's own behaviour: help, wrong use, exit codes."""

from __future__ import annotations

import pytest


def test_help_lists_every_sightline_command(cli):
    result = cli("--help")
    assert result.code == 0
    for name in ("demo", "serve", "generate", "ingest", "quarantine", "export"):
        assert f"  {name}" in result.out


def test_no_command_is_wrong_use(cli):
    assert cli().code == 2


@pytest.mark.django_db
def test_an_unknown_command_is_wrong_use_and_says_so(cli):
    result = cli("frobnicate")
    assert result.code == 2
    assert "unknown command 'frobnicate'" in result.err


@pytest.mark.parametrize("command", ["ingest", "quarantine", "export"])
def test_each_command_has_help(cli, command):
    result = cli(command, "--help")
    assert result.code == 0
    assert "usage:" in result.out


@pytest.mark.django_db
def test_ingest_without_files_is_wrong_use(cli):
    result = cli("ingest")
    assert result.code == 2
    assert "the following arguments are required: FILE" in result.err


def test_djangos_own_app_commands_still_pass_through(cli):
    result = cli("changepassword", "--help")
    assert result.code == 0
    assert "usage:" in result.out
