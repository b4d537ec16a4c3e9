"""``sightline audit verify``: check the access log's hash chain from its first entry to its last.

Exits 0 when every link holds, 1 naming the first entry where it breaks.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sightline.accounts.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the access log: every entry chained to the one before by its hash."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: check the whole chain")

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit_verify()
        if result.intact:
            self.stderr.write(f"access log intact: {result.entries:,} entries, every link holds")
            return
        self.stderr.write(
            f"access log broken at entry {result.broken_at} "
            f"(entry {result.entries:,} in order): {result.reason}"
        )
        sys.exit(1)
