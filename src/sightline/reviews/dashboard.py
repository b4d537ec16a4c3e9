"""The partnership's view: counts over time of what Sightline holds, for the dashboard.

Read only. Every figure is counted by the database (``Count`` with ``GROUP BY``
or conditional aggregates), never by loading rows into Python, and each is a
:class:`Figure`: a table of labelled rows that the page draws as a chart, shows
as a table and offers as CSV, so the three can never disagree.

A figure counts things about children, never names one. When the filters
narrow the figures to an area, an age band or a team, small counts are hidden
(:func:`protect`), because a count of 1 in "children aged under 1 in NR30 whose
plan was stepped down in March" can point to a family.

Filters (:class:`Filters`) say which children count:

- area: the postcode district (the part before the space: "NR30") of the
  postcode on the child's latest current record that has one, the same
  notion of area as the indicators' backtest;
- age band: the child's age on the day of the thing counted, from the birth
  date on their latest current record that has one (for a contact about a
  child not matched to a person, the birth date the reporter gave);
- team: the team the child was allocated to on the day of the thing counted.

A contact about a child not matched to anyone has no area or team, so it
drops out when either filter is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Floor,
    TruncDate,
    TruncMonth,
)

from sightline.accounts.models import Team
from sightline.casework.models import Allocation, CaseStep, Contact, Plan, TriageDecision
from sightline.casework.selectors import waiting_contacts, waiting_flags
from sightline.casework.timescales import (
    TIMESCALES,
    StepKind,
    end_of_day,
    local_day,
    now,
    overdue_if_received_before,
)
from sightline.feeds.models import SubjectRecord
from sightline.indicators.models import LIVE, Flag
from sightline.linkage.models import AgencyPerson

# The age groups of the DfE's children in need statistics ("Characteristics of
# children in need", age at referral), so local figures can be set beside national
# ones: (key, label, lowest, highest) in whole years.
AGE_BANDS: tuple[tuple[str, str, int, int], ...] = (
    ("under-1", "Under 1", 0, 0),
    ("1-4", "1 to 4", 1, 4),
    ("5-9", "5 to 9", 5, 9),
    ("10-15", "10 to 15", 10, 15),
    ("16-17", "16 and over", 16, 17),
)

# Small-number suppression: a count from 1 to SMALL - 1 is shown as "fewer than 5".
# The threshold rule of statistical disclosure control (UNECE/Eurostat *Glossary of
# Statistical Disclosure Control*, "threshold rule": "some agencies require at least
# five respondents in a cell"); percentages and complements that would give a hidden
# count back are hidden too, as NHS Digital's disclosure control for HES and ECDS
# requires ("secondary suppression ... checking that other values within the data
# cannot be used to recalculate the original small numbers").
SMALL = 5
FEWER = f"fewer than {SMALL}"
WITHHELD = "not shown"

# DfE, *Children in need: a focus on re-referrals* (explore-education-statistics,
# 2024): "A re-referral occurs when a child is referred within 12 months of a
# previous referral."
REREFERRAL_MONTHS = 12
# Domain notes, "concern after step-down" (the AG and AI reviews): a new concern
# within 90 days of a plan stepping down.
STEP_DOWN_DAYS = 90
NEGLECT = "neglect"


@dataclass(frozen=True)
class Filters:
    """Which months and which children the figures count."""

    start: dt.date  # the first day of the first month
    end: dt.date  # the last day counted
    area: str = ""  # a postcode district, "NR30"
    age_band: str = ""  # a key of AGE_BANDS
    team: Team | None = None

    @property
    def narrowed(self) -> bool:
        """Whether the figures are about a small group, so small counts must be hidden."""
        return bool(self.area or self.age_band or self.team is not None)

    def months(self) -> list[dt.date]:
        first = self.start.replace(day=1)
        out = []
        while first <= self.end:
            out.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
        return out


def default_filters(*, today: dt.date | None = None) -> Filters:
    """The last twelve months, this one included, for every child."""
    today = today or local_day(now())
    first = today.replace(day=1)
    for _ in range(11):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Filters(start=first, end=today)


# --- the figures' shape ------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A column of a figure: a count, the total its parts belong to, a part, or a percentage."""

    label: str
    role: str = "count"  # count, total, part, percent


