"""The DASH risk checklist: the file, the count, the routes to MARAC, history and sealing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.casework import dash, risk
from accord.casework.models import Case, RiskAssessment
from accord.casework.services import close
from accord.policy.roles import OrgKind, Role
from tests.casework.factories import make_case
from tests.factories import person
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db

CHECKLIST = dash.load_checklist()


def answers(yes: int = 0, not_known: int = 0) -> dict[str, str]:
    """The first ``yes`` questions answered yes, the next ``not_known`` not known, rest no."""
    values = [dash.YES] * yes + [dash.NOT_KNOWN] * not_known
    values += [dash.NO] * (CHECKLIST.size - len(values))
    return {q.key: value for q, value in zip(CHECKLIST.questions, values, strict=True)}


def advocate_and_case() -> tuple[User, Case]:
    advocate = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    return advocate, make_case(advocate)


def record(case: Case, by: User, **overrides: Any) -> RiskAssessment:
    values: dict[str, Any] = {
        "answers": answers(),
        "narrative": "",
        "professional_judgement": False,
        "potential_escalation": False,
        "marac_decision": "not_referred",
        "by": by,
    }
    values.update(overrides)
    return risk.record_assessment(None, case, **values)


def form_data(given: dict[str, str], **overrides: str) -> dict[str, str]:
    data = {f"q{key}": value for key, value in given.items()}
    data.update(
        {
            "completed_on": timezone.localdate().isoformat(),
            "marac_decision": "not_referred",
            "narrative": "",
        }
    )
    data.update(overrides)
    return data


# --- The checklist file ----------------------------------------------------------------------


def test_the_shipped_checklist_has_27_numbered_questions_and_a_threshold_of_14() -> None:
    assert CHECKLIST.size == 27
    assert [q.number for q in CHECKLIST.questions] == list(range(1, 28))
    assert CHECKLIST.threshold == 14
    assert CHECKLIST.escalation.confirm_locally is True
    # It says it holds topic labels, not the licensed wording, and the key fits the column.
    assert CHECKLIST.wording == "topic_labels" and not CHECKLIST.is_licensed_wording
    assert len(CHECKLIST.key) <= RiskAssessment._meta.get_field("checklist_version").max_length


def _write(tmp_path: Path, data: Any, name: str = "checklist.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def small_checklist(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "local-test",
        "version": "1",
        "title": "A local checklist",
        "source": "Written for this test",
        "licence": "None needed",
        "wording": "licensed",
        "high_risk_threshold": 2,
        "escalation": {"description": "Two call-outs in six months", "confirm_locally": True},
        "questions": [
            {"number": 1, "topic": "Alpha topic", "text": "Alpha question wording?"},
            {"number": 2, "topic": "Beta topic", "text": "Beta question wording?"},
            {"number": 3, "topic": "Gamma topic", "text": "Gamma question wording?"},
        ],
    }
    data.update(overrides)
    return data


def test_the_setting_loads_a_services_own_checklist(tmp_path: Path) -> None:
    path = _write(tmp_path, small_checklist())
    advocate, case = advocate_and_case()
    with override_settings(ACCORD_DASH_CHECKLIST_PATH=str(path)):
        loaded = dash.load_checklist()
        assert loaded.key == "local-test@1" and loaded.size == 3 and loaded.threshold == 2
        page = client_for("advocate", {"advocate": advocate}).get(
            reverse("risk_assessment_new", args=[case.reference])
        )
        body = page.content.decode()
        assert "Alpha question wording?" in body and "Gamma topic" in body
        assert "shows topics, not the checklist" not in body  # licensed wording: no warning
        assessment = record(
            case, advocate, answers={"1": "yes", "2": "yes", "3": "no"}, marac_decision="refer"
        )
    assert assessment.checklist_version == "local-test@1"
    assert assessment.high_risk_by_count and assessment.yes_count == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ([], "must hold one JSON object"),
        (small_checklist(version=""), "'version' is empty"),
        ({k: v for k, v in small_checklist().items() if k != "title"}, "'title' is missing"),
        (small_checklist(wording="paraphrase"), "'wording' must be 'licensed' or 'topic_labels'"),
        (small_checklist(high_risk_threshold=0), "'high_risk_threshold' is 0"),
        (small_checklist(high_risk_threshold=4), "number of questions (3)"),
        (small_checklist(high_risk_threshold="14"), "'high_risk_threshold' must be a whole"),
        (small_checklist(questions=[]), "'questions' is empty"),
        (
            small_checklist(questions=[{"number": 2, "topic": "T", "text": "X"}]),
            "has number 2; questions must be numbered 1, 2, 3",
        ),
        (
            small_checklist(questions=[{"number": 1, "topic": "T"}]),
            "question 1 in the list: 'text' is missing",
        ),
        (small_checklist(escalation={"description": "x"}), "escalation: 'confirm_locally'"),
        (small_checklist(id="x" * 40), "must be at most 39 characters"),
    ],
)
def test_a_broken_checklist_file_is_refused_with_a_clear_message(
    tmp_path: Path, data: Any, message: str
) -> None:
    path = _write(tmp_path, data)
    with pytest.raises(dash.ChecklistError) as error:
        dash.load_checklist(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)  # the administrator is told which file


def test_a_missing_checklist_file_names_the_setting(tmp_path: Path) -> None:
    with (
        override_settings(ACCORD_DASH_CHECKLIST_PATH=str(tmp_path / "nope.json")),
        pytest.raises(dash.ChecklistError, match="ACCORD_DASH_CHECKLIST_PATH"),
    ):
        dash.load_checklist()


def test_a_broken_checklist_stops_the_form_with_a_plain_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    advocate, case = advocate_and_case()
    path = _write(tmp_path, small_checklist(high_risk_threshold=9))
    with override_settings(ACCORD_DASH_CHECKLIST_PATH=str(path)):
        page = client_for("advocate", {"advocate": advocate}).get(
            reverse("risk_assessment_new", args=[case.reference])
        )
    body = page.content.decode()
    assert page.status_code == 503
    assert "The risk checklist is not available" in body
    # The detail is for the administrator's log, not the page.
    assert "'high_risk_threshold' is 9" in caplog.text and str(path) not in body


# --- The arithmetic ---------------------------------------------------------------------------


def test_counts_and_the_threshold_at_13_and_14() -> None:
    counts = dash.count_answers(answers(yes=13, not_known=4))
    assert (counts.yes, counts.not_known, counts.no) == (13, 4, 10)
    assert not dash.high_risk_by_count(13, 14)
    assert dash.high_risk_by_count(14, 14)
    below = dash.marac_prompt(
        13, threshold=14, professional_judgement=False, potential_escalation=False
    )
    at = dash.marac_prompt(
        14, threshold=14, professional_judgement=False, potential_escalation=False
    )
    assert not below.refer and below.routes == []
    assert at.refer and at.routes == ["the number of 'yes' answers"]


def test_professional_judgement_and_escalation_are_routes_to_marac_whatever_the_count() -> None:
    judged = dash.marac_prompt(
        0, threshold=14, professional_judgement=True, potential_escalation=False
    )
    escalating = dash.marac_prompt(
        2, threshold=14, professional_judgement=False, potential_escalation=True
    )
    assert judged.refer and judged.routes == ["professional judgement"]
    assert escalating.refer and escalating.routes == ["potential escalation"]


def test_recorded_counts_at_13_and_14() -> None:
    advocate, case = advocate_and_case()
    thirteen = record(case, advocate, answers=answers(yes=13, not_known=2), narrative="Reason")
    fourteen = record(case, advocate, answers=answers(yes=14), marac_decision="refer")
    assert (thirteen.yes_count, thirteen.not_known_count) == (13, 2)
    assert not thirteen.high_risk_by_count and not thirteen.high_risk
    assert fourteen.yes_count == 14 and fourteen.high_risk_by_count and fourteen.high_risk
    assert fourteen.checklist_version == CHECKLIST.key


def test_professional_judgement_overrides_a_low_count_and_needs_a_reason() -> None:
    advocate, case = advocate_and_case()
    with pytest.raises(risk.RiskError, match="why your professional judgement") as error:
        record(case, advocate, answers=answers(yes=3), professional_judgement=True)
    assert error.value.field == "narrative"
    assert RiskAssessment.objects.count() == 0
    judged = record(
        case,
        advocate,
        answers=answers(yes=3),
        professional_judgement=True,
        narrative="He has access to firearms through work.",
        marac_decision="refer",
    )
    assert judged.high_risk and not judged.high_risk_by_count


def test_potential_escalation_alone_allows_a_referral() -> None:
    advocate, case = advocate_and_case()
    assessment = record(case, advocate, potential_escalation=True, marac_decision="refer")
    assert assessment.high_risk and assessment.marac_decision == "refer"


def test_a_referral_with_no_route_is_refused() -> None:
    advocate, case = advocate_and_case()
    with pytest.raises(risk.RiskError, match="A MARAC referral needs a reason") as error:
        record(case, advocate, answers=answers(yes=13), marac_decision="refer")
    assert error.value.field == "marac_decision"
    assert RiskAssessment.objects.count() == 0


def test_not_referring_a_high_risk_case_needs_a_reason_in_the_notes() -> None:
    advocate, case = advocate_and_case()
    for route in (
        {"answers": answers(yes=14)},
        {"potential_escalation": True},
    ):
        with pytest.raises(risk.RiskError, match="say why in the notes") as error:
            record(case, advocate, marac_decision="not_referred", narrative="  ", **route)
        assert error.value.field == "narrative"
    assert RiskAssessment.objects.count() == 0
    kept = record(
        case,
        advocate,
        answers=answers(yes=14),
        marac_decision="not_referred",
        narrative="Already discussed at MARAC last week; no new risk.",
    )
    assert kept.high_risk and kept.marac_decision == "not_referred"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({k: v for k, v in answers().items() if k != "5"}, "Not answered: 5"),
        ({**answers(), "5": ""}, "Not answered: 5"),
        ({**answers(), "5": "maybe"}, "Questions 5 have an answer that is not Yes"),
        ({**answers(), "28": "yes"}, "not questions on the checklist: 28"),
    ],
)
def test_bad_or_missing_answers_are_refused_and_nothing_is_saved(
    given: dict[str, str], message: str
) -> None:
    advocate, case = advocate_and_case()
    with pytest.raises(risk.RiskError, match=message):
        record(case, advocate, answers=given)
    assert RiskAssessment.objects.count() == 0
    assert not AuditEvent.objects.filter(action="casework.risk.assessment.record").exists()


def test_a_closed_case_takes_no_new_assessment() -> None:
    advocate, case = advocate_and_case()
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
        record(case, advocate)
    client = client_for("advocate", {"advocate": advocate})
    page = client.post(reverse("risk_assessment_new", args=[case.reference]), form_data(answers()))
    assert page.status_code == 404
    assert RiskAssessment.objects.count() == 0


# --- Storage ----------------------------------------------------------------------------------


def test_answers_and_notes_are_sealed_in_the_database() -> None:
    advocate, case = advocate_and_case()
    assessment = record(
        case,
        advocate,
        answers=answers(yes=14, not_known=3),
        narrative="She says he checked the PNC for her new address.",
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sealed_answers, sealed_narrative FROM casework_riskassessment WHERE id = %s",
            [assessment.pk],
        )
        sealed_answers, sealed_narrative = cursor.fetchone()
    for stored in (sealed_answers, sealed_narrative):
        assert stored.startswith("v1:")
    assert "not_known" not in sealed_answers and '"yes"' not in sealed_answers
    assert "PNC" not in sealed_narrative
    fresh = RiskAssessment.objects.get(pk=assessment.pk)
    assert fresh.answers == answers(yes=14, not_known=3)
    assert fresh.narrative == "She says he checked the PNC for her new address."


def test_every_assessment_is_kept_and_the_history_shows_what_changed() -> None:
    advocate, case = advocate_and_case()
    first = record(case, advocate, answers=answers(yes=2))
    second = record(
        case,
        advocate,
        answers=answers(yes=15),
        marac_decision="refer",
    )
    assert RiskAssessment.objects.filter(case=case).count() == 2
    first.refresh_from_db()
    assert first.yes_count == 2  # the earlier one is untouched
    assert risk.previous_assessment(second) == first
    assert risk.previous_assessment(first) is None
    client = client_for("advocate", {"advocate": advocate})
    history = client.get(reverse("risk_history", args=[case.reference])).content.decode()
    for assessment in (first, second):
        assert reverse("risk_assessment_detail", args=[case.reference, assessment.uid]) in history
    detail = client.get(reverse("risk_assessment_detail", args=[case.reference, second.uid]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert "15 of 27" in body
    assert CHECKLIST.questions[13].topic in body  # question 14, yes now and no before
    assert body.count("Changed") == 13  # questions 3 to 15 changed from no to yes


# --- Pages ------------------------------------------------------------------------------------


def test_the_form_records_an_assessment_with_its_audit_events() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    url = reverse("risk_assessment_new", args=[case.reference])
    form = client.get(url).content.decode()
    assert form.count('type="radio" value="not_known"') == 27
    assert "shows topics, not the checklist" in form
    response = client.post(
        url,
        form_data(answers(yes=14, not_known=1), marac_decision="refer", narrative="Weapons"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assessment = RiskAssessment.objects.get(case=case)
    assert response["Location"] == reverse(
        "risk_assessment_detail", args=[case.reference, assessment.uid]
    )
    assert assessment.yes_count == 14 and assessment.not_known_count == 1
    assert assessment.created_by == advocate and assessment.narrative == "Weapons"
    client.get(response["Location"])
    events = list(AuditEvent.objects.values_list("action", "object_id"))
    actions = [action for action, _ in events]
    assert "casework.risk.assessment.new.view" in actions
    assert "casework.risk.assessment.record" in actions
    assert "casework.risk.assessment.view" in actions
    # The audit log says what happened to which case, never what was said.
    assert {object_id for action, object_id in events if "risk" in action} == {case.reference}


def test_the_form_refuses_an_unanswered_question_and_saves_nothing() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    data = form_data(answers())
    del data["q5"]
    data["q6"] = "perhaps"
    page = client.post(reverse("risk_assessment_new", args=[case.reference]), data)
    body = page.content.decode()
    assert page.status_code == 200
    assert escape(f"Answer question 5 ({CHECKLIST.questions[4].topic})") in body
    assert "Answer question 6 with Yes, No or" in body
    assert RiskAssessment.objects.count() == 0


def test_the_form_shows_the_rule_when_a_high_risk_case_is_not_referred() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    page = client.post(
        reverse("risk_assessment_new", args=[case.reference]),
        form_data(answers(yes=16), marac_decision="not_referred"),
    )
    assert page.status_code == 200
    assert "meets the criteria for a MARAC referral" in page.content.decode()
    assert RiskAssessment.objects.count() == 0


def test_the_case_page_prompts_for_marac_when_high_risk_is_not_referred() -> None:
    advocate, case = advocate_and_case()
    client = client_for("advocate", {"advocate": advocate})
    url = reverse("case_detail", args=[case.reference])
    assert "No risk checklist yet." in client.get(url).content.decode()
    record(
        case,
        advocate,
        answers=answers(yes=14),
        marac_decision="not_referred",
        narrative="Client refuses for now; review in a week.",
    )
    body = client.get(url).content.decode()
    assert "has not been referred to MARAC" in body
    assert "14 of 27" in body and "High risk" in body
    record(case, advocate, answers=answers(yes=14), marac_decision="refer")
    body = client.get(url).content.decode()
    assert "has not been referred to MARAC" not in body
    assert "Refer to MARAC" in body


def test_another_advocate_cannot_reach_an_assessment() -> None:
    advocate, case = advocate_and_case()
    assessment = record(case, advocate)
    colleague = person(OrgKind.ADVISORY_SERVICE, Role.ADVOCATE)
    own_case = make_case(colleague)
    client = client_for("advocate", {"advocate": colleague})
    detail = reverse("risk_assessment_detail", args=[case.reference, assessment.uid])
    assert client.get(detail).status_code == 404
    # Nor through their own case's reference (the assessment must belong to the case).
    crossed = reverse("risk_assessment_detail", args=[own_case.reference, assessment.uid])
    assert client.get(crossed).status_code == 404


def test_a_broken_checklist_file_fails_the_system_check(tmp_path: Path, settings: Any) -> None:
    from accord.casework.checks import check_dash_checklist

    assert check_dash_checklist() == []
    broken = tmp_path / "dash.json"
    broken.write_text("{not json", encoding="utf-8")
    settings.ACCORD_DASH_CHECKLIST_PATH = str(broken)
    errors = check_dash_checklist()
    assert [e.id for e in errors] == ["accord.casework.E001"]
    assert "not valid JSON" in errors[0].msg
