"""Push, not pull: tell the people holding a child's case when something new arrives.

:func:`notifications_push` reads what is new since its last pass (live flags,
records from agencies) and notifies each allocated worker and their team's
manager, once a thing, in the application and by email. It runs after every
evaluation and can be run on its own (``sightline notify``). Emails carry no
case details: only that there is something to see, and where.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from sightline.casework.models import Allocation, Notification, NotificationMark
from sightline.feeds.models import SubjectRecord
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import AgencyPerson, Person

EMAIL_SUBJECTS = {
    Notification.Kind.NEW_FLAG: "Sightline: a new flag about a child you work with",
    Notification.Kind.NEW_RECORD: "Sightline: new information about a child you work with",
    Notification.Kind.ESCALATION: "Sightline: a suspect flag has not been acknowledged",
    Notification.Kind.DIGEST: "Sightline: what changed for the children you work with",
    Notification.Kind.BREAK_GLASS: "Sightline: someone used break-glass access",
    Notification.Kind.OVERDUE_ACTION: "Sightline: an action from a case review is overdue",
}


@dataclass
class PushResult:
    flags: int = 0
    records: int = 0
    notifications: int = 0
    emails: int = 0
    escalations: int = 0


def holders_of(person_ids: Iterable[int], *, on: dt.date) -> dict[int, list[Any]]:
    """For each child, the users holding the case on ``on``: the worker, then the manager."""
    found: dict[int, list[Any]] = defaultdict(list)
    allocations = Allocation.objects.filter(
        person_id__in=set(person_ids), started_on__lte=on
    ).exclude(ended_on__lt=on)
    for a in allocations.select_related("worker__staff__agency", "team__manager__staff__agency"):
        for user in (a.worker, a.team.manager):
            if user is not None and user.is_active and user not in found[a.person_id]:
                found[a.person_id].append(user)
    return found


def _mark(name: str) -> tuple[NotificationMark, bool]:
    """The pass's bookmark, locked for this pass; True when this is the first pass ever."""
    mark, created = NotificationMark.objects.select_for_update().get_or_create(name=name)
    return mark, created


def _new(
    user: Any, *, kind: str, key: str, title: str, body: str, person_id: int | None
) -> Notification | None:
    """One notification, unless this user was already told about this subject."""
    note, created = Notification.objects.get_or_create(
        recipient=user,
        subject_key=key,
        defaults={
            "kind": kind,
            "person_id": person_id,
            "title": title,
            "body": body,
            "created_at": timezone.now(),
        },
    )
    return note if created else None


