"""Safety plans: one current plan, replaced not rewritten; actions with owners and dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import risk
from accord.casework.models import Case, SafetyAction, SafetyPlan
from accord.casework.services import close
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def advocate_and_case() -> tuple[User, Case]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, make_case(advocate)


def plan_for(case: Case, by: User, **overrides: object) -> SafetyPlan:
    values: dict[str, object] = {"review_on": days(14), "notes": "", "by": by}
    values.update(overrides)
    return risk.start_safety_plan(None, case, **values)  # type: ignore[arg-type]


def action_on(
    case: Case, plan: SafetyPlan, by: User, text: str, **overrides: object
) -> SafetyAction:
    values: dict[str, object] = {"text": text, "owner": "client", "due_on": None, "by": by}
    values.update(overrides)
    return risk.add_action(None, case, plan, **values)  # type: ignore[arg-type]


def actions(event: str) -> int:
    return AuditEvent.objects.filter(action=f"casework.{event}").count()


def test_a_new_plan_supersedes_the_current_one_and_carries_over_open_actions() -> None:
    advocate, case = advocate_and_case()
    first = plan_for(case, advocate, notes="Go to her sister's if he comes round.")
    open_action = action_on(case, first, advocate, "Keep a phone charged", due_on=days(3))
    done_action = action_on(case, first, advocate, "Change the locks", owner="other_agency")
    risk.mark_action_done(None, case, done_action, by=advocate)

    second = plan_for(case, advocate, review_on=days(7))
    first.refresh_from_db()
    assert first.superseded and not second.superseded
    assert risk.active_plan(case) == second
    assert SafetyPlan.objects.filter(case=case, superseded=False).count() == 1
    copied = list(second.actions.all())
    assert [(a.text, a.owner, a.due_on, a.done_on) for a in copied] == [
        ("Keep a phone charged", "client", days(3), None)
    ]
    # The old plan keeps its own record, untouched.
    assert first.actions.count() == 2 and first.notes == "Go to her sister's if he comes round."
    open_action.refresh_from_db()
    assert open_action.plan == first

    third = plan_for(case, advocate, carry_over=False)
    assert third.actions.count() == 0
    assert actions("safety.plan.start") == 3


def test_a_review_date_in_the_past_is_refused_and_nothing_is_saved() -> None:
    advocate, case = advocate_and_case()
    with pytest.raises(risk.RiskError, match="review date must be today or later") as error:
        plan_for(case, advocate, review_on=days(-1))
    assert error.value.field == "review_on"
    assert SafetyPlan.objects.count() == 0 and actions("safety.plan.start") == 0


def test_actions_need_words_an_owner_and_a_date_not_in_the_past() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    for overrides, field in [
        ({"text": "   "}, "text"),
        ({"owner": "neighbour"}, "owner"),
        ({"due_on": days(-2)}, "due_on"),
        ({"text": "x" * (risk.MAX_ACTION_TEXT + 1)}, "text"),
    ]:
        values: dict[str, object] = {"text": "Pack a bag", **overrides}
        text = values.pop("text")
        with pytest.raises(risk.RiskError) as error:
            action_on(case, plan, advocate, str(text), **values)
        assert error.value.field == field
    assert SafetyAction.objects.count() == 0 and actions("safety.action.add") == 0


def test_an_earlier_plan_takes_no_new_actions_or_changes() -> None:
    advocate, case = advocate_and_case()
    old = plan_for(case, advocate)
    old_action = action_on(case, old, advocate, "Save the helpline number")
    plan_for(case, advocate, carry_over=False)
    old.refresh_from_db()
    with pytest.raises(risk.RiskError, match="replaced by a newer one"):
        action_on(case, old, advocate, "Too late")
    with pytest.raises(risk.RiskError, match="replaced by a newer one"):
        risk.set_plan_review(None, case, old, review_on=days(30), by=advocate)
    old_action.refresh_from_db()
    with pytest.raises(risk.RiskError, match="replaced by a newer one"):
        risk.mark_action_done(None, case, old_action, by=advocate)
    assert old.actions.count() == 1


def test_marking_done_records_the_date_once() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    action = action_on(case, plan, advocate, "Tell the school who may collect the children")
    risk.mark_action_done(None, case, action, by=advocate)
    assert action.done_on == today()
    with pytest.raises(risk.RiskError, match="already marked done"):
        risk.mark_action_done(None, case, action, by=advocate)
    with pytest.raises(risk.RiskError, match="cannot be in the future"):
        later = action_on(case, plan, advocate, "Another step")
        risk.mark_action_done(None, case, later, by=advocate, done_on=days(1))
    assert actions("safety.action.done") == 1


def test_the_review_date_can_be_moved() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    risk.set_plan_review(None, case, plan, review_on=days(2), by=advocate)
    plan.refresh_from_db()
    assert plan.review_on == days(2)
    with pytest.raises(risk.RiskError, match="today or later"):
        risk.set_plan_review(None, case, plan, review_on=days(-1), by=advocate)
    plan.refresh_from_db()
    assert plan.review_on == days(2) and actions("safety.plan.review") == 1


def test_a_closed_case_takes_no_plan_changes() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    close(
        None,
        case,
        reason="support_complete",
        note="",
        feels_safe=None,
        trusts_complaints_process=None,
        by=advocate,
    )
    with pytest.raises(risk.RiskError, match="closed"):
        plan_for(case, advocate)
    with pytest.raises(risk.RiskError, match="closed"):
        action_on(case, plan, advocate, "Anything")
    client = client_for("advocate", {"advocate": advocate})
    response = client.post(
        reverse("safety_plan_new", args=[case.reference]), {"review_on": days(3).isoformat()}
    )
    assert response.status_code == 404
    assert SafetyPlan.objects.filter(case=case).count() == 1


def test_plan_notes_and_action_text_are_sealed() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate, notes="Code word with her mother is BLUEBELL.")
    action_on(case, plan, advocate, "Ask the DPS for the officer's firearms status")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed_notes FROM casework_safetyplan WHERE id = %s", [plan.pk])
        (notes,) = cursor.fetchone()
        cursor.execute(
            "SELECT sealed_text FROM casework_safetyaction WHERE plan_id = %s", [plan.pk]
        )
        (text,) = cursor.fetchone()
    assert notes.startswith("v1:") and "BLUEBELL" not in notes
    assert text.startswith("v1:") and "firearms" not in text


def test_the_pages_start_a_plan_add_an_action_and_mark_it_done() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    case_page = reverse("case_detail", args=[case.reference])
    assert "No safety plan yet." in client.get(case_page).content.decode()

    refused = client.post(
        reverse("safety_plan_new", args=[case.reference]), {"review_on": days(-5).isoformat()}
    )
    assert refused.status_code == 200
    assert "The review date must be today or later." in refused.content.decode()
    assert SafetyPlan.objects.count() == 0

    started = client.post(
        reverse("safety_plan_new", args=[case.reference]),
        {"review_on": days(10).isoformat(), "notes": "Stay with a friend on Fridays."},
    )
    assert started.status_code == 302
    assert started["Location"].endswith("#safety-plan")
    plan = SafetyPlan.objects.get(case=case)
    assert plan.created_by == advocate and plan.notes == "Stay with a friend on Fridays."

    add_url = reverse("safety_action_add", args=[case.reference, plan.uid])
    missing = client.post(add_url, {"text": "", "due_on": ""})
    body = missing.content.decode()
    assert "Say what needs to be done." in body and "Choose who will do this." in body
    added = client.post(
        add_url, {"text": "Apply for a non-molestation order", "owner": "advocate", "due_on": ""}
    )
    assert added.status_code == 302
    action = SafetyAction.objects.get(plan=plan)
    assert action.owner == "advocate" and action.due_on is None

    body = client.get(case_page).content.decode()
    assert "Apply for a non-molestation order" in body and "Mark as done" in body

    done = client.post(reverse("safety_action_done", args=[case.reference, action.uid]))
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.done_on == today()
    again = client.post(
        reverse("safety_action_done", args=[case.reference, action.uid]), follow=True
    )
    assert "already marked done" in again.content.decode()

    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "casework.safety.plan.new.view",
        "casework.safety.plan.start",
        "casework.safety.action.add.view",
        "casework.safety.action.add",
        "casework.safety.action.done.view",
        "casework.safety.action.done",
    } <= recorded


def test_the_case_page_flags_overdue_actions_and_a_review_that_is_due() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    late = action_on(case, plan, advocate, "Collect the spare key", owner="client", due_on=days(1))
    action_on(case, plan, advocate, "Call the IDVA service", owner="advocate", due_on=days(5))
    client = client_for("advocate", {"advocate": advocate})
    url = reverse("case_detail", args=[case.reference])
    body = client.get(url).content.decode()
    assert "Overdue" not in body and "Review due" not in body
    assert "Client" in body and "Advocate" in body  # owners shown
    # Time passes: the first action's date and the review date go by.
    SafetyAction.objects.filter(pk=late.pk).update(due_on=days(-1))
    SafetyPlan.objects.filter(pk=plan.pk).update(review_on=days(-2))
    body = client.get(url).content.decode()
    assert body.count(">Overdue<") == 1
    assert "Review due" in body


def test_another_case_cannot_be_reached_through_a_plan_or_action_id() -> None:
    advocate, case = advocate_and_case()
    plan = plan_for(case, advocate)
    action = action_on(case, plan, advocate, "Step")
    other_case = make_case(advocate)
    client = client_for("advocate", {"advocate": advocate})
    # Both cases are the advocate's, but a plan or action only answers under its own case.
    assert (
        client.get(reverse("safety_action_add", args=[other_case.reference, plan.uid])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("safety_action_done", args=[other_case.reference, action.uid])
        ).status_code
        == 404
    )
    action.refresh_from_db()
    assert action.done_on is None
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    stranger = client_for("advocate", {"advocate": colleague})
    assert (
        stranger.get(reverse("safety_plan_review", args=[case.reference, plan.uid])).status_code
        == 404
    )
