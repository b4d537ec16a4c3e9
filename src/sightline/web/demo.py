"""Setting up a demo: a generated borough, loaded through the real ingest, and demo users.

Re-running is cheap and safe: a borough already generated with the same
settings is not generated again, and a file whose exact bytes were already read
to the end is not ingested again. ``reset=True`` empties the database and the
demo folder first, for when the generator itself has changed.

Everything here goes through the same services as production: the demo is a
rehearsal of the real flow, not a fixture loader.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from sightline.accounts.models import Role, StaffProfile, Team
from sightline.casework.models import Allocation
from sightline.feeds.management.commands.ingest import format_result
from sightline.feeds.models import Agency
from sightline.feeds.services import FileResult, feed_ingest_path
from sightline.indicators.models import LIVE, Flag
from sightline.web.selectors import Totals, feed_file_loaded, totals_get

DEFAULT_CHILDREN = 2000
# Concerns on the demo's MASH worklist: enough to show ordering and the overdue clock.
DEMO_CONTACTS = 8
DEFAULT_SEED = 2020
MARKER = ".sightline-demo.json"

Log = Callable[[str], None]


class DemoError(Exception):
    """The demo could not be set up; the message says what to do."""


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str  # what the sign-in details say the account is for
    staff_role: str = Role.DATA_ENGINEER
    agency: str | None = None  # the code of the agency whose records are theirs
    team: str | None = None
    job_title: str = ""
    is_staff: bool = False
    manages_team: bool = False


SOCIAL_CARE_TEAM = "Children's social care: Great Yarmouth team"
MASH_TEAM = "Multi-agency safeguarding hub"
# How many flagged demo children the social worker's team holds, so the pages show a caseload.
DEMO_ALLOCATIONS = 6

# One account a role.
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser(
        username="data.engineer",
        first_name="Dana",
        last_name="Engineer",
        role="data engineer: feeds, counts and quarantine",
        is_staff=True,
    ),
    DemoUser(
        username="mash.practitioner",
        first_name="Morgan",
        last_name="Ashby",
        role="MASH practitioner: every child",
        staff_role=Role.MASH,
        agency="norfolk-csc",
        team=MASH_TEAM,
        job_title="MASH social worker",
    ),
    DemoUser(
        username="social.worker",
        first_name="Sam",
        last_name="Walker",
        role="social worker: the children allocated to the team",
        staff_role=Role.SOCIAL_WORKER,
        agency="norfolk-csc",
        team=SOCIAL_CARE_TEAM,
        job_title="Social worker",
    ),
    DemoUser(
        username="team.manager",
        first_name="Terry",
        last_name="Manning",
        role="team manager: the team's children and who has looked at them",
        staff_role=Role.TEAM_MANAGER,
        agency="norfolk-csc",
        team=SOCIAL_CARE_TEAM,
        job_title="Team manager",
        manages_team=True,
    ),
    DemoUser(
        username="health.visitor",
        first_name="Helen",
        last_name="Visser",
        role="partner (health visitor): children health visiting knows",
        staff_role=Role.PARTNER,
        agency="nhs-community-hv",
        job_title="Health visitor",
    ),
    DemoUser(
        username="partnership.officer",
        first_name="Pat",
        last_name="Osei",
        role="partnership officer: the dashboard, the case review of Child AG and its actions",
        staff_role=Role.PARTNERSHIP_OFFICER,
        job_title="Safeguarding partnership officer",
    ),
    DemoUser(
        username="administrator",
        first_name="Alex",
        last_name="Admin",
        role="administrator: no child's page",
        staff_role=Role.ADMINISTRATOR,
        is_staff=True,
    ),
)


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    role: str


@dataclass(frozen=True)
class DemoSetup:
    feeds_dir: Path
    generated: bool
    loaded: list[FileResult]
    skipped: list[Path]
    credentials: list[Credentials]
    totals: Totals


def demo_dir() -> Path:
    return Path(settings.SIGHTLINE_VAR_DIR) / "demo"


def demo_reset(*, out: Path) -> None:
    """Empty the database and remove the generated borough."""
    if getattr(settings, "SIGHTLINE_ENV", "") == "production":
        # Belt and braces: the command refuses production too, but this empties tables.
        raise DemoError("refusing to reset a production database")
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(out, ignore_errors=True)


def _generator() -> tuple[Callable[[Sequence[str]], int], str]:
    """The generator's entry point and version, imported only when a borough is needed."""
    try:
        module = importlib.import_module("sightline.synth.cli")
        package = importlib.import_module("sightline.synth")
    except ImportError as exc:
        raise DemoError(
            f"the synthetic borough generator (sightline.synth.cli) cannot be loaded ({exc});"
            " load feed files you already have with --feeds DIR instead"
        ) from None
    version = str(getattr(package, "__version__", "unknown"))
    return cast(Callable[[Sequence[str]], int], module.main), version