@dataclass(frozen=True)
class Cell:
    value: float | None  # None: hidden
    text: str


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Figure:
    slug: str
    title: str
    caption: str  # what is counted, in a sentence: the chart's text alternative
    row_heading: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    chart: str = "bars"  # bars (one group a row) or percent (one bar a row)

    @property
    def suppressed(self) -> bool:
        """Whether any cell is hidden (a percentage of nothing is not hidden, only empty)."""
        return any(c.text in (FEWER, WITHHELD) for r in self.rows for c in r.cells)

    def csv_rows(self) -> list[list[str]]:
        """The table exactly as shown: the header, then each row's label and cells' text."""
        return [
            [self.row_heading, *(c.label for c in self.columns)],
            *([r.label, *(c.text for c in r.cells)] for r in self.rows),
        ]


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _shown(value: float | None, role: str) -> Cell:
    if value is None:
        return Cell(None, "no items") if role == "percent" else Cell(0, "0")
    if role == "percent":
        return Cell(value, f"{value:g}%")
    return Cell(value, str(int(value)))


def _small(n: float | None) -> bool:
    return n is not None and 0 < n < SMALL


def protect(columns: Sequence[Column], values: Sequence[float | None], *, narrowed: bool) -> Row:
    """One row's cells, with small counts hidden when the figures are about a small group.

    Independent counts: each 1 to 4 is shown as "fewer than 5". A row of a total,
    its parts and a percentage: if the total, a part or a part's complement
    (total minus part) is 1 to 4, every number in the row that could give it
    back is hidden ("not shown"), keeping only a total of 5 or more.
    """
    roles = [c.role for c in columns]
    cells = [_shown(v, r) for v, r in zip(values, roles, strict=True)]
    if not narrowed:
        return Row("", tuple(cells))
    if "total" not in roles:
        return Row(
            "",
            tuple(
                Cell(None, FEWER) if r == "count" and _small(v) else c
                for v, r, c in zip(values, roles, cells, strict=True)
            ),
        )
    total = values[roles.index("total")] or 0
    parts = [v or 0 for v, r in zip(values, roles, strict=True) if r == "part"]
    if not (_small(total) or any(_small(p) or _small(total - p) for p in parts)):
        return Row("", tuple(cells))
    out = []
    for v, r, c in zip(values, roles, cells, strict=True):
        if r == "total" and not _small(v):
            out.append(c)
        else:
            out.append(Cell(None, FEWER if r != "percent" and _small(v) else WITHHELD))
    return Row("", tuple(out))


def _figure(
    filters: Filters, *, labels: Sequence[str], values: Sequence[Sequence[float | None]], **kw: Any
) -> Figure:
    columns = kw["columns"]
    rows = tuple(
        Row(label, protect(columns, vals, narrowed=filters.narrowed).cells)
        for label, vals in zip(labels, values, strict=True)
    )
    return Figure(rows=rows, **kw)


# --- which children count ----------------------------------------------------------------


def _their_records(person_ref: Any) -> QuerySet[SubjectRecord]:
    """The current subject records of the person ``person_ref`` points to, latest first."""
    theirs = AgencyPerson.objects.filter(
        agency_id=OuterRef("agency_id"), local_id=OuterRef("local_id"), person_id=person_ref
    )
    return (
        SubjectRecord.objects.filter(source_record__head__isnull=False)
        .filter(Exists(theirs))
        .order_by("-source_record__occurred_on", "-pk")
    )


def _ymd(expr: Any) -> Combinable:
    """A date as the number yyyymmdd, so whole years between two are a difference over 10000."""
    return ExtractYear(expr) * 10000 + ExtractMonth(expr) * 100 + ExtractDay(expr)


