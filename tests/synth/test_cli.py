"""The command as a user types it: options, exit statuses and messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from sightline.synth.cli import main


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: sightline generate")
    for option in ("--children", "--seed", "--out", "--until", "--since", "--jobs"):
        assert option in out


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--children", "-5", "--out", "x"], "--children"),
        (["--children", "0", "--out", "x"], "--children"),
        (["--children", "lots", "--out", "x"], "--children"),
        (["--children", "10"], "--out"),
        (["--out", "x"], "--children"),
        (["--children", "10", "--out", "x", "--until", "31/03/2026"], "--until"),
        (["--children", "10", "--out", "x", "--since", "2026-01-01"], "--since"),
        (["--children", "10", "--out", "x", "--frobnicate"], "--frobnicate"),
        # A window ending in the future would make records ingest rejects as future-dated.
        (["--children", "10", "--out", "x", "--until", "2999-12-31"], "--until"),
    ],
)
def test_bad_usage_exits_2_naming_the_option(
    args: list[str],
    named: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert named in err
    assert "error" in err
    assert not (tmp_path / "x").exists()


def test_out_that_is_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("not a folder")
    assert main(["--children", "5", "--out", str(target)]) == 2
    assert "--out" in capsys.readouterr().err


def test_failure_to_write_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["--children", "5", "--out", str(blocker / "inside"), "--quiet"]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_success_prints_a_summary_and_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sightline.synth.generate as generate

    monkeypatch.setattr(generate, "PROGRESS_EVERY", 100)
    assert main(["--children", "250", "--seed", "3", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "Wrote" in captured.out
    assert "250 children" in captured.out
    assert "100 children" in captured.err  # progress goes to stderr
    assert (tmp_path / "truth" / "manifest.json").exists()


def test_top_level_command_dispatches_generate(tmp_path: Path) -> None:
    from sightline.cli import main as sightline

    assert sightline(["generate", "--children", "20", "--out", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "norfolk-police.jsonl").exists()
