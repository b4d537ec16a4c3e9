"""``sightline users reset-2fa USERNAME --reason TEXT``: for a lost or replaced phone.

Removes the person's authenticator app; at their next sign-in they set up a
new one. The reset is written to the account events with the reason and who
ran it (the operating-system account, as the command has no signed-in user).
"""

from __future__ import annotations

import getpass
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sightline.accounts.two_factor import TwoFactorError, two_factor_reset


class Command(BaseCommand):
    help = "Manage staff accounts: reset-2fa removes someone's authenticator app."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        reset = sub.add_parser(
            "reset-2fa",
            help="remove USERNAME's authenticator app; they set up a new one at next sign-in",
        )
        reset.add_argument("username")
        reset.add_argument(
            "--reason",
            required=True,
            help="why, for the record (for example: phone lost, ticket 1234)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = f"command line: {getpass.getuser()}@{socket.gethostname()}"
        try:
            done = two_factor_reset(username=options["username"], by=by, reason=options["reason"])
        except TwoFactorError as exc:
            raise CommandError(str(exc)) from None
        what = "removed their authenticator app" if done.removed else "they had none set up"
        self.stderr.write(
            f"two-factor sign-in reset for {done.username}: {what}; they set it up again"
            " at their next sign-in"
        )
