"""Reporting a concern: the public form, without signing in, and a professional's referral."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from sightline.accounts.models import Role
from sightline.casework.models import Contact
from sightline.casework.timescales import LONDON
from tests.conftest import record
from tests.web.casework_helpers import place, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def leo_marsh(write_feed, ingest):
    """Leo Marsh (born 9 January 2023) as health visiting and the police each recorded him."""
    ingest(
        write_feed(
            [
                record(
                    record_id="HV-1",
                    subject={
                        "local_id": "HV-P-501",
                        "given_name": "Leo",
                        "family_name": "Marsh",
                        "date_of_birth": "2023-01-09",
                        "nhs_number": "943 476 5919",
                    },
                ),
                record(
                    agency="norfolk-police",
                    record_id="NP-1",
                    type="note",
                    occurred_at="2023-06-18T23:10:00+01:00",
                    details={},
                    subject={
                        "local_id": "NP-C-9912",
                        "given_name": "Leo",
                        "family_name": "Marsh",
                        "date_of_birth": "2023-01-09",
                    },
                ),
            ]
        )
    )


GOOD = {
    "reporter_type": "public",
    "give_details": "no",
    "child_given_name": "Leo",
    "child_family_name": "Marsh",
    "dob_day": "9",
    "dob_month": "1",
    "dob_year": "2023",
    "child_address": "12 Quay Road, Great Yarmouth",
    "concern": "He was outside alone at 11pm in a nappy, crying.",
    "immediate_danger": "no",
}


def _error_summary(html: str) -> list[tuple[str, str]]:
    summary = html.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)


def test_the_form_opens_without_signing_in_and_says_call_999(client):
    response = client.get("/report-a-concern")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Report a concern about a child" in html
    assert "If a child is in immediate danger, call 999 now" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_anonymous_concern_is_received_and_given_a_reference(client):
    client.get("/report-a-concern")
    response = client.post("/report-a-concern", GOOD, follow=True)
    html = response.content.decode()
    contact = Contact.objects.get()
    assert re.fullmatch(r"C-\d{4}-\d{6}", contact.reference)
    assert response.redirect_chain[-1][0] == "/report-a-concern/sent"
    assert "govuk-panel--confirmation" in html and contact.reference in html
    assert contact.anonymous and contact.reporter_name == ""
    assert contact.source == Contact.Source.PUBLIC
    assert contact.concern == GOOD["concern"]
    assert contact.received_at.astimezone(LONDON).year == int(contact.reference[2:6])


def test_the_reporter_can_give_their_details(client):
    data = {
        **GOOD,
        "give_details": "yes",
        "reporter_type": "family",
        "reporter_name": "Jo Marsh",
        "reporter_phone": "01493 000000",
        "reporter_relationship": "aunt",
    }
    client.post("/report-a-concern", data)
    contact = Contact.objects.get()
    assert (contact.anonymous, contact.reporter_name, contact.source) == (
        False,
        "Jo Marsh",
        "family",
    )


def test_an_anonymous_reporter_s_typed_details_are_not_kept(client):
    client.post(
        "/report-a-concern", {**GOOD, "reporter_name": "Someone", "reporter_email": "a@b.c"}
    )
    contact = Contact.objects.get()
    assert contact.anonymous and contact.reporter_name == "" and contact.reporter_email == ""


@pytest.mark.parametrize(
    ("change", "anchor", "message"),
    [
        ({"reporter_type": ""}, "id_reporter_type_0", "Select who you are"),
        ({"concern": "   "}, "id_concern", "Enter what happened or what you are worried about"),
        (
            {"immediate_danger": ""},
            "id_immediate_danger_0",
            "Select whether the child is in immediate danger",
        ),
        ({"concern": "x" * 5001}, "id_concern", "must be 5000 characters or fewer"),
        ({"child_given_name": "x" * 201}, "id_child_given_name", "First name must be 200"),
        ({"dob_day": "31", "dob_month": "2"}, "id_dob_day", "Date of birth must be a real date"),
        ({"dob_year": ""}, "id_dob_day", "Date of birth must include a day, month and year"),
        (
            {"child_given_name": "", "child_family_name": "", "child_address": ""},
            "id_child_given_name",
            "Enter the child's name, or where they live or go to school",
        ),
        ({"give_details": "yes"}, "id_reporter_name", "Enter your full name"),
        (
            {"give_details": "yes", "reporter_name": "Jo"},
            "id_reporter_phone",
            "Enter a phone number or email address",
        ),
        (
            {"give_details": "yes", "reporter_name": "Jo", "reporter_email": "not-an-email"},
            "id_reporter_email",
            "Enter an email address in the correct format",
        ),
    ],
)
def test_errors_name_the_field_and_the_reason(client, change, anchor, message):
    response = client.post("/report-a-concern", {**GOOD, **change})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<title>Error: Report a concern") == 1
    links = _error_summary(html)
    assert any(a == anchor and message in text.replace("&#x27;", "'") for a, text in links), links
    # The field itself says it too, and the page still has what was typed.
    error_id = {"id_dob_day": "dob"}.get(anchor, anchor.removesuffix("_0"))
    assert f'id="{error_id}-error"' in html
    assert Contact.objects.count() == 0


def test_what_was_typed_is_kept_and_shown_escaped_after_an_error(client):
    hostile = "<script>alert(1)</script>"
    response = client.post("/report-a-concern", {**GOOD, "reporter_type": "", "concern": hostile})
    html = response.content.decode()
    assert hostile not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_confirmation_page_needs_a_report_first(client):
    response = client.get("/report-a-concern/sent")
    assert response.status_code == 302 and response["Location"] == "/report-a-concern"


def test_saying_the_child_is_in_danger_repeats_call_999(client):
    response = client.post("/report-a-concern", {**GOOD, "immediate_danger": "yes"}, follow=True)
    assert "Call 999 now" in response.content.decode()


def test_the_form_refuses_a_post_without_its_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/report-a-concern", GOOD)
    assert response.status_code == 403
    assert Contact.objects.count() == 0


def test_a_child_matched_on_name_and_birth_date_is_linked(client, leo_marsh):
    person = place(("nhs-community-hv", "HV-P-501"), ("norfolk-police", "NP-C-9912"))
    client.post(
        "/report-a-concern", {**GOOD, "child_given_name": " leo ", "child_family_name": "MARSH"}
    )
    contact = Contact.objects.get()
    assert contact.person == person and contact.matched_on == "name and date of birth"


def test_two_people_who_fit_are_not_guessed_between(client, leo_marsh):
    place(("nhs-community-hv", "HV-P-501"))
    place(("norfolk-police", "NP-C-9912"))  # linkage has not joined them
    client.post("/report-a-concern", GOOD)
    assert Contact.objects.get().person is None


def test_a_near_miss_is_not_matched_and_the_contact_is_still_kept(client, leo_marsh):
    place(("nhs-community-hv", "HV-P-501"), ("norfolk-police", "NP-C-9912"))
    client.post("/report-a-concern", {**GOOD, "dob_day": "10"})
    contact = Contact.objects.get()
    assert contact.person is None and contact.matched_on == ""


# --- The professional referral ------------------------------------------------------

REFERRAL = {
    **{k: v for k, v in GOOD.items() if k not in ("reporter_type", "give_details")},
    "reporter_phone": "01603 111111",
    "child_nhs_number": "943 476 5919",
    "family_aware": "yes",
}


def test_a_partner_refers_with_their_agency_details_and_nhs_number(client, leo_marsh):
    person = place(("nhs-community-hv", "HV-P-501"))
    user = staff("hana.visitor", Role.PARTNER, job_title="Health visitor")
    client.force_login(user)
    response = client.post(
        "/referrals/new",
        {**REFERRAL, "dob_day": ""[:0] or "9", "child_given_name": "Leon"},
        follow=True,
    )
    html = response.content.decode()
    contact = Contact.objects.get()
    assert contact.reference in html and "Referral sent" in html
    assert contact.source == Contact.Source.AGENCY and contact.submitted_by == user
    assert contact.reporter_job_title == "Health visitor"
    # The name was misspelt, but a valid NHS number held for one person is a match.
    assert contact.person == person and contact.matched_on == "NHS number"


def test_a_referral_with_an_invalid_nhs_number_names_the_field(client):
    client.force_login(staff("hana.visitor", Role.PARTNER))
    response = client.post("/referrals/new", {**REFERRAL, "child_nhs_number": "1234567890"})
    links = _error_summary(response.content.decode())
    assert ("id_child_nhs_number", links[0][1]) in links and "NHS number" in links[0][1]


@pytest.mark.parametrize("role", [None, Role.DATA_ENGINEER, Role.PARTNERSHIP_OFFICER])
def test_only_professionals_who_work_with_children_get_the_referral_form(client, role):
    client.force_login(staff("someone.else", role))
    assert client.get("/referrals/new").status_code == 403


def test_signed_out_the_referral_form_asks_to_sign_in(client):
    response = client.get("/referrals/new")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in")


def test_a_concern_sent_without_signing_in_waits_on_the_mash_worklist(client):
    client.post("/report-a-concern", GOOD)
    contact = Contact.objects.get()
    client.force_login(staff("mo.hub", Role.MASH))
    worklist = client.get("/mash").content.decode()
    assert f'data-item="contact-{contact.pk}"' in worklist
    assert f"Contact {contact.reference}" in worklist and "Leo Marsh" in worklist
    page = client.get(f"/mash/contacts/{contact.pk}").content.decode()
    assert GOOD["concern"] in page and "Anonymous" in page and "Not matched" in page


def test_the_error_summary_lists_errors_in_the_order_of_the_page(client):
    html = client.post("/report-a-concern", {"give_details": "yes"}).content.decode()
    anchors = [a for a, _ in _error_summary(html)]
    assert anchors == [
        "id_reporter_type_0",
        "id_reporter_name",
        "id_reporter_phone",
        "id_child_given_name",
        "id_concern",
        "id_immediate_danger_0",
    ]
    assert [html.index(f'id="{a}"') for a in anchors] == sorted(
        html.index(f'id="{a}"') for a in anchors
    )


def test_the_sign_in_page_points_the_public_to_the_form(client):
    assert 'href="/report-a-concern"' in client.get("/sign-in").content.decode()


@override_settings(SIGHTLINE_CONCERN_RATE_LIMIT=2)
def test_over_the_hourly_limit_nothing_is_sent_the_page_says_so_and_keeps_the_answers(client):
    for _ in range(2):
        assert client.post("/report-a-concern", GOOD).status_code == 302
    assert Contact.objects.count() == 2
    response = client.post("/report-a-concern", {**GOOD, "concern": "Third report: Leo again."})
    html = response.content.decode()
    assert response.status_code == 429
    assert "<title>Error: Report a concern about a child - Sightline</title>" in html
    assert "Your concern has not been sent" in html
    assert "or phone your council's children's services now" in html
    assert "If a child is in immediate danger, call 999." in html
    # Nothing typed is lost: the answers are still in the form to send again.
    assert "Third report: Leo again.</textarea>" in html
    assert 'value="Marsh"' in html
    assert Contact.objects.count() == 2
    # Another address is not held up.
    assert client.post("/report-a-concern", GOOD, REMOTE_ADDR="198.51.100.9").status_code == 302


@override_settings(SIGHTLINE_CONCERN_RATE_LIMIT=1)
def test_a_form_sent_back_with_mistakes_does_not_use_up_the_limit(client):
    client.post("/report-a-concern", {**GOOD, "concern": ""})
    assert client.post("/report-a-concern", GOOD).status_code == 302
    assert Contact.objects.count() == 1
    assert client.post("/report-a-concern", GOOD).status_code == 429
