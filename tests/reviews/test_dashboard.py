"""The dashboard's figures against counts made directly from the rows in each test.

Each test builds casework rows for a few children whose birth dates and
postcodes come from ingested records (as a partnership's would), then checks a
figure against a count made here in plain Python from the same rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sightline.casework.models import Allocation, CaseStep, Contact, Plan, TriageDecision
from sightline.casework.timescales import StepKind, months_add, working_day_deadline
from sightline.indicators.models import Flag
from sightline.linkage.models import Person
from sightline.reviews import dashboard
from sightline.reviews.dashboard import Column, Filters, protect
from tests.reviews.dashboard_fixtures import MONTHS, PERIOD, TODAY, make_contact, make_flag
from tests.web.casework_helpers import london


def _table(figure: dashboard.Figure) -> dict[str, list[str]]:
    return {row.label: [c.text for c in row.cells] for row in figure.rows}


def _flags_expected(flags: list[Flag], keep: Any = lambda f: True) -> dict[str, list[str]]:
    out = {}
    for i, label in enumerate(MONTHS):
        month = [f for f in flags if f.first_triggered_on.month == i + 1 and f.scenario == ""]
        month = [f for f in month if f.first_triggered_on.year == 2025 and keep(f)]
        out[label] = [str(sum(f.level == lv for f in month)) for lv in ("consider", "suspect")]
    return out


def test_flags_by_month_and_level_match_a_direct_count(borough, flags):
    figure = dashboard.figure_flags(PERIOD)
    assert _table(figure) == _flags_expected(flags)
    assert _table(figure)["Jan 2025"] == ["1", "1"]


def test_the_age_band_is_the_childs_age_on_the_day_of_the_flag(borough, flags):
    under_five = dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, age_band="1-4"))
    ann_young = {f.pk for f in flags if f.person == borough.ann and f.first_triggered_on.day != 10}
    # Counts of 1 to 4 are hidden once filtered, so compare the hidden cells' words.
    expected = _flags_expected(flags, lambda f: f.pk in ann_young)
    words = {k: [dashboard.FEWER if v != "0" else "0" for v in vs] for k, vs in expected.items()}
    assert _table(under_five) == words
    five_to_nine = _table(dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, age_band="5-9")))
    assert five_to_nine["Mar 2025"] == [dashboard.FEWER, "0"]
    assert five_to_nine["Jan 2025"] == ["0", "0"]


def test_the_area_is_the_postcode_district_and_nr1_is_not_nr10(borough, flags):
    nr1 = _table(dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, area="NR1")))
    assert nr1["Mar 2025"] == [dashboard.FEWER, "0"]  # Ben's
    assert nr1["Apr 2025"] == ["0", "0"]  # Dan's flag is in NR10
    nr30 = _table(dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, area="NR30")))
    in_nr30 = {borough.ann.pk, borough.cat.pk}
    expected = _flags_expected(flags, lambda f: f.person_id in in_nr30)
    assert nr30 == {
        k: [dashboard.FEWER if v != "0" else "0" for v in vs] for k, vs in expected.items()
    }


def test_the_team_is_the_one_holding_the_child_on_the_day(borough, flags):
    Allocation.objects.create(
        person=borough.ann,
        worker=borough.worker,
        team=borough.north,
        started_on=dt.date(2025, 2, 1),
    )
    north = _table(dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, team=borough.north)))
    assert north["Jan 2025"] == ["0", "0"]  # before she was allocated
    assert north["Mar 2025"] == [dashboard.FEWER, "0"]
    assert north["Jun 2025"] == ["0", "0"]  # Cat's is not the team's


def test_without_a_narrowing_filter_small_counts_are_shown(borough, flags):
    assert not PERIOD.narrowed
    assert _table(dashboard.figure_flags(PERIOD))["Mar 2025"] == ["3", "0"]


def test_five_or_more_are_shown_even_when_filtered(borough):
    for day in range(1, 6):
        make_flag(borough.ann, dt.date(2025, 5, day))
    filtered = _table(dashboard.figure_flags(Filters(PERIOD.start, PERIOD.end, area="NR30")))
    assert filtered["May 2025"] == ["5", "0"]


# --- contacts, sources and outcomes ---------------------------------------------------------


def _in_period(c: Contact) -> bool:
    return PERIOD.start <= c.received_at.date() <= PERIOD.end


def test_contacts_by_month_match_a_direct_count(borough, contacts):
    expected = {
        label: [str(sum(_in_period(c) and c.received_at.month == i + 1 for c in contacts))]
        for i, label in enumerate(MONTHS)
    }
    assert _table(dashboard.figure_contacts(PERIOD)) == expected


def test_an_unmatched_contact_counts_by_the_age_the_reporter_gave(borough, contacts):
    babies = _table(
        dashboard.figure_contacts(Filters(PERIOD.start, PERIOD.end, age_band="under-1"))
    )
    assert babies["Mar 2025"] == [dashboard.FEWER]
    assert babies["Feb 2025"] == ["0"]


def test_sources_and_outcomes_match_a_direct_count(borough, contacts):
    shown = [c for c in contacts if _in_period(c)]
    sources = _table(dashboard.figure_sources(PERIOD))
    assert sources == {
        label: [str(sum(c.source == value for c in shown))]
        for value, label in Contact.Source.choices
    }
    outcomes = _table(dashboard.figure_outcomes(PERIOD))
    assert outcomes["Child and family assessment"] == ["1"]
    assert outcomes["Not yet decided"] == [str(len(shown) - 1)]


def test_repeat_contacts_are_those_within_12_months_of_another(borough, contacts):
    known = [c for c in contacts if c.person_id is not None]

    def repeat(c: Contact) -> bool:
        since = months_add(c.received_at.date(), -12)
        return any(
            o.person_id == c.person_id and since <= o.received_at.date() < c.received_at.date()
            for o in known
        )

    expected = {}
    for i, label in enumerate(MONTHS):
        month = [c for c in known if _in_period(c) and c.received_at.month == i + 1]
        n, r = len(month), sum(repeat(c) for c in month)
        expected[label] = [str(n), str(r), f"{round(100 * r / n, 1):g}%" if n else "no items"]
    assert _table(dashboard.figure_rereferrals(PERIOD)) == expected
    # Ann's February contact follows March 2024's; Ben's follows one over a year before.
    assert expected["Feb 2025"] == ["3", "1", "33.3%"]


# --- plans and step-downs -------------------------------------------------------------------


def _plan(person: Person, kind: str, started: dt.date, lead: Any, **kw: Any) -> Plan:
    return Plan.objects.create(
        person=person,
        kind=kind,
        category=kw.pop("category", "neglect"),
        started_on=started,
        lead=lead,
        **kw,
    )


def test_plans_for_neglect_open_and_started_match_a_direct_count(borough):
    b, cp, cin = borough, Plan.Kind.CHILD_PROTECTION, Plan.Kind.CHILD_IN_NEED
    plans = [
        _plan(b.ann, cp, dt.date(2024, 11, 1), b.worker),
        _plan(
            b.ben,
            cp,
            dt.date(2025, 2, 14),
            b.worker,
            ended_on=dt.date(2025, 4, 30),
            ending="stepped_down",
        ),
        _plan(b.ben, cin, dt.date(2025, 4, 30), b.worker, category="Neglect"),
        _plan(b.cat, cp, dt.date(2025, 3, 1), b.worker, category="physical abuse"),
    ]
    neglect = [p for p in plans if p.category.lower() == "neglect"]
    expected = {}
    for i, label in enumerate(MONTHS):
        first = dt.date(2025, i + 1, 1)
        last = months_add(first, 1) - dt.timedelta(days=1)
        row = []
        for kind in (cp, cin):
            row.append(
                sum(
                    p.kind == kind
                    and p.started_on <= last
                    and (p.ended_on is None or p.ended_on > last)
                    for p in neglect
                )
            )
        for kind in (cp, cin):
            row.append(sum(p.kind == kind and first <= p.started_on <= last for p in neglect))
        expected[label] = [str(n) for n in row]
    assert _table(dashboard.figure_plans(PERIOD)) == expected
    assert expected["Apr 2025"] == ["1", "1", "0", "1"]


def test_step_downs_followed_by_a_concern_within_90_days(borough):
    b, cp = borough, Plan.Kind.CHILD_PROTECTION

    def stepped(person: Person, on: dt.date) -> Plan:
        return _plan(person, cp, dt.date(2024, 6, 1), b.worker, ended_on=on, ending="stepped_down")

    plans = [
        stepped(b.ann, dt.date(2025, 2, 10)),
        stepped(b.ben, dt.date(2025, 3, 1)),
        stepped(b.cat, dt.date(2025, 3, 20)),
        stepped(b.dan, dt.date(2025, 3, 25)),
    ]
    _plan(b.dan, cp, dt.date(2024, 1, 1), b.worker, ended_on=dt.date(2025, 3, 2), ending="closed")
    make_contact(b.ann, london(2025, 5, 11))  # the 90th day after
    make_flag(b.ben, dt.date(2025, 5, 31))  # the 91st
    make_flag(b.cat, dt.date(2025, 3, 20))  # the same day, not after
    make_contact(b.dan, london(2025, 4, 1))
    concerns = [(c.person_id, c.received_at.date()) for c in Contact.objects.all()]
    concerns += [(f.person_id, f.first_triggered_on) for f in Flag.objects.all()]

    def followed(p: Plan) -> bool:
        until = p.ended_on + dt.timedelta(days=90)
        return any(who == p.person_id and p.ended_on < on <= until for who, on in concerns)

    expected = {}
    for i, label in enumerate(MONTHS):
        month = [p for p in plans if p.ended_on.month == i + 1]
        n, f = len(month), sum(followed(p) for p in month)
        expected[label] = [str(n), str(f), f"{round(100 * f / n, 1):g}%" if n else "no items"]
    assert _table(dashboard.figure_step_downs(PERIOD)) == expected
    assert expected["Mar 2025"] == ["3", "1", "33.3%"]


# --- timeliness -----------------------------------------------------------------------------


def test_timeliness_counts_steps_done_by_their_due_day(borough, contacts):
    b = borough
    decision = TriageDecision.objects.get()
    late_decision = TriageDecision.objects.create(
        contact=contacts[4],
        person=b.ben,
        outcome="nfa",
        reason="x",
        decided_by=b.worker,
        decided_at=london(2025, 2, 12, 9),  # due the 11th
        received_at=contacts[4].received_at,
        due_on=dt.date(2025, 2, 11),
    )

    def step(due: dt.date, done: dt.date | None, kind: str = StepKind.ASSESSMENT) -> CaseStep:
        return CaseStep.objects.create(
            decision=decision,
            person=b.ann,
            kind=kind,
            started_on=dt.date(2025, 1, 1),
            due_on=due,
            timescale="45 working days",
            completed_on=done,
            completed_by=b.worker if done else None,
        )

    steps = [
        step(dt.date(2025, 3, 5), dt.date(2025, 3, 5)),  # on the day: on time
        step(dt.date(2025, 3, 5), dt.date(2025, 3, 6)),  # late
        step(dt.date(2025, 4, 1), None),  # never done, day passed: late
        step(dt.date(2025, 6, 30), dt.date(2025, 6, 1)),
        step(dt.date(2025, 8, 1), None),  # due after the period
        step(dt.date(2025, 2, 1), dt.date(2025, 1, 20), StepKind.FIRST_CORE_GROUP),
    ]
    table = _table(dashboard.figure_timeliness(PERIOD))
    decisions = [decision, late_decision]
    on_time = sum(d.made_on_time for d in decisions)
    # The contacts never decided whose day fell in the period are late too.
    undecided = [
        c
        for c in contacts
        if not TriageDecision.objects.filter(contact=c).exists()
        and PERIOD.start <= working_day_deadline(c.received_at) <= PERIOD.end
    ]
    assert len(undecided) == 3  # 1 April, 11 February, 3 March
    due = len(decisions) + len(undecided)
    assert table["Decision about the response (1 working day)"] == [
        str(due),
        str(on_time),
        str(due - on_time),
        f"{round(100 * on_time / due, 1):g}%",
    ]
    assessments = [
        s for s in steps if s.kind == StepKind.ASSESSMENT and PERIOD.start <= s.due_on <= PERIOD.end
    ]
    done = sum(s.completed_on is not None and s.completed_on <= s.due_on for s in assessments)
    label = next(k for k in table if k.startswith("Child and family assessment"))
    assert table[label] == [str(len(assessments)), str(done), str(len(assessments) - done), "50%"]
    core = next(k for k in table if k.startswith("First core group"))
    assert table[core] == ["1", "1", "0", "100%"]
    # Steps with no statutory timescale have no row: there is nothing to be on time against.
    assert not any(k.startswith("Strategy discussion") for k in table)


def test_an_undecided_contact_past_its_day_is_late_and_one_not_yet_due_is_not_counted(
    borough, contacts
):
    b = borough
    july = Filters(start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31))
    yesterday, tomorrow = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
    overdue = make_contact(b.ben, london(2025, 7, 11, 16, 55))  # a Friday: due Monday
    not_yet = make_contact(b.cat, london(2025, 7, 15, 9))  # today: due tomorrow
    assert working_day_deadline(overdue.received_at) == yesterday
    assert working_day_deadline(not_yet.received_at) == tomorrow
    decision = TriageDecision.objects.get()

    def step(due: dt.date) -> CaseStep:
        return CaseStep.objects.create(
            decision=decision,
            person=b.ann,
            kind=StepKind.ASSESSMENT,
            started_on=dt.date(2025, 5, 1),
            due_on=due,
            timescale="45 working days",
        )

    steps = [step(yesterday), step(tomorrow)]
    undecided = [
        c
        for c in Contact.objects.filter(triage__isnull=True)
        if july.start <= working_day_deadline(c.received_at) < TODAY
    ]
    # Dan's contact of 1 July and the one due yesterday; not the one due tomorrow.
    assert overdue in undecided and not_yet not in undecided and len(undecided) == 2
    table = _table(dashboard.figure_timeliness(july))
    n = str(len(undecided))
    assert table["Decision about the response (1 working day)"] == [n, "0", n, "0%"]
    missed = [s for s in steps if s.completed_on is None and s.due_on < TODAY]
    label = next(k for k in table if k.startswith("Child and family assessment"))
    assert table[label] == [str(len(missed)), "0", str(len(missed)), "0%"]
    # Once decided on time, the contact due yesterday is on time, not late.
    TriageDecision.objects.create(
        contact=overdue,
        person=b.ben,
        outcome="nfa",
        reason="x",
        decided_by=b.worker,
        decided_at=london(2025, 7, 14, 15),
        received_at=overdue.received_at,
        due_on=yesterday,
    )
    decided = _table(dashboard.figure_timeliness(july))
    assert decided["Decision about the response (1 working day)"] == ["2", "1", "1", "50%"]


def test_a_row_of_a_total_and_its_parts_hides_whatever_gives_a_small_count_away():
    columns = (
        Column("Due", "total"),
        Column("On time", "part"),
        Column("Late", "part"),
        Column("%", "percent"),
    )
    row = protect(columns, [20, 18, 2, 90.0], narrowed=True)
    assert [c.text for c in row.cells] == [
        "20",
        dashboard.WITHHELD,
        dashboard.FEWER,
        dashboard.WITHHELD,
    ]
    row = protect(columns, [3, 3, 0, 100.0], narrowed=True)
    assert [c.text for c in row.cells] == [
        dashboard.FEWER,
        dashboard.FEWER,
        dashboard.WITHHELD,
        dashboard.WITHHELD,
    ]
    row = protect(columns, [20, 10, 10, 50.0], narrowed=True)
    assert [c.text for c in row.cells] == ["20", "10", "10", "50%"]
    row = protect(columns, [20, 18, 2, 90.0], narrowed=False)
    assert [c.text for c in row.cells] == ["20", "18", "2", "90%"]


def test_the_default_period_is_the_last_twelve_months(borough):
    filters = dashboard.default_filters(today=dt.date(2025, 7, 15))
    assert (filters.start, filters.end) == (dt.date(2024, 8, 1), dt.date(2025, 7, 15))
    assert len(filters.months()) == 12


def test_a_flag_left_waiting_past_its_day_is_late_and_one_screened_or_not_yet_due_is_not(
    borough, contacts
):
    """A flag waits in the MASH's queue on the same one-working-day clock as a contact."""
    b = borough
    july = Filters(start=dt.date(2025, 7, 1), end=dt.date(2025, 7, 31))
    before = _table(dashboard.figure_timeliness(july))[
        "Decision about the response (1 working day)"
    ]
    waiting = make_flag(b.ann, dt.date(2025, 7, 9))  # raised Wednesday: due Thursday
    screened = make_flag(b.ben, dt.date(2025, 7, 9))
    screened.status = Flag.Status.ACKNOWLEDGED
    screened.save()
    no_longer_met = make_flag(b.cat, dt.date(2025, 7, 9))
    no_longer_met.met = False
    no_longer_met.save()
    not_yet = make_flag(b.cat, TODAY)  # raised today: due tomorrow
    assert (
        working_day_deadline(waiting.created_at) < TODAY <= working_day_deadline(not_yet.created_at)
    )
    after = _table(dashboard.figure_timeliness(july))["Decision about the response (1 working day)"]
    due, on_time = int(before[0]) + 1, int(before[1])
    assert after[:3] == [str(due), str(on_time), str(due - on_time)]
