"""CSV import (all or nothing, row-numbered errors), CSV/JSON exports and the quarterly PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accord.plan import exports, imports, report, services
from accord.plan.imports import ImportRefused
from accord.plan.models import Commitment, Theme
from accord.policy.roles import OrgKind
from tests.factories import OrganisationFactory
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HEADER = "number,parent,theme_number,theme_title,title,statement,co_owners,published\r\n"


def good_file(partner: str) -> bytes:
    return (
        HEADER
        + f'1,,1,Trust,Advisory service,"Fund it, from April.",{partner},yes\r\n'
        + "1.1,1,1,Trust,Referral route,Agree how cases are referred.,,no\r\n"
        + "2,,2,Pursuit,Training,Train every frontline officer.,,yes\r\n"
    ).encode()


def test_a_good_file_is_imported_with_themes_co_owners_and_sub_actions() -> None:
    who = people()
    plan = make_plan(who.owner)
    partner = who.partner.membership.organisation
    done = imports.import_commitments(None, plan, good_file(partner.name), by=who.owner)
    assert (done.added, done.changed) == (3, 0)
    one, sub, _two = Commitment.objects.order_by("number")
    assert one.statement == "Fund it, from April." and one.published
    assert list(one.co_owners.all()) == [partner]
    assert sub.parent == one and not sub.published
    assert [t.title for t in Theme.objects.order_by("number")] == ["Trust", "Pursuit"]


def test_an_export_imports_back_unchanged() -> None:
    who = people()
    plan = make_plan(who.owner)
    partner = who.partner.membership.organisation
    imports.import_commitments(None, plan, good_file(partner.name), by=who.owner)
    before = exports.plan_records(plan, TODAY, public=False)
    exported = exports.plan_csv(plan, TODAY, public=False).encode()
    done = imports.import_commitments(None, plan, exported, by=who.owner)
    assert (done.added, done.changed) == (0, 3)
    assert exports.plan_records(plan, TODAY, public=False) == before


BAD = [
    # (file text, expected problem strings)
    (
        "number,title,statement,colour\r\n1,T,S,red\r\n",
        [
            "Row 1, column 'colour': unknown column. The columns are: number, parent, "
            "theme_number, theme_title, title, statement, lead_title, co_owners, source_quote, "
            "source_reference, published."
        ],
    ),
    ("number,title\r\n1,T\r\n", ["Row 1, column 'statement': this column is missing."]),
    (
        HEADER + "1,,,,,Something.,,yes\r\n",
        ["Row 2, column 'title': this cell is empty; it is required."],
    ),
    (
        HEADER + "1,,,,A,S,,yes\r\n1,,,,B,S,,yes\r\n",
        ["Row 3, column 'number': 1 is already on row 2."],
    ),
    (
        HEADER + "1,,,,A,S,Nobody Org,yes\r\n",
        ["Row 2, column 'co_owners': 'Nobody Org' is not a VAWG partner in Accord."],
    ),
    (
        HEADER + '1,,,,=HYPERLINK("x"),S,,yes\r\n',
        ["Row 2, column 'title': the cell starts like a spreadsheet formula. Remove it."],
    ),
    (HEADER + "1,,,,A,S,,perhaps\r\n", ["Row 2, column 'published': write yes or no."]),
    (HEADER + "1,9,,,A,S,,yes\r\n", ["Row 2, column 'parent': there is no commitment 9."]),
    (
        HEADER + "1,,1,Trust,A,S,,yes\r\n2,,1,Safety,B,S,,yes\r\n",
        ["Row 3, column 'theme_title': theme 1 is called 'Trust' on row 2."],
    ),
    (HEADER, ["The file has a header but no commitments."]),
    ("", ["The file is empty."]),
    (HEADER + "1,,,,A,S,,yes,extra\r\n", ["Row 2: this row has more cells than the header."]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_a_bad_file_names_each_problem_and_imports_nothing(text: str, expected: list[str]) -> None:
    who = people()
    plan = make_plan(who.owner)
    # A good row first: it must not be imported either.
    with pytest.raises(ImportRefused) as refused:
        imports.import_commitments(None, plan, text.encode(), by=who.owner)
    assert [str(p) for p in refused.value.problems] == expected
    assert not Commitment.objects.exists() and not Theme.objects.exists()


def test_a_file_that_is_not_utf8_names_the_row() -> None:
    who = people()
    plan = make_plan(who.owner)
    data = (HEADER + "1,,,,Caf\u00e9,S,,yes\r\n").encode("latin-1")
    with pytest.raises(ImportRefused) as refused:
        imports.import_commitments(None, plan, data, by=who.owner)
    assert [str(p) for p in refused.value.problems] == [
        "Row 2: the file is not UTF-8 text. Save it as 'CSV UTF-8'."
    ]


def test_one_bad_row_among_good_ones_imports_nothing_through_the_page() -> None:
    who = people()
    plan = make_plan(who.owner)
    client = Client()
    client.force_login(who.owner, backend="allauth.account.auth_backends.AuthenticationBackend")
    data = good_file("") + b"3,,,,,No title here.,,yes\r\n"
    upload = io.BytesIO(data)
    upload.name = "plan.csv"
    page = client.post(reverse("plan_import", args=[plan.slug]), {"file": upload})
    assert page.status_code == 200
    assert "Row 5, column &#x27;title&#x27;: this cell is empty" in page.content.decode()
    assert not Commitment.objects.exists()


def test_only_the_plans_owners_import() -> None:
    who = people()
    plan = make_plan(who.owner)
    with pytest.raises(ImportRefused, match="Only the plan's police plan owners"):
        imports.import_commitments(None, plan, good_file(""), by=who.partner)


def test_exports_are_safe_for_spreadsheets_and_public_ones_hold_no_drafts() -> None:
    who = people()
    plan = make_plan(who.owner)
    services.save_commitment(
        None,
        plan,
        number="1",
        title="=1+1 is not a formula here",
        statement="S",
        published=True,
        by=who.owner,
    )
    make_commitment(plan, who.owner, "2", published=False)
    rows = list(csv.reader(io.StringIO(exports.plan_csv(plan, TODAY, public=True))))
    assert rows[0][: len(exports.EDITABLE)] == list(exports.EDITABLE)
    assert [r[0] for r in rows[1:]] == ["1"]
    assert rows[1][4] == "'=1+1 is not a formula here"
    public_json = Client().get(reverse("public_plan_json", args=[plan.slug]))
    assert [c["number"] for c in json.loads(public_json.content)["commitments"]] == ["1"]


def test_the_quarterly_report_holds_the_commitments_partners_views_and_the_chart() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner, "1.1")
    make_commitment(plan, who.owner, "9", published=False)
    services.record_progress(
        None,
        commitment,
        on=TODAY,
        status="on_track",
        progress=40,
        text="Contract let.",
        by=who.owner,
    )
    services.rate(
        None,
        commitment,
        verifiability="verifiable",
        relevance="relevant",
        impact="moderate",
        completion="limited",
        status="behind",
        comment="",
        by=who.partner,
    )
    quarter = report.quarter_of(TODAY)
    pdf = PdfReader(io.BytesIO(report.report_pdf(plan, quarter)))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert f"Progress report for {quarter.label}" in text
    assert "1.1 Independent advisory service" in text
    assert "Contested: partners do not agree" in text
    assert who.partner.membership.organisation.name in text
    assert "Contract let." in text
    assert "9 Independent" not in text  # a draft is not published
    assert "Commitments by police-reported status" in text  # the chart's data table
    rows = report.status_history(plan, quarter)
    now = {r["status"]: r["count"] for r in rows if r["period"] == quarter.label}
    assert now["In progress, on track"] == 1 and sum(now.values()) == 1
    earlier = {r["status"]: r["count"] for r in rows if r["period"] == quarter.previous().label}
    assert earlier["Not started"] == 1


def test_a_report_for_a_quarter_that_has_not_started_is_refused() -> None:
    who = people()
    plan = make_plan(who.owner)
    later = report.quarter_of(TODAY + dt.timedelta(days=100))
    url = reverse("public_plan_report", args=[plan.slug, later.year, later.number])
    assert Client().get(url).status_code == 404
    assert Client().get(reverse("public_plan_report", args=[plan.slug, 2026, 5])).status_code == 404


def test_co_owner_names_match_whatever_their_case() -> None:
    who = people()
    plan = make_plan(who.owner)
    OrganisationFactory(kind=OrgKind.VAWG_PARTNER.value, name="Solace Women's Aid")
    data = (HEADER + "1,,,,A,S,solace women's aid,yes\r\n").encode()
    imports.import_commitments(None, plan, data, by=who.owner)
    assert [o.name for o in Commitment.objects.get().co_owners.all()] == ["Solace Women's Aid"]
