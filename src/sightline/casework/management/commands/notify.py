"""``sightline notify``: push what is new to the people holding each child's case.

Evaluation does this itself after every live run; this command is for a
schedule (every few minutes, say), so records that raise no flag still reach
the worker, and for re-sending after a mail outage.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sightline.casework.notifications import notifications_push, partner_digests_send


class Command(BaseCommand):
    help = "Notify allocated workers and their managers of new flags and new records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digest",
            action="store_true",
            help="also send partner agencies' daily digest (schedule once a day)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["digest"]:
            made = partner_digests_send()
            self.stderr.write(f"partner digests: {made:,}")
        pushed = notifications_push()
        self.stderr.write(
            f"read {pushed.flags:,} new flags and {pushed.records:,} new records: "
            f"{pushed.notifications:,} notifications, {pushed.emails:,} emails"
        )
