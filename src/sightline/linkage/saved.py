"""The identity variants of the last full run, kept on disk for incremental runs.

An Arrow IPC file per run under ``$SIGHTLINE_VAR_DIR/linkage``: the full run's,
then one per incremental run after it. Memory-mapped on reading, so an
incremental run over a million existing variants starts in milliseconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from sightline.linkage.models import LinkRun
from sightline.linkage.scoring import variants_table

FULL_FILE = "variants-full.arrow"
# Metadata keys in each saved file: the full run it belongs to, and the largest
# subject record id it has seen (records above it are new to it).
RUN_KEY = b"sightline_full_run"
WATERMARK_KEY = b"sightline_watermark"


def variants_dir() -> Path:
    return Path(settings.SIGHTLINE_VAR_DIR) / "linkage"


def variants_save_full(*, run: LinkRun, cols: dict[str, list[Any]], watermark: int) -> Path:
    """Keep a full run's variants for later incremental runs, replacing every older file."""
    folder = variants_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("variants-*.arrow"):
        old.unlink()
    return variants_write(
        folder / FULL_FILE, variants_table(cols), run_id=run.pk, watermark=watermark
    )


def variants_write(path: Path, table: Any, *, run_id: int, watermark: int) -> Path:
    import pyarrow as pa  # type: ignore[import-untyped]

    table = table.replace_schema_metadata(
        {RUN_KEY: str(run_id).encode(), WATERMARK_KEY: str(watermark).encode()}
    )
    tmp = path.with_suffix(".tmp")
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    tmp.replace(path)  # a reader never sees half a file
    return path


def variants_saved(run_id: int) -> tuple[Any, int] | None:
    """The saved variants of full run ``run_id`` and every increment since, and the watermark."""
    import pyarrow as pa

    folder = variants_dir()
    if not (folder / FULL_FILE).is_file():
        return None
    tables, watermark = [], 0
    for path in sorted(folder.glob("variants-*.arrow")):
        table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
        meta = table.schema.metadata or {}
        if meta.get(RUN_KEY) != str(run_id).encode():
            return None  # left by another full run (or another database)
        watermark = max(watermark, int(meta.get(WATERMARK_KEY, b"0")))
        tables.append(table.replace_schema_metadata(None))
    return pa.concat_tables(tables), watermark
