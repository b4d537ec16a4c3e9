"""``sightline tokens create|list|revoke|rotate``: agency API tokens from the command line.

``create`` and ``rotate`` print the new token on standard output, once: only its
hash is kept, so it can never be shown again. Everything else goes to standard
error. Exits 0 on success, 1 when the work failed (no such token, a token that
cannot be rotated), 2 when used wrongly (unknown agency, bad arguments).
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sightline.api.models import ApiToken
from sightline.api.selectors import token_get, tokens_list
from sightline.api.services import (
    ROTATION_OVERLAP,
    IssuedToken,
    TokenError,
    token_create,
    token_revoke,
    token_rotate,
)
from sightline.feeds.models import Agency


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def token_row(token: ApiToken, now: dt.datetime) -> dict[str, Any]:
    return {
        "id": token.pk,
        "agency": token.agency.code,
        "name": token.name,
        "prefix": f"sl_{token.prefix}",
        "status": token.status(now),
        "created_at": _when(token.created_at),
        "created_by": token.created_by,
        "last_used_at": _when(token.last_used_at),
        "expires_at": _when(token.expires_at),
        "revoked_at": _when(token.revoked_at),
        "replaced_by": token.replaced_by_id,
    }


class Command(BaseCommand):
    help = (
        "Agency API tokens for POST /api/v1/feeds. 'create --agency CODE --name NAME' and"
        " 'rotate ID' print the new token once on standard output (only its hash is kept);"
        " 'list' shows every token; 'revoke ID' stops one at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = sub.add_parser("create", help="make a token for an agency; prints it once")
        create.add_argument("--agency", required=True, metavar="CODE", help="the agency's code")
        create.add_argument("--name", required=True, help="what it is for: the sending system")
        create.add_argument(
            "--expires-in-days", type=int, metavar="N", help="stop working after N days"
        )
        lister = sub.add_parser("list", help="every token, newest first within each agency")
        lister.add_argument("--format", choices=["text", "jsonl"], default="text")
        revoke = sub.add_parser("revoke", help="stop a token working, now")
        revoke.add_argument("id", type=int, metavar="ID")
        rotate = sub.add_parser(
            "rotate", help="replace a token with a new one; prints the new one once"
        )
        rotate.add_argument("id", type=int, metavar="ID")
        hours = int(ROTATION_OVERLAP.total_seconds() // 3600)
        rotate.add_argument(
            "--overlap-hours",
            type=int,
            default=hours,
            metavar="H",
            help=f"how long the old token keeps working (default {hours}; 0 revokes it now)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                self._create(options)
            elif action == "list":
                self._list(options["format"])
            elif action == "revoke":
                token = token_revoke(token=self._token(options["id"]))
                self.stderr.write(f"token {token.pk} (sl_{token.prefix}) revoked")
            else:
                if options["overlap_hours"] < 0:
                    raise CommandError("--overlap-hours must be 0 or more", returncode=2)
                issued = token_rotate(
                    token=self._token(options["id"]),
                    overlap=dt.timedelta(hours=options["overlap_hours"]),
                )
                self._issued(issued, f"rotated from token {options['id']}")
        except TokenError as exc:
            raise CommandError(str(exc)) from None

    def _token(self, token_id: int) -> ApiToken:
        token = token_get(token_id=token_id)
        if token is None:
            raise CommandError(f"no API token with id {token_id} ('sightline tokens list')")
        return token

    def _create(self, options: dict[str, Any]) -> None:
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(
                f"--agency: no agency with code {options['agency']!r}; agencies are known"
                " once a feed from them is ingested",
                returncode=2,
            )
        days = options["expires_in_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-in-days must be 1 or more", returncode=2)
        expires = timezone.now() + dt.timedelta(days=days) if days else None
        issued = token_create(agency=agency, name=options["name"], expires_at=expires)
        self._issued(issued, "created")

    def _issued(self, issued: IssuedToken, what: str) -> None:
        token = issued.token
        self.stdout.write(issued.secret)
        self.stdout.flush()
        self.stderr.write(
            f"token {token.pk} for {token.agency.code} ({token.name}) {what}. It is shown"
            " this once: give it to the sending system now."
        )

    def _list(self, fmt: str) -> None:
        now = timezone.now()
        rows = [token_row(t, now) for t in tokens_list()]
        if fmt == "jsonl":
            for row in rows:
                self.stdout.write(orjson.dumps(row).decode())
            return
        for r in rows:
            used = r["last_used_at"] or "never used"
            self.stdout.write(
                f"{r['id']}\t{r['agency']}\t{r['prefix']}\t{r['status']}\t{r['name']}\t{used}"
            )
        if not rows:
            sys.stderr.write("no API tokens yet ('sightline tokens create')\n")
