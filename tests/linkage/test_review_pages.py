"""The linkage review queue in the browser: a reviewer sees why a pair is in doubt and decides.

Built like the command tests beside it (a generated borough plus one child
whose given names disagree between her health visitor and her school), then
driven through the pages with a checked client, as a reviewer would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from sightline.accounts.models import Role, StaffProfile
from sightline.linkage.models import AgencyPerson, CandidatePair, LinkDecision
from tests.linkage.test_decisions import _ingest_pair, _pair
from tests.web.conftest import CheckedClient

pytestmark = pytest.mark.django_db


def _user(role: str) -> Any:
    user = get_user_model().objects.create_user(username=f"u-{role}", password="x" * 12)
    StaffProfile.objects.create(user=user, role=role)
    return user


@pytest.fixture
def doubtful(
    cli: Callable[..., Any], ingested: Any, write_feed: Callable[..., Any]
) -> CandidatePair:
    hv, school = _ingest_pair(cli, write_feed, "WEB", ("Poppy", "Florence"), "Quennell")
    assert cli("link", "--full").code == 0
    return _pair(hv, school)


def _as(role: str) -> CheckedClient:
    client = CheckedClient()
    client.force_login(_user(role))
    return client


def test_the_queue_lists_the_doubtful_pair_and_its_page_shows_both_names_side_by_side(doubtful):
    client = _as(Role.MASH)
    queue = client.get("/linkage/review")
    assert queue.status_code == 200
    assert f'href="/linkage/review/{doubtful.pk}"' in queue.content.decode()

    page = client.get(f"/linkage/review/{doubtful.pk}").content.decode()
    assert "Are these records the same person?" in page
    # As each agency wrote it, side by side...
    written = page.split('id="as-written"')[1].split('id="comparisons"')[0]
    # Which record stands on the left follows the pair's stored order, not the agencies'.
    columns = written.split('class="govuk-grid-column-one-half"')[1:]
    assert len(columns) == 2
    assert sorted("Poppy Quennell" in c for c in columns) == [False, True]
    assert sorted("Florence Quennell" in c for c in columns) == [False, True]
    # ...and how linkage weighed it: the given names pulled the pair apart.
    table = page.split('id="comparisons"')[1].split("</table>")[0]
    given = table.split("Given name")[1].split("</tr>")[0]
    assert "POPPY" in given and "FLORENCE" in given
    assert "towards different people" in given
    assert "given names disagree" in page  # why it was held back


def test_a_decision_needs_a_reason_and_says_so_by_the_field(doubtful):
    client = _as(Role.DATA_ENGINEER)
    response = client.post(f"/linkage/review/{doubtful.pk}", {"decision": "same", "reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert '<a href="#id_reason">Enter why you decided this</a>' in page
    assert not LinkDecision.objects.exists()

    response = client.post(f"/linkage/review/{doubtful.pk}", {"reason": "Checked"})
    assert '<a href="#id_decision">Select whether these records are the same person</a>' in (
        response.content.decode()
    )


def test_same_person_joins_the_records_records_who_and_why_and_leaves_the_queue(doubtful):
    client = _as(Role.TEAM_MANAGER)
    reason = "School confirmed Florence is her middle name and the name she uses"
    response = client.post(
        f"/linkage/review/{doubtful.pk}", {"decision": "same", "reason": reason}, follow=True
    )
    assert response.status_code == 200
    assert "Every later linkage run will keep to it" in response.content.decode()
    a = AgencyPerson.objects.get(pk=doubtful.agency_person_a_id)
    b = AgencyPerson.objects.get(pk=doubtful.agency_person_b_id)
    assert a.person_id == b.person_id
    decision = LinkDecision.objects.get()
    assert (decision.decided_by, decision.reason) == ("u-team_manager", reason)
    assert (
        f'href="/linkage/review/{doubtful.pk}"'
        not in client.get("/linkage/review").content.decode()
    )


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.PARTNER, Role.PARTNERSHIP_OFFICER])
def test_people_whose_work_is_not_identity_may_not_see_or_decide_pairs(doubtful, role):
    client = _as(role)
    assert client.get("/linkage/review").status_code == 403
    assert client.get(f"/linkage/review/{doubtful.pk}").status_code == 403
    denied = client.post(f"/linkage/review/{doubtful.pk}", {"decision": "same", "reason": "x"})
    assert denied.status_code == 403
    assert not LinkDecision.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(doubtful):
    response = CheckedClient().get(f"/linkage/review/{doubtful.pk}")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in")