def demo_borough_generate(*, children: int, seed: int, out: Path, log: Log) -> Path:
    """Generate the borough into ``out`` unless the same one is already there.

    A different borough already there (other settings, or an older generator) is
    an error rather than replaced: its records are in the database, and loading a
    second borough over them would mix two sets of children. ``--reset`` clears both.
    """
    generate, version = _generator()
    wanted = {"children": children, "seed": seed, "generator": version}
    marker = out / MARKER
    try:
        held = json.loads(marker.read_text())
    except (FileNotFoundError, ValueError):
        held = None
    if held == wanted:
        log(f"A demo borough of {children} children (seed {seed}) is already in {out}.")
        return out
    if held is not None:
        raise DemoError(
            f"{out} holds a different demo borough ({_describe(held)}) from the one asked for"
            f" ({_describe(wanted)}): run 'sightline demo --reset' to replace it and its"
            " records, or ask for the same one"
        )
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log(f"Generating a demo borough of {children} children (seed {seed}) in {out} ...")
    code = generate(["--children", str(children), "--seed", str(seed), "--out", str(out)])
    if code != 0:
        raise DemoError(f"the generator stopped with exit status {code}; see its messages above")
    # Written last, so an interrupted generation is redone rather than half-loaded.
    marker.write_text(json.dumps(wanted))
    return out


def _describe(marker: object) -> str:
    if not isinstance(marker, dict):
        return "unknown settings"
    return ", ".join(f"{key} {value}" for key, value in sorted(marker.items()))


def feed_files_in(folder: Path) -> list[Path]:
    """Every feed file under ``folder``, leaving out the generator's answers in truth/."""
    return sorted(
        p
        for p in folder.rglob("*.jsonl")
        if p.is_file() and "truth" not in p.relative_to(folder).parts
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def demo_feeds_ingest(*, folder: Path, log: Log) -> tuple[list[FileResult], list[Path]]:
    """Ingest every feed file in ``folder`` not already read to the end."""
    files = feed_files_in(folder)
    if not files:
        raise DemoError(f"{folder} holds no .jsonl feed files")
    loaded: list[FileResult] = []
    skipped: list[Path] = []
    for path in files:
        if feed_file_loaded(name=path.name, checksum=_sha256(path)):
            skipped.append(path)
            continue
        result = feed_ingest_path(path=path, sent_by="sightline demo")
        log(format_result(result))
        if result.error:
            raise DemoError(f"{path.name}: ingest stopped: {result.error}")
        loaded.append(result)
    if skipped:
        log(f"{len(skipped)} file(s) already loaded, not read again.")
    return loaded, skipped


@transaction.atomic
def demo_users_create() -> list[Credentials]:
    """Create each demo user, or give an existing one a new password.

    A fresh random password at every setup means a demo left running never has
    a password anyone could have guessed or copied from documentation.
    """
    user_model = get_user_model()
    credentials = []
    for spec in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=spec.username)
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.is_staff = spec.is_staff
        user.is_active = True
        password = _demo_password(user)
        user.set_password(password)
        user.save()
        _staff_profile(user, spec)
        credentials.append(Credentials(spec.username, password, spec.role))
    demo_allocations_make()
    return credentials


def _demo_password(user: Any) -> str:
    """16 random characters, checked by the same password rules as everyone's."""
    while True:
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password, user)
        except ValidationError:  # pragma: no cover - all digits, say: vanishingly rare
            continue
        return password


_TEAM_KINDS = {MASH_TEAM: Team.Kind.MASH, SOCIAL_CARE_TEAM: Team.Kind.SOCIAL_CARE}


