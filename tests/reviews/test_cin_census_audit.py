"""The CIN census names many children: handing it over is on each child's access log.

These do not run the DfE validator, so they run without ``.venv-cin/``.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from sightline.accounts.audit import audit_verify
from sightline.accounts.models import AccessLog
from sightline.accounts.services import access_log_record
from sightline.reviews.census import CensusYear
from tests.reviews.test_cin_census import _contact_on, _decide

pytestmark = pytest.mark.django_db

YEAR = CensusYear(2025)


def _referred(person: Any, day: dt.date, worker: Any) -> None:
    """A referral for an assessment, in the 2024 to 2025 census year."""
    _decide(_contact_on(day, person), "assessment", worker)


@pytest.fixture
def referred(family: Any, make_staff: Callable[..., Any]) -> list[Any]:
    """Lacey and Tom, each referred once in the year; an earlier look keeps the chain non-empty."""
    worker = make_staff("mash")
    access_log_record(
        user=worker, person=family.tom, action="viewed_page", path="/p", ip_address=None
    )
    _referred(family.lacey, dt.date(2024, 9, 2), worker)
    _referred(family.tom, dt.date(2024, 11, 4), worker)
    return [family.lacey, family.tom]


def _returned(xml: bytes) -> set[str]:
    return {
        c.findtext("ChildIdentifiers/LAchildID") or "" for c in ET.fromstring(xml).iter("Child")
    }


def _census_ids(persons: list[Any]) -> set[str]:
    return {p.public_id.replace("-", "") for p in persons}


def test_downloading_the_return_logs_each_child_in_it_against_the_officer(
    client: Any, make_staff: Callable[..., Any], referred: list[Any], family: Any
) -> None:
    officer = make_staff("partnership_officer")
    client.force_login(officer)

    # Showing the return is not a look at each child: only its download is.
    page = client.get(reverse("web:cin-census"), {"year": YEAR.year})
    assert page.status_code == 200
    assert not AccessLog.objects.filter(action="exported_census").exists()

    response = client.get(reverse("web:cin-census-xml"), {"year": YEAR.year})
    assert response.status_code == 200
    assert _returned(response.content) == _census_ids(referred)
    logged = AccessLog.objects.filter(action=AccessLog.Action.EXPORTED_CENSUS)
    assert sorted(e.person_id for e in logged) == sorted(p.pk for p in referred)
    assert {(e.user_id, e.path) for e in logged} == {
        (officer.pk, f"/returns/cin-census/xml?year={YEAR.year}")
    }
    # Gemma, an adult with no referral, is not in the return and not on its log.
    assert not AccessLog.objects.filter(person=family.gemma, action="exported_census").exists()
    verified = audit_verify()
    assert verified.intact, verified.reason
    assert verified.entries == 3


def test_the_command_logs_each_child_with_no_user_and_the_chain_holds(
    cli: Any, referred: list[Any], tmp_path: Any
) -> None:
    out = tmp_path / "cin.xml"
    result = cli("export", "cin-census", "--year", str(YEAR.year), "--out", str(out))
    assert result.code == 0, result.err
    assert _returned(out.read_bytes()) == _census_ids(referred)
    logged = list(AccessLog.objects.filter(action="exported_census"))
    assert sorted(e.person_id for e in logged) == sorted(p.pk for p in referred)
    assert {e.user_id for e in logged} == {None}
    assert all(
        e.path.startswith(f"sightline export cin-census --year {YEAR.year} --out {out} (run by ")
        for e in logged
    )

    # To standard output too; and the chain, verified from the command line, holds.
    again = cli("export", "cin-census", "--year", str(YEAR.year))
    assert again.code == 0, again.err
    assert _returned(again.out_bytes) == _census_ids(referred)
    assert AccessLog.objects.filter(action="exported_census").count() == 4
    verify = cli("audit", "verify")
    assert verify.code == 0, verify.err + str(verify.out)


def test_a_file_that_cannot_be_written_logs_nothing(
    cli: Any, referred: list[Any], tmp_path: Any
) -> None:
    result = cli(
        "export", "cin-census", "--year", str(YEAR.year), "--out", str(tmp_path / "no" / "x.xml")
    )
    assert result.code == 2
    assert "--out: cannot write" in result.err
    assert not AccessLog.objects.filter(action="exported_census").exists()


def test_the_childs_who_has_looked_page_says_the_census_was_exported(
    client: Any, make_staff: Callable[..., Any], referred: list[Any], family: Any
) -> None:
    officer = make_staff("partnership_officer")
    client.force_login(officer)
    client.get(reverse("web:cin-census-xml"), {"year": YEAR.year})

    client.force_login(make_staff("mash", team="MASH"))
    page = client.get(f"/people/{family.tom.public_id}/access-log")
    assert page.status_code == 200
    looks = page.content.decode().split('id="access-log"')[1]
    assert "Exported in the Children in Need census return" in looks
    assert (officer.get_full_name() or officer.get_username()) in looks