def _narrow(
    qs: QuerySet[Any],
    filters: Filters,
    *,
    day: Any,
    person: str = "person",
    own_dob: str | None = None,
) -> QuerySet[Any]:
    """``qs`` narrowed to the filters' children, judged on ``day``: the day of what is counted."""
    qs = qs.annotate(dash_day=day)
    if filters.area:
        # Looked up for the rows counted only, not for every person in the borough.
        their = _their_records(OuterRef(OuterRef(person))).exclude(postcode="")
        qs = qs.annotate(dash_postcode=Subquery(their.values("postcode")[:1])).filter(
            dash_postcode__startswith=f"{filters.area} "
        )
    if filters.team is not None:
        held = Allocation.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=OuterRef("dash_day")),
            person_id=OuterRef(person),
            team=filters.team,
            started_on__lte=OuterRef("dash_day"),
        )
        qs = qs.filter(Exists(held))
    if filters.age_band:
        _, _, low, high = next(b for b in AGE_BANDS if b[0] == filters.age_band)
        dob = _their_records(OuterRef(OuterRef(person))).filter(date_of_birth__isnull=False)
        dob_expr: Any = Subquery(dob.values("date_of_birth")[:1], output_field=DateField())
        if own_dob:
            dob_expr = Coalesce(dob_expr, F(own_dob), output_field=DateField())
        # Floor: PostgreSQL's EXTRACT gives numerics, so the division is not whole.
        age = Floor(
            ExpressionWrapper(
                (_ymd(F("dash_day")) - _ymd(dob_expr)) / Value(10000), output_field=FloatField()
            )
        )
        qs = qs.annotate(dash_age=age).filter(dash_age__gte=low, dash_age__lte=high)
    return qs


def _received_between(filters: Filters, name: str = "received_at") -> Q:
    return Q(**{f"{name}__gte": end_of_day(filters.start - dt.timedelta(days=1))}) & Q(
        **{f"{name}__lt": end_of_day(filters.end)}
    )


