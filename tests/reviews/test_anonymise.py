"""The anonymiser on its own: each kind of identifier in the ways people type it."""

from __future__ import annotations

import datetime as dt

import pytest

from sightline.reviews.anonymise import Anonymiser, Known


def _anonymiser(**kwargs: object) -> Anonymiser:
    child = Known(
        label="Child AG",
        real_name="Jayden Fairweather-Cole",
        given_names={"Jayden"},
        family_names={"Fairweather-Cole"},
        other_names={"Jay"},
        nhs_numbers={"943 476 5919"},
        upns={"H801200001001"},
        postcodes={"NR30 2AB"},
        addresses={"14 Albion Road, Great Yarmouth"},
        dates_of_birth={dt.date(2019, 5, 14)},
    )
    mother = Known(
        label="Mother",
        given_names={"Kerry", "Siobhan"},
        family_names={"Fairweather-Cole", "O'Brien"},
        phones={"07700 900123"},
    )
    partner = Known(label="Parent's partner", given_names={"Alfred"}, family_names={"Pike"})
    return Anonymiser(
        people={1: child, 2: mother, 3: partner},
        others=[("Janet Smithson", "the referrer")],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JAYDEN's lunch", "Child AG's lunch"),
        ("jayden fairweather cole", "Child AG"),
        ("Fairweather-Cole, Jayden", "Child AG"),
        ("Jay's coat", "Child AG's coat"),
        ("the Fairweather-Cole family", "the [family name] family"),
        ("Mrs OBrien and mrs o'brien", "Mother and Mother"),
        ("Alfie said", "Parent's partner said"),  # a short form of Alfred
        ("Janet rang", "the referrer rang"),
        ("Jaydenne and Jays", "Jaydenne and Jays"),  # a longer word is not the name
    ],
)
def test_names_become_pseudonyms(text: str, expected: str) -> None:
    assert _anonymiser().text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS 943 476 5919.", "NHS [NHS number]."),
        ("NHS 9434765919.", "NHS [NHS number]."),
        ("NHS 943-476-5919.", "NHS [NHS number]."),
        ("someone else's 400 000 0020", "someone else's [NHS number]"),
        ("UPN h801200001001", "UPN [UPN]"),
        ("call 07700900123", "call [phone]"),
        ("call +44 7700 900456", "call [phone]"),
        ("call (01493) 612 345", "call [phone]"),
        # A year or a count is not a phone number.
        ("seen twice in May 2019, 12345 sessions", "seen twice in May 2019, 12345 sessions"),
        ("mail kerry.fc@example.com now", "mail [email] now"),
        ("at nr302ab", "at NR30"),
        ("at NR30 2AB", "at NR30"),
        ("lives at 14 albion rd, Gt Yarmouth", "lives at [address], Gt Yarmouth"),
        ("moved to 14 Albion Road, Great Yarmouth.", "moved to Great Yarmouth."),
        ("visited 27 Church Street", "visited [address]"),
        ("born 14/05/2019", "born [date of birth]"),
        ("on 14 May 2019", "on [date of birth]"),
        ("DOB: 03.02.1990", "DOB: [date of birth]"),
        ("seen 2023-04-02 at 10:15, 14.1 kg", "seen 2023-04-02 at 10:15, 14.1 kg"),
    ],
)
def test_identifiers_are_removed_and_addresses_reduced(text: str, expected: str) -> None:
    assert _anonymiser().text(text) == expected


def test_dates_in_text_shift_by_the_offset_in_their_own_format() -> None:
    a = _anonymiser(shift_days=-10)
    assert a.text("seen 2023-04-02, 02/04/2023 and 2 April 2023") == (
        "seen 2023-03-23, 23/03/2023 and 23 March 2023"
    )
    assert a.day(dt.date(2023, 4, 2)) == dt.date(2023, 3, 23)


def test_a_day_and_month_without_a_year_is_taken_out_when_dates_are_shifted() -> None:
    """It cannot be shifted without its year, and as written it would give the real date away."""
    text = "Seen on 3 March, again March 5th and on the 7th of april; married 3 times in May 2019"
    assert _anonymiser(shift_days=-10).text(text) == (
        "Seen on [date], again [date] and on the [date]; married 3 times in May 2019"
    )
    # Kept when the dates are kept; a full date is still shifted, not taken out.
    assert _anonymiser().text(text) == text
    assert _anonymiser(shift_days=-10).text("on 2 April 2023") == "on 23 March 2023"


def test_disabled_keeps_names_and_still_shifts() -> None:
    a = _anonymiser(enabled=False, shift_days=1)
    assert a.text("Jayden seen 2023-04-02") == "Jayden seen 2023-04-03"
    assert a.who(1) == "Jayden Fairweather-Cole"
    assert _anonymiser().who(1) == "Child AG"