def notifications_push(
    *, today: dt.date | None = None, now: dt.datetime | None = None
) -> PushResult:
    """Notify the holders of each child about live flags and records new since the last pass,
    and escalate to managers the suspect flags nobody acknowledged within one working day."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    result = PushResult()
    created: list[Notification] = []
    with transaction.atomic():
        flags_mark, _ = _mark("flags")
        flags = list(
            Flag.objects.filter(scenario=LIVE, met=True, pk__gt=flags_mark.last_id).order_by("pk")
        )
        records_mark, first = _mark("records")
        top = SubjectRecord.objects.aggregate(top=Max("source_record_id"))["top"] or 0
        # The first pass starts from now: every record ever received is not news,
        # and reading them all would be a population scan. Flags are different:
        # only children with an allocated worker are notified, and an open flag
        # the worker has not been told of is news whenever it was raised.
        named = _records_by_person(after=top if first else records_mark.last_id, upto=top)
        holders = holders_of({f.person_id for f in flags} | set(named), on=today)
        for flag in flags:
            for user in holders.get(flag.person_id, []):
                note = _new(
                    user,
                    kind=Notification.Kind.NEW_FLAG,
                    key=f"flag:{flag.pk}",
                    title=f"New {flag.level} flag: {flag.title}",
                    body=flag.explanation,
                    person_id=flag.person_id,
                )
                created += [note] if note else []
        for person_id, by_agency in named.items():
            for user in holders.get(person_id, []):
                own = getattr(getattr(user, "staff", None), "agency", None)
                others = {a: n for a, n in by_agency.items() if own is None or a != own.code}
                if not others:
                    continue  # their own agency's records are news to nobody there
                count = sum(others.values())
                agencies = ", ".join(sorted(others))
                note = _new(
                    user,
                    kind=Notification.Kind.NEW_RECORD,
                    key=f"records:{person_id}:{top}",
                    title=f"{count} new record{'s' if count != 1 else ''} from {agencies}",
                    body="",
                    person_id=person_id,
                )
                created += [note] if note else []
        if flags:
            flags_mark.last_id = flags[-1].pk
            flags_mark.save(update_fields=["last_id"])
        records_mark.last_id = top
        records_mark.save(update_fields=["last_id"])
        escalated = _escalations(now=now, today=today)
        created += escalated
    result.flags, result.records = len(flags), sum(sum(v.values()) for v in named.values())
    result.notifications = len(created)
    result.escalations = len(escalated)
    result.emails = _email(created)
    return result


def _escalations(*, now: dt.datetime, today: dt.date) -> list[Notification]:
    """Suspect flags still new a working day after they were raised, to the managers.

    The deadline is the MASH's one working day (``timescales.working_day_deadline``):
    a suspect flag is at least as urgent as a contact. The manager of the
    child's allocated team is told; for a child nobody holds, the MASH's managers.
    """
    from sightline.accounts.models import Role, StaffProfile, Team
    from sightline.casework.timescales import is_overdue, working_day_deadline

    waiting = [
        f
        for f in Flag.objects.filter(
            scenario=LIVE, met=True, level="suspect", status=Flag.Status.NEW
        ).order_by("pk")
        if is_overdue(working_day_deadline(f.waiting_since), at=now)
    ]
    if not waiting:
        return []
    holders = holders_of({f.person_id for f in waiting}, on=today)
    mash_managers = [
        s.user
        for s in StaffProfile.objects.filter(
            role=Role.TEAM_MANAGER, team__kind=Team.Kind.MASH, user__is_active=True
        ).select_related("user")
    ]
    made = []
    for flag in waiting:
        held = holders.get(flag.person_id, [])
        managers = [u for u in held if _is_manager(u)] or ([] if held else mash_managers)
        for user in managers:
            note = _new(
                user,
                kind=Notification.Kind.ESCALATION,
                key=f"escalation:{flag.pk}",
                title=f"Not acknowledged within a working day: {flag.title}",
                body=flag.explanation,
                person_id=flag.person_id,
            )
            made += [note] if note else []
    return made


def break_glass_notify(*, grant: Any) -> list[Notification]:
    """Tell the managers about a break-glass grant: whose team asked, and whose child it is.

    The requester's team manager and the manager of the child's allocated team
    are told; when neither is anyone but the requester (a child nobody holds,
    an id that is no child's, a manager with nobody above), the MASH's managers
    are, so that every grant reaches someone who did not make it.
    """
    from sightline.accounts.models import Role, StaffProfile, Team

    requester = grant.user
    staff = getattr(requester, "staff", None)
    recipients: list[Any] = []
    team = staff.team if staff is not None else None
    if team is not None and team.manager is not None:
        recipients.append(team.manager)
    if grant.person_id is not None:
        held = holders_of([grant.person_id], on=timezone.localdate(grant.granted_at))
        recipients += [u for u in held.get(grant.person_id, []) if _is_manager(u)]
    recipients = [u for u in dict.fromkeys(recipients) if u.is_active and u.pk != requester.pk]
    if not recipients:
        recipients = [
            s.user
            for s in StaffProfile.objects.filter(
                role=Role.TEAM_MANAGER, team__kind=Team.Kind.MASH, user__is_active=True
            )
            .exclude(user=requester)
            .select_related("user")
        ]
    who = requester.get_full_name() or requester.get_username()
    made = []
    for user in recipients:
        note = _new(
            user,
            kind=Notification.Kind.BREAK_GLASS,
            key=f"break-glass:{grant.pk}",
            title=f"{who} used break-glass access to {grant.public_id}",
            body=(
                f"Reason given: {grant.reason}\n"
                f"Until {timezone.localtime(grant.expires_at):%d %B %Y %H:%M}"
            ),
            person_id=grant.person_id,
        )
        made += [note] if note else []
    _email(made)
    return made


def notifications_raise(
    *, recipients: Iterable[Any], kind: str, key: str, title: str, body: str = ""
) -> list[Notification]:
    """Tell each recipient once about a thing that is about no child, in the application and
    by email; those already told about ``key`` are not told again. Returns those made."""
    made = []
    for user in dict.fromkeys(recipients):
        if not user.is_active:
            continue
        note = _new(user, kind=kind, key=key, title=title, body=body, person_id=None)
        made += [note] if note else []
    _email(made)
    return made


def _is_manager(user: Any) -> bool:
    from sightline.accounts.models import Role

    staff = getattr(user, "staff", None)
    return staff is not None and staff.role == Role.TEAM_MANAGER


def _records_by_person(*, after: int, upto: int) -> dict[int, dict[str, int]]:
    """Records received in (after, upto], counted by the person they name and their agency."""
    found: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if upto <= after:
        return found
    rows = (
        SubjectRecord.objects.filter(source_record_id__gt=after, source_record_id__lte=upto)
        .values_list("agency_id", "local_id", "source_record_id", "agency__code")
        .distinct()
    )
    keys = {(a, lid) for a, lid, _, _ in rows}
    people = {
        (a, lid): pk
        for a, lid, pk in AgencyPerson.objects.filter(
            local_id__in={lid for _, lid in keys}, person__isnull=False
        ).values_list("agency_id", "local_id", "person_id")
        if (a, lid) in keys
    }
    seen: set[tuple[int, int]] = set()
    for a, lid, record_id, code in rows:
        pk = people.get((a, lid))
        if pk is not None and (pk, record_id) not in seen:
            seen.add((pk, record_id))
            found[pk][code] += 1
    return found


def _email(notes: Iterable[Notification]) -> int:
    """Email each notification's recipient, if they have an address; no case details in it."""
    sent = 0
    for note in notes:
        address = note.recipient.email
        if not address:
            continue
        send_mail(
            subject=EMAIL_SUBJECTS[Notification.Kind(note.kind)],
            message=(
                "There is something new for you in Sightline: "
                f"{note.get_kind_display().lower()}.\n\n"
                f"Sign in to see it: {settings.SIGHTLINE_SITE_URL}/notifications\n\n"
                "This email does not say which child it is about, because email can be "
                "read outside the partnership."
            ),
            from_email=None,
            recipient_list=[address],
        )
        note.emailed_at = timezone.now()
        note.save(update_fields=["emailed_at"])
        sent += 1
    return sent


def notifications_unread(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def partner_digests_send(*, now: dt.datetime | None = None) -> int:
    """Each partner practitioner's daily digest: what changed in the last day for their children.

    "Their children" are those their own agency holds records about. What
    changed: new live flags, and records from other agencies. One digest a
    practitioner a day, and none when nothing changed. Returns how many were made.
    """
    from sightline.accounts.models import Role, StaffProfile

    now = now or timezone.now()
    since = now - dt.timedelta(days=1)
    flags_by_person: dict[int, list[str]] = defaultdict(list)
    for person_id, title in Flag.objects.filter(
        scenario=LIVE, met=True, created_at__gt=since, created_at__lte=now
    ).values_list("person_id", "title"):
        flags_by_person[person_id].append(title)
    recent = SubjectRecord.objects.filter(
        source_record__received_at__gt=since, source_record__received_at__lte=now
    )
    first, last = _id_range(recent)
    records = _records_by_person(after=first - 1, upto=last) if last else {}
    changed = set(flags_by_person) | set(records)
    if not changed:
        return 0
    made: list[Notification] = []
    partners = StaffProfile.objects.filter(
        role=Role.PARTNER, agency__isnull=False, user__is_active=True
    ).select_related("user", "agency")
    public = dict(Person.objects.filter(pk__in=changed).values_list("pk", "public_id"))
    for staff in partners:
        assert staff.agency is not None  # filtered on above
        theirs = set(
            AgencyPerson.objects.filter(agency=staff.agency, person_id__in=changed).values_list(
                "person_id", flat=True
            )
        )
        lines = []
        for person_id in sorted(theirs):
            parts = [f"new flag: {t}" for t in flags_by_person.get(person_id, [])]
            others = sum(n for a, n in records.get(person_id, {}).items() if a != staff.agency.code)
            if others:
                parts.append(f"{others} new record{'s' if others != 1 else ''} from other agencies")
            if parts:
                lines.append((public[person_id], "; ".join(parts)))
        if not lines:
            continue
        note = _new(
            staff.user,
            kind=Notification.Kind.DIGEST,
            key=f"digest:{now.date().isoformat()}",
            title=f"Changes for {len(lines)} child{'ren' if len(lines) != 1 else ''} you work with",
            body="\n".join(f"{pid}\t{text}" for pid, text in lines),
            person_id=None,
        )
        made += [note] if note else []
    _email(made)
    return len(made)


def _id_range(records: Any) -> tuple[int, int]:
    found = records.aggregate(first=Min("source_record_id"), last=Max("source_record_id"))
    return int(found["first"] or 0), int(found["last"] or 0)


def notifications_of(*, user: Any) -> Any:
    """The user's own notifications, newest first: nobody reads another's."""
    return Notification.objects.filter(recipient=user).select_related("person")


def notifications_mark_read(*, user: Any) -> int:
    """Mark every unread notification of the user's as read; how many were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
