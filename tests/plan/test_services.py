"""The rules of the co-produced plan: who may do what, and what makes a commitment contested."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts.models import User
from accord.audit.models import AuditEvent
from accord.plan import services
from accord.plan.models import Comment, CommentResponse, Commitment, PartnerRating, ProgressUpdate
from accord.plan.services import Evidence, PlanError
from accord.policy.roles import OrgKind, Role
from tests.factories import OrganisationFactory, person
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def rate(commitment: Commitment, by: User, status: str = "on_track", **overrides: str) -> Any:
    values = {
        "verifiability": "verifiable",
        "relevance": "relevant",
        "impact": "moderate",
        "completion": "limited",
        "status": status,
        "comment": "",
    }
    values.update(overrides)
    return services.rate(None, commitment, by=by, **values)


def test_only_the_owning_forces_plan_owners_write_the_police_side() -> None:
    who = people()
    plan = make_plan(who.owner)
    for outsider in (who.partner, who.analyst, who.oversight):
        with pytest.raises(PlanError, match="You cannot do this"):
            make_commitment(plan, outsider)
    other_force = OrganisationFactory(kind=OrgKind.POLICE.value, name="Another force")
    stranger = person(OrgKind.POLICE, Role.PLAN_OWNER)
    stranger.membership.organisation = other_force
    stranger.membership.save()
    with pytest.raises(PlanError):
        make_commitment(plan, stranger)
    commitment = make_commitment(plan, who.owner)
    assert commitment.lead == who.owner
    assert AuditEvent.objects.filter(action="plan.commitment.add").count() == 1


def test_numbers_are_unique_in_a_plan_and_co_owners_are_partners() -> None:
    who = people()
    plan = make_plan(who.owner)
    make_commitment(plan, who.owner, "1.1")
    with pytest.raises(PlanError, match=r"Commitment 1\.1 already exists") as refused:
        make_commitment(plan, who.owner, "1.1")
    assert refused.value.field == "number"
    police = who.owner.membership.organisation
    with pytest.raises(PlanError, match="must be VAWG partner") as refused:
        services.save_commitment(
            None,
            plan,
            number="2",
            title="T",
            statement="S",
            co_owner_ids=[police.pk],
            by=who.owner,
        )
    assert refused.value.field == "co_owners"
    partner_org = who.partner.membership.organisation
    saved = services.save_commitment(
        None,
        plan,
        number="2",
        title="T",
        statement="S",
        co_owner_ids=[partner_org.pk],
        by=who.owner,
    )
    assert list(saved.co_owners.all()) == [partner_org]


def test_partners_comment_only_while_a_round_is_open() -> None:
    who = people()
    closed = make_plan(who.owner, open_round=False)
    commitment = make_commitment(closed, who.owner)
    with pytest.raises(PlanError, match="No consultation round is open"):
        services.add_comment(None, commitment, section="wording", text="x", by=who.partner)
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    with pytest.raises(PlanError, match="You cannot do this"):
        services.add_comment(None, commitment, section="wording", text="x", by=who.owner)
    with pytest.raises(PlanError, match="Choose the part") as refused:
        services.add_comment(None, commitment, section="nonsense", text="x", by=who.partner)
    assert refused.value.field == "section"
    comment = services.add_comment(
        None, commitment, section="wording", text="Say by when.", by=who.partner
    )
    assert comment.organisation == who.partner.membership.organisation
    assert comment.round == services.open_round_of(plan, TODAY)


def test_every_response_gives_reasons_and_says_what_changed() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    comment = services.add_comment(
        None, commitment, section="wording", text="Say by when.", by=who.partner
    )
    cases = [
        ({"outcome": "changed", "reason": "", "change_made": "x"}, "reason", "Give the reasons"),
        ({"outcome": "changed", "reason": "Fair.", "change_made": ""}, "change_made", "Say what"),
        ({"outcome": "accepted", "reason": "Fair.", "change_made": ""}, "change_made", "Say what"),
        ({"outcome": "declined", "reason": "No.", "change_made": "x"}, "change_made", "changed"),
        ({"outcome": "maybe", "reason": "No.", "change_made": ""}, "outcome", "Choose"),
    ]
    for values, field, message in cases:
        with pytest.raises(PlanError, match=message) as refused:
            services.respond(None, comment, by=who.owner, **values)
        assert refused.value.field == field
    assert not CommentResponse.objects.exists()
    with pytest.raises(PlanError, match="You cannot do this"):
        services.respond(None, comment, outcome="declined", reason="No.", by=who.partner)
    services.respond(
        None,
        comment,
        outcome="changed",
        reason="Fair.",
        change_made="Dated April 2027.",
        by=who.owner,
    )
    with pytest.raises(PlanError, match="already has a response"):
        services.respond(None, comment, outcome="declined", reason="No.", by=who.owner)
    assert Comment.objects.get().response.change_made == "Dated April 2027."


def test_progress_updates_carry_evidence_and_the_latest_sets_the_status() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    refusals = [
        ({"status": "complete", "progress": 90}, "100% done"),
        ({"status": "not_started", "progress": 10}, "0% done"),
        ({"status": "on_track", "progress": 101}, "0 to 100"),
        ({"status": "on_track", "progress": 10, "on": TODAY + dt.timedelta(days=1)}, "future"),
        ({"status": "on_track", "progress": 10, "text": " "}, "Say what has happened"),
        (
            {"status": "on_track", "progress": 10, "evidence": [Evidence("x", "javascript:x")]},
            "https://",
        ),
    ]
    for values, message in refusals:
        call = {"on": TODAY, "text": "Done.", **values}
        with pytest.raises(PlanError, match=message):
            services.record_progress(None, commitment, by=who.owner, **call)
    assert not ProgressUpdate.objects.exists()

    services.record_progress(
        None,
        commitment,
        on=TODAY - dt.timedelta(days=10),
        status="on_track",
        progress=40,
        text="Contract let.",
        evidence=[Evidence("Tender notice", "https://example.org/t")],
        by=who.owner,
    )
    services.record_progress(
        None,
        commitment,
        on=TODAY - dt.timedelta(days=30),
        status="behind",
        progress=20,
        text="An older update, recorded late.",
        by=who.owner,
    )
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == ("on_track", 40)  # the latest by date
    assert commitment.updates.first().evidence_links == [
        {"title": "Tender notice", "url": "https://example.org/t"}
    ]


def test_a_partner_that_disagrees_makes_the_commitment_contested() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    services.record_progress(
        None, commitment, on=TODAY, status="on_track", progress=50, text="Half.", by=who.owner
    )
    commitment.refresh_from_db()
    assert not services.is_contested(commitment)
    rate(commitment, who.partner, status="on_track")
    assert not services.is_contested(commitment)
    rate(commitment, who.partner, status="behind", comment="The service has not started.")
    assert services.is_contested(commitment)
    assert [r.status for r in services.current_ratings(commitment)] == ["behind"]
    assert PartnerRating.objects.count() == 2  # history kept
    with pytest.raises(PlanError, match="You cannot do this"):
        rate(commitment, who.owner)
    with pytest.raises(PlanError, match="potential impact"):
        rate(commitment, who.partner, impact="huge")


def test_overdue_milestones() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    late = services.add_milestone(
        None,
        commitment,
        title="Contract signed",
        due_on=TODAY - dt.timedelta(days=1),
        by=who.owner,
    )
    services.add_milestone(
        None,
        commitment,
        title="Service opens",
        due_on=TODAY + dt.timedelta(days=30),
        by=who.owner,
    )
    assert services.overdue_milestones(commitment, TODAY) == [late]
    services.complete_milestone(None, late, done_on=TODAY, by=who.owner)
    assert services.overdue_milestones(commitment, TODAY) == []


def test_a_new_version_copies_the_plan_and_keeps_the_old_one() -> None:
    who = people()
    plan = make_plan(who.owner)
    theme = services.add_theme(plan, "1", "Trust")
    partner_org = who.partner.membership.organisation
    parent = services.save_commitment(
        None,
        plan,
        number="1",
        title="P",
        statement="S",
        theme=theme,
        co_owner_ids=[partner_org.pk],
        by=who.owner,
    )
    child = services.save_commitment(
        None, plan, number="1.1", title="C", statement="S", parent=parent, by=who.owner
    )
    services.add_milestone(None, child, title="M", due_on=TODAY, by=who.owner)
    services.add_measure(None, child, name="Referrals", target="200", by=who.owner)
    rate(child, who.partner)

    copy = services.new_version(None, plan, by=who.owner)
    assert (copy.version, copy.supersedes, copy.slug) == (2, plan, f"{plan.slug}-v2")
    new_parent, new_child = copy.commitments.order_by("number")
    assert new_child.parent == new_parent and new_parent.theme.plan == copy
    assert list(new_parent.co_owners.all()) == [partner_org]
    assert [m.title for m in new_child.milestones.all()] == ["M"]
    assert [m.target for m in new_child.measures.all()] == ["200"]
    assert not new_child.ratings.exists()  # the record stays with the version it was made on
    assert plan.commitments.count() == 2
    with pytest.raises(PlanError, match="already has a newer version"):
        services.new_version(None, plan, by=who.owner)


def test_a_sub_action_belongs_to_another_commitment_of_the_same_plan() -> None:
    who = people()
    plan = make_plan(who.owner)
    other = make_commitment(make_plan(who.owner), who.owner, "9")
    with pytest.raises(PlanError, match="sub-action") as refused:
        services.save_commitment(
            None, plan, number="1", title="T", statement="S", parent=other, by=who.owner
        )
    assert refused.value.field == "parent"
    one = make_commitment(plan, who.owner, "1")
    with pytest.raises(PlanError, match="sub-action"):
        services.save_commitment(
            None,
            plan,
            commitment=one,
            number="1",
            title="T",
            statement="S",
            parent=one,
            by=who.owner,
        )


def test_a_progress_update_keeps_the_figure_as_it_stood() -> None:
    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    measure = services.add_measure(
        None, commitment, name="Referrals to the service", target="200", by=who.owner
    )
    snapshot = services.metric_snapshot(measure, 57, TODAY)
    services.record_progress(
        None,
        commitment,
        on=TODAY,
        status="on_track",
        progress=30,
        text="Open.",
        metrics=[snapshot],
        by=who.owner,
    )
    assert commitment.updates.get().metrics == [
        {
            "name": "Referrals to the service",
            "value": "57",
            "as_of": TODAY.isoformat(),
            "target": "200",
            "dataset": "",
            "dataset_version": None,
        }
    ]
    with pytest.raises(PlanError, match="You cannot do this"):
        services.add_measure(None, commitment, name="X", by=who.partner)


def test_evidence_files_are_checked_stored_once_and_nothing_is_left_on_failure(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.plan.evidence import Upload, path_of
    from accord.plan.models import EvidenceFile

    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    root = settings.ACCORD_PLAN_FILES_DIR

    def record(*files: Upload, progress: int = 10) -> Any:
        return services.record_progress(
            None,
            commitment,
            on=TODAY,
            status="on_track",
            progress=progress,
            text="See file.",
            files=list(files),
            by=who.owner,
        )

    with pytest.raises(PlanError, match=r"tool\.exe: Files ending in \.exe") as refused:
        record(Upload("notes.txt", b"fine"), Upload("tool.exe", b"MZ\x90\x00"))
    assert refused.value.field == "evidence_file"
    with pytest.raises(PlanError, match="but it is a plain text file"):
        record(Upload("report.pdf", b"this is text"))
    assert not ProgressUpdate.objects.exists() and not EvidenceFile.objects.exists()
    assert not root.exists() or not any(root.iterdir())

    update = record(Upload("minutes.txt", b"Board minutes\n"))
    again = record(Upload("copy.txt", b"Board minutes\n"))
    first, second = update.files.get(), again.files.get()
    assert path_of(first) == path_of(second) and path_of(first).read_bytes() == b"Board minutes\n"
    assert len(list(root.iterdir())) == 1

    # A failure after the file is written leaves no file behind.
    with pytest.raises(PlanError):
        services.record_progress(
            None,
            commitment,
            on=TODAY,
            status="complete",
            progress=50,
            text="x",
            files=[Upload("other.txt", b"other")],
            by=who.owner,
        )
    assert len(list(root.iterdir())) == 1


def test_published_evidence_is_kept_without_where_a_photo_was_taken_or_who_wrote_a_pdf(
    settings: Any,
) -> None:
    """SECURITY.md DP-8: evidence is published, so its hidden details are removed first."""
    from PIL import Image

    from accord.plan.evidence import Upload, path_of
    from tests.web.test_file_cleaning import AUTHOR, GPS_IFD, pdf_with_author, photo_with_gps

    who = people()
    commitment = make_commitment(make_plan(who.owner), who.owner)
    update = services.record_progress(
        None,
        commitment,
        on=TODAY,
        status="on_track",
        progress=10,
        text="Photos of the new posters, and the board paper.",
        files=[Upload("poster.jpg", photo_with_gps()), Upload("paper.pdf", pdf_with_author())],
        by=who.owner,
    )
    photo, paper = update.files.order_by("filename").reverse()
    assert photo.filename == "poster.jpg"
    kept = path_of(photo).read_bytes()
    with Image.open(path_of(photo)) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    assert photo.size == len(kept)
    assert AUTHOR.encode() not in path_of(paper).read_bytes()