def _month_of(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _by_month(qs: QuerySet[Any], field_name: str, *group: str) -> dict[tuple[Any, ...], int]:
    """Counts by (month, *group), from one GROUP BY query."""
    rows = (
        qs.annotate(dash_month=TruncMonth(field_name))
        .values("dash_month", *group)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {(_month_of(r["dash_month"]), *(r[g] for g in group)): r["n"] for r in rows}


def _month_label(month: dt.date) -> str:
    return month.strftime("%b %Y")


# --- the figures -------------------------------------------------------------------------


def figure_flags(filters: Filters) -> Figure:
    flags = Flag.objects.filter(
        scenario=LIVE, first_triggered_on__gte=filters.start, first_triggered_on__lte=filters.end
    )
    flags = _narrow(flags, filters, day=F("first_triggered_on"))
    counts = _by_month(flags, "first_triggered_on", "level")
    months = filters.months()
    return _figure(
        filters,
        slug="flags",
        title="Neglect flags raised, by month",
        caption=(
            "Flags raised by Sightline's neglect rules in each month (the day the "
            "pattern was first complete), at each level of concern of NICE CG89."
        ),
        row_heading="Month",
        columns=(Column("Consider"), Column("Suspect")),
        labels=[_month_label(m) for m in months],
        values=[[counts.get((m, lv), 0) for lv in ("consider", "suspect")] for m in months],
    )


def _contacts(filters: Filters) -> QuerySet[Contact]:
    contacts = Contact.objects.filter(_received_between(filters))
    return _narrow(contacts, filters, day=TruncDate("received_at"), own_dob="child_date_of_birth")


def figure_contacts(filters: Filters) -> Figure:
    counts = _by_month(_contacts(filters), "received_at")
    months = filters.months()
    return _figure(
        filters,
        slug="contacts",
        title="Contacts received, by month",
        caption="Contacts (concerns about a child) received by the MASH in each month.",
        row_heading="Month",
        columns=(Column("Contacts"),),
        labels=[_month_label(m) for m in months],
        values=[[counts.get((m,), 0)] for m in months],
    )


def _counts_by(qs: QuerySet[Any], name: str) -> dict[Any, int]:
    return {r[name]: r["n"] for r in qs.values(name).annotate(n=Count("pk")).order_by()}


def figure_sources(filters: Filters) -> Figure:
    counts = _counts_by(_contacts(filters), "source")
    return _figure(
        filters,
        slug="sources",
        title="Contacts by who made them",
        caption="Contacts received in the period, by who made them.",
        row_heading="Made by",
        columns=(Column("Contacts"),),
        labels=[label for _, label in Contact.Source.choices],
        values=[[counts.get(value, 0)] for value, _ in Contact.Source.choices],
        chart="bars",
    )


def figure_outcomes(filters: Filters) -> Figure:
    counts = _counts_by(_contacts(filters), "triage__outcome")
    choices = [*TriageDecision.Outcome.choices, (None, "Not yet decided")]
    return _figure(
        filters,
        slug="outcomes",
        title="What the MASH decided about contacts",
        caption="Contacts received in the period, by the MASH's decision about the response.",
        row_heading="Decision",
        columns=(Column("Contacts"),),
        labels=[label for _, label in choices],
        values=[[counts.get(value, 0)] for value, _ in choices],
    )


def figure_plans(filters: Filters) -> Figure:
    """Plans for neglect open at each month's end, and started in each month, by kind."""
    plans = Plan.objects.filter(category__iexact=NEGLECT, started_on__lte=filters.end)
    plans = _narrow(plans, filters, day=F("started_on"))
    months = filters.months()
    kinds = (Plan.Kind.CHILD_PROTECTION, Plan.Kind.CHILD_IN_NEED)
    sums: dict[str, Any] = {}
    for i, month in enumerate(months):
        month_end = min(
            (month + dt.timedelta(days=32)).replace(day=1), filters.end + dt.timedelta(days=1)
        )
        last = month_end - dt.timedelta(days=1)
        for kind in kinds:
            open_then = Q(kind=kind, started_on__lte=last) & (
                Q(ended_on__isnull=True) | Q(ended_on__gt=last)
            )
            started = Q(kind=kind, started_on__gte=month, started_on__lte=last)
            sums[f"open_{i}_{kind}"] = Count("pk", filter=open_then)
            sums[f"started_{i}_{kind}"] = Count("pk", filter=started)
    counts = plans.aggregate(**sums) if sums else {}
    return _figure(
        filters,
        slug="plans",
        title="Plans for neglect, by month",
        caption=(
            "Child protection and child in need plans whose category is neglect: "
            "open on the last day of each month, and started in each month."
        ),
        row_heading="Month",
        columns=(
            Column("Child protection plans open"),
            Column("Child in need plans open"),
            Column("Child protection plans started"),
            Column("Child in need plans started"),
        ),
        labels=[_month_label(m) for m in months],
        values=[
            [counts[f"{what}_{i}_{kind}"] for what in ("open", "started") for kind in kinds]
            for i in range(len(months))
        ],
    )


def _timeliness_values(
    qs: QuerySet[Any], *, done: str, on_time: Q, today: dt.date, missed: int = 0
) -> list[float | None]:
    """Due in the period and judged (done, or its day passed): how many, on time, late, %.

    ``missed``: those due in the period, past their day and with no row in ``qs``
    to say so (a contact not yet decided has no decision): late, every one.
    """
    judged = qs.filter(Q(**{f"{done}__isnull": False}) | Q(due_on__lt=today))
    got = judged.aggregate(due=Count("pk"), on_time=Count("pk", filter=on_time))
    due = got["due"] + missed
    return [due, got["on_time"], due - got["on_time"], _percent(got["on_time"], due)]


def _received_due_from(day: dt.date) -> dt.datetime:
    """The moment from which a contact received is due on ``day`` or later.

    The one-working-day deadline moves only forward with receipt, so the
    contacts due in a span of days are those received in a span of moments,
    which the database can count though it knows nothing of bank holidays.
    """
    return overdue_if_received_before(at=end_of_day(day - dt.timedelta(days=1)))


def _undecided_past_deadline(filters: Filters, *, today: dt.date) -> int:
    """Contacts and flags due in the period, their day passed before today, still waiting.

    Both wait in the MASH's queue on the same one-working-day clock, a flag's
    starting when it was raised or reopened (``waiting``, as the queue shows it).
    """
    until = min(filters.end + dt.timedelta(days=1), today)
    start, end = _received_due_from(filters.start), _received_due_from(until)
    contacts = waiting_contacts().filter(received_at__gte=start, received_at__lt=end)
    # Q: the stubs know a model's fields, not the queryset's annotation.
    flags = waiting_flags().filter(Q(waiting__gte=start) & Q(waiting__lt=end))
    # Narrowed on the day each arrived: its due day is not in the database, and is at
    # most a weekend and a bank holiday later.
    contacts = _narrow(
        contacts, filters, day=TruncDate("received_at"), own_dob="child_date_of_birth"
    )
    flags = _narrow(flags, filters, day=TruncDate("waiting"))
    return contacts.count() + flags.count()


def figure_timeliness(filters: Filters) -> Figure:
    """Each statutory step due in the period, and how many were done by the day it was due.

    A contact still undecided after its day, or a step not done after its due
    day, is late: leaving it undone must not make the figure look better.
    """
    today = local_day(now())
    decisions = TriageDecision.objects.filter(due_on__gte=filters.start, due_on__lte=filters.end)
    decisions = _narrow(decisions, filters, day=F("due_on")).annotate(
        decided_on=TruncDate("decided_at")
    )
    labels = ["Decision about the response (1 working day)"]
    values = [
        _timeliness_values(
            decisions,
            done="decided_on",
            on_time=Q(decided_on__lte=F("due_on")),
            today=today,
            missed=_undecided_past_deadline(filters, today=today),
        )
    ]
    for kind, timescale in TIMESCALES.items():
        if timescale.working_days is None and timescale.months is None:
            continue  # no statutory deadline to be on time against
        steps = CaseStep.objects.filter(
            kind=kind, due_on__gte=filters.start, due_on__lte=filters.end
        )
        steps = _narrow(steps, filters, day=F("due_on"))
        labels.append(f"{StepKind(kind).label} ({timescale.wording})")
        values.append(
            _timeliness_values(
                steps, done="completed_on", on_time=Q(completed_on__lte=F("due_on")), today=today
            )
        )
    return _figure(
        filters,
        slug="timeliness",
        title="Statutory steps done on time",
        caption=(
            "Steps due in the period whose day has passed or that are done, and how "
            "many were done by the day they were due; a contact or flag still undecided or a step "
            "still not done after its day is late (Working Together to Safeguard Children)."
        ),
        row_heading="Step",
        columns=(
            Column("Due", "total"),
            Column("On time", "part"),
            Column("Late or not done", "part"),
            Column("% on time", "percent"),
        ),
        labels=labels,
        values=values,
        chart="percent",
    )


class _TwelveMonthsBefore(Func):
    """The moment 12 calendar months before a datetime column, in each database's own terms.

    SQLite rolls 29 February back to 1 March of the year before, PostgreSQL to
    28 February: one day's difference, once in four years.
    """

    output_field = DateTimeField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"datetime({sql}, '-{REREFERRAL_MONTHS} months')", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - interval '{REREFERRAL_MONTHS} months')", params


def _monthly_share(
    filters: Filters, qs: QuerySet[Any], date_field: str, part: Q, **kw: Any
) -> Figure:
    """A figure of how many in each month, how many of those match ``part``, and the share."""
    rows = (
        qs.annotate(dash_month=TruncMonth(date_field))
        .values("dash_month")
        .annotate(n=Count("pk"), part=Count("pk", filter=part))
        .order_by()
    )
    got = {_month_of(r["dash_month"]): (r["n"], r["part"]) for r in rows}
    months = filters.months()
    values = []
    for month in months:
        n, p = got.get(month, (0, 0))
        values.append([n, p, _percent(p, n)])
    return _figure(
        filters,
        row_heading="Month",
        labels=[_month_label(m) for m in months],
        values=values,
        **kw,
    )


def figure_rereferrals(filters: Filters) -> Figure:
    contacts = _contacts(filters).filter(person__isnull=False)
    earlier = Contact.objects.filter(
        person_id=OuterRef("person_id"),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("dash_window"),
    )
    contacts = contacts.annotate(dash_window=_TwelveMonthsBefore(F("received_at"))).annotate(
        dash_repeat=Exists(earlier)
    )
    return _monthly_share(
        filters,
        contacts,
        "received_at",
        Q(dash_repeat=True),
        slug="rereferrals",
        title="Repeat contacts within 12 months",
        caption=(
            "Contacts about a known child, and those about a child with another contact "
            "in the 12 months before (the DfE's re-referral measure, counted on contacts)."
        ),
        columns=(
            Column("Contacts about a known child", "total"),
            Column("Repeat within 12 months", "part"),
            Column("% repeat", "percent"),
        ),
    )


def figure_step_downs(filters: Filters) -> Figure:
    """Plans stepped down in each month, and those followed by a new concern within 90 days."""
    plans = Plan.objects.filter(
        ending=Plan.Ending.STEPPED_DOWN, ended_on__gte=filters.start, ended_on__lte=filters.end
    )
    plans = _narrow(plans, filters, day=F("ended_on")).annotate(
        dash_until=ExpressionWrapper(
            F("ended_on") + dt.timedelta(days=STEP_DOWN_DAYS), output_field=DateField()
        )
    )
    contact = Contact.objects.annotate(day=TruncDate("received_at")).filter(
        person_id=OuterRef("person_id"),
        day__gt=OuterRef("ended_on"),
        day__lte=OuterRef("dash_until"),
    )
    flag = Flag.objects.filter(
        scenario=LIVE,
        person_id=OuterRef("person_id"),
        first_triggered_on__gt=OuterRef("ended_on"),
        first_triggered_on__lte=OuterRef("dash_until"),
    )
    plans = plans.annotate(dash_concern=Exists(contact) | Exists(flag))
    return _monthly_share(
        filters,
        plans,
        "ended_on",
        Q(dash_concern=True),
        slug="step-downs",
        title="Step-downs followed by a new concern within 90 days",
        caption=(
            "Plans stepped down in each month, and those where a new contact or flag "
            "about the child followed within 90 days. A step-down less than 90 days "
            "ago may still be followed by one."
        ),
        columns=(
            Column("Plans stepped down", "total"),
            Column("New concern within 90 days", "part"),
            Column("% followed by a concern", "percent"),
        ),
    )


FIGURES: dict[str, Callable[[Filters], Figure]] = {
    "flags": figure_flags,
    "contacts": figure_contacts,
    "sources": figure_sources,
    "outcomes": figure_outcomes,
    "plans": figure_plans,
    "timeliness": figure_timeliness,
    "rereferrals": figure_rereferrals,
    "step-downs": figure_step_downs,
}


def figures_all(*, filters: Filters) -> list[Figure]:
    return [make(filters) for make in FIGURES.values()]


def teams_for_filter() -> QuerySet[Team]:
    """The teams children are allocated to, for the team filter."""
    return Team.objects.filter(Exists(Allocation.objects.filter(team=OuterRef("pk")))).order_by(
        "name"
    )