def _staff_profile(user: Any, spec: DemoUser) -> None:
    team = None
    if spec.team:
        team, _ = Team.objects.get_or_create(
            name=spec.team, defaults={"kind": _TEAM_KINDS.get(spec.team, Team.Kind.PARTNER)}
        )
        if spec.manages_team:
            team.manager = user
            team.save(update_fields=["manager"])
    # An agency not in the loaded feeds (a borough without health visiting) is left
    # unset: the account still signs in, and sees what its role allows.
    agency = Agency.objects.filter(code=spec.agency).first() if spec.agency else None
    StaffProfile.objects.update_or_create(
        user=user,
        defaults={
            "role": spec.staff_role,
            "agency": agency,
            "team": team,
            "job_title": spec.job_title,
        },
    )


def demo_allocations_make(*, limit: int = DEMO_ALLOCATIONS) -> int:
    """Allocate flagged children to the demo social worker, so their pages have a caseload.

    Children with the most serious open flags first; a child already allocated
    keeps their allocation. Returns how many were allocated now.
    """
    worker = get_user_model().objects.filter(username="social.worker").first()
    team = Team.objects.filter(name=SOCIAL_CARE_TEAM).first()
    if worker is None or team is None:
        return 0
    held = Allocation.objects.filter(team=team, ended_on__isnull=True).count()
    wanted = (
        Flag.objects.filter(scenario=LIVE, met=True)
        .exclude(status=Flag.Status.DISMISSED)
        .exclude(
            Exists(Allocation.objects.filter(person=OuterRef("person"), ended_on__isnull=True))
        )
        .order_by("-level", "-last_triggered_on", "person_id")
        .values_list("person_id", flat=True)
    )
    chosen: list[int] = []
    for person_id in wanted:
        if len(chosen) >= limit - held:
            break
        if person_id not in chosen:
            chosen.append(person_id)
    today = timezone.localdate()
    Allocation.objects.bulk_create(
        Allocation(
            person_id=pk,
            worker=worker,
            team=team,
            started_on=today,
            reason="Demo: allocated to show a caseload",
        )
        for pk in chosen
    )
    return len(chosen)


def demo_link_and_evaluate(*, log: Log) -> None:
    """Link the records just loaded into people and raise their flags, as a data engineer would.

    Without it the practitioners' pages have nobody to show.
    """
    from sightline.indicators.services import evaluation_run
    from sightline.linkage.incremental import linkage_run_incremental

    log("Linking records into people ...")
    linkage_run_incremental()
    log("Evaluating the indicator rules ...")
    evaluation_run()


def demo_setup(
    *,
    children: int = DEFAULT_CHILDREN,
    seed: int = DEFAULT_SEED,
    feeds: Path | None = None,
    reset: bool = False,
    log: Log = print,
) -> DemoSetup:
    """Migrate, generate (or take ``feeds``), ingest and create the demo users."""
    call_command("migrate", interactive=False, verbosity=0)
    out = demo_dir()
    if reset:
        log("Resetting: emptying the database and the demo folder.")
        demo_reset(out=out)
    folder = (
        feeds
        if feeds is not None
        else demo_borough_generate(children=children, seed=seed, out=out, log=log)
    )
    loaded, skipped = demo_feeds_ingest(folder=folder, log=log)
    if loaded:
        demo_link_and_evaluate(log=log)
    credentials = demo_users_create()
    demo_front_door(log=log)
    demo_history(log=log)
    return DemoSetup(
        feeds_dir=folder,
        generated=feeds is None,
        loaded=loaded,
        skipped=skipped,
        credentials=credentials,
        totals=totals_get(),
    )


def demo_front_door(*, log: Log) -> None:
    """Concerns on the MASH worklist, and the allocated workers told of their children's flags.

    Both through the real services; both do nothing a second time (contacts are
    made only into an empty worklist, and nobody is told the same thing twice).
    """
    from django.utils import timezone

    from sightline.casework.notifications import notifications_push
    from sightline.casework.services import contacts_demo_create

    made = contacts_demo_create(count=DEMO_CONTACTS, today=timezone.localdate())
    if made:
        log(f"Put {len(made)} concerns on the MASH worklist.")
    pushed = notifications_push()
    if pushed.notifications:
        log(f"Told allocated workers and managers: {pushed.notifications} notifications.")


def demo_history(*, log: Log) -> None:
    """Casework the CIN census returns, and a case review with an overdue action.

    After the MASH worklist, which is only made into an empty one.
    """
    from sightline.web.demo_casework import demo_case_review_make, demo_casework_make

    today = timezone.localdate()
    demo_casework_make(today=today, log=log)
    demo_case_review_make(today=today, log=log)
