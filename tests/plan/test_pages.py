"""The plan pages, through the app: draft, comment, respond, rate, progress, publish."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import User
from accord.plan import services
from accord.plan.models import Comment, Commitment
from tests.plan.factories import make_commitment, make_plan, people

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def text_of(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_draft_comment_respond_rate_progress_and_the_public_page() -> None:
    who = people()
    who.owner.display_name = "Inspector Owner"
    who.owner.save()
    who.partner.display_name = "Pat Partner"
    who.partner.save()
    plan = make_plan(who.owner)
    owner, partner = signed_in(who.owner), signed_in(who.partner)
    partner_org = who.partner.membership.organisation

    # The police plan owner drafts a commitment, co-owned with the partner.
    new = reverse("commitment_new", args=[plan.slug])
    refused = owner.post(new, {"number": "", "title": "", "statement": ""})
    assert refused.status_code == 200 and "There is a problem" in refused.content.decode()
    assert not Commitment.objects.exists()
    made = owner.post(
        new,
        {
            "number": "3.1",
            "title": "Independent advisory service",
            "statement": "Fund a specialist service for victims of police-perpetrated abuse.",
            "lead_title": "Commander, Professionalism",
            "co_owners": [partner_org.pk],
            "published": "on",
        },
    )
    commitment = Commitment.objects.get()
    detail = reverse("commitment_detail", args=[plan.slug, commitment.uid])
    assert made.status_code == 302 and made["Location"] == detail

    # The partner cannot change it, but comments on the wording.
    assert (
        partner.get(reverse("commitment_edit", args=[plan.slug, commitment.uid])).status_code == 403
    )
    page = partner.get(detail)
    assert reverse("comment_new", args=[plan.slug, commitment.uid]) in page.content.decode()
    partner.post(
        reverse("comment_new", args=[plan.slug, commitment.uid]),
        {"section": "wording", "text": "Say when it starts and who runs it."},
    )
    comment = Comment.objects.get()
    assert "Waiting for a response" in text_of(owner.get(detail))

    # The owner responds: changed, with reasons.
    answered = owner.post(
        reverse("comment_respond", args=[plan.slug, commitment.uid, comment.uid]),
        {
            "outcome": "changed",
            "reason": "Agreed: a date makes it checkable.",
            "change_made": "Now says: from April 2027, run by a specialist VAWG charity.",
        },
    )
    assert answered.status_code == 302

    # Progress with evidence, then the partner disagrees.
    owner.post(
        reverse("progress_new", args=[plan.slug, commitment.uid]),
        {
            "on": TODAY.isoformat(),
            "status": "on_track",
            "progress": "30",
            "text": "Funding agreed in principle.",
            "evidence_title": "Board minutes",
            "evidence_url": "https://example.org/minutes",
        },
    )
    rated = partner.post(
        reverse("commitment_rate", args=[plan.slug, commitment.uid]),
        {
            "verifiability": "verifiable",
            "relevance": "relevant",
            "impact": "transformative",
            "completion": "not_started",
            "status": "behind",
            "comment": "Nothing is funded yet.",
        },
    )
    assert rated.status_code == 302
    page = text_of(owner.get(detail))
    assert "Contested" in page
    assert "In progress, on track" in page and "In progress, behind" in page

    # The public sees the published commitment, contested, and what changed because of whom;
    # organisations are named, people are not.
    public = Client().get(reverse("public_plan", args=[plan.slug]))
    assert public.status_code == 200
    public_text = text_of(public)
    assert "3.1 Independent advisory service" in public_text
    assert "1 contested" in public_text
    assert partner_org.name in public_text
    assert "from April 2027" in public_text
    one = text_of(Client().get(reverse("public_commitment", args=[plan.slug, commitment.uid])))
    assert "Nothing is funded yet." in one and "Board minutes" in one
    for name in ("Inspector Owner", "Pat Partner"):
        assert name not in public_text and name not in one


def test_the_public_sees_only_published_plans_and_commitments() -> None:
    who = people()
    plan = make_plan(who.owner)
    shown = make_commitment(plan, who.owner, "1")
    draft = make_commitment(plan, who.owner, "2", published=False)
    public = Client()
    page = public.get(reverse("public_plan", args=[plan.slug])).content.decode()
    assert str(shown.uid) in page and str(draft.uid) not in page
    assert public.get(reverse("public_commitment", args=[plan.slug, draft.uid])).status_code == 404
    hidden = make_plan(who.owner, published=False)
    assert public.get(reverse("public_plan", args=[hidden.slug])).status_code == 404
    # Partners see drafts: they co-produce them.
    partner_page = signed_in(who.partner).get(reverse("plan_detail", args=[plan.slug]))
    assert str(draft.uid) in partner_page.content.decode()


def test_the_public_page_charts_progress_over_time_and_the_home_page_links_it() -> None:
    who = people()
    plan = make_plan(who.owner)
    make_commitment(plan, who.owner, "1")
    hidden = make_plan(who.owner, published=False)
    page = Client().get(reverse("public_plan", args=[plan.slug])).content.decode()
    assert '<svg role="img"' in page
    assert "Commitments by police-reported status at the end of each quarter" in page
    home = Client().get(reverse("public_home")).content.decode()
    assert reverse("public_plan", args=[plan.slug]) in home
    assert reverse("public_plan", args=[hidden.slug]) not in home


def test_measures_figures_and_milestones_through_the_pages() -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    owner = signed_in(who.owner)
    args = [plan.slug, commitment.uid]
    owner.post(reverse("measure_new", args=args), {"name": "Referrals", "target": "200"})
    measure = commitment.measures.get()
    missing = owner.post(
        reverse("progress_new", args=args),
        {
            "on": TODAY.isoformat(),
            "status": "on_track",
            "progress": "10",
            "text": "Open.",
            "metric": measure.pk,
        },
    )
    assert "Give the figure for the measure you chose" in missing.content.decode()
    owner.post(
        reverse("progress_new", args=args),
        {
            "on": TODAY.isoformat(),
            "status": "on_track",
            "progress": "10",
            "text": "Open.",
            "metric": measure.pk,
            "metric_value": "57",
        },
    )
    assert commitment.updates.get().metrics[0]["value"] == "57"
    services.add_milestone(None, commitment, title="Contract", due_on=TODAY, by=who.owner)
    milestone = commitment.milestones.get()
    done = owner.post(reverse("milestone_done", args=[*args, milestone.uid]))
    assert done.status_code == 302
    milestone.refresh_from_db()
    assert milestone.done_on == TODAY
    page = text_of(owner.get(reverse("commitment_detail", args=args)))
    assert "Referrals: 57" in page and "Done" in page


def test_an_evidence_file_is_uploaded_and_served_only_as_a_download() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    who = people()
    plan = make_plan(who.owner)
    shown = make_commitment(plan, who.owner, "1")
    draft = make_commitment(plan, who.owner, "2", published=False)
    owner = signed_in(who.owner)
    for commitment in (shown, draft):
        owner.post(
            reverse("progress_new", args=[plan.slug, commitment.uid]),
            {
                "on": TODAY.isoformat(),
                "status": "on_track",
                "progress": "10",
                "text": "Minutes attached.",
                "evidence_file": SimpleUploadedFile("minutes.txt", b"Board minutes\n"),
            },
        )
    shown_file = shown.updates.get().files.get()
    draft_file = draft.updates.get().files.get()
    public = Client().get(reverse("public_evidence", args=[plan.slug, shown.uid, shown_file.uid]))
    assert public.status_code == 200 and public.content == b"Board minutes\n"
    assert public["Content-Disposition"].startswith("attachment;")
    assert public["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in public["Content-Security-Policy"]
    hidden = reverse("public_evidence", args=[plan.slug, draft.uid, draft_file.uid])
    assert Client().get(hidden).status_code == 404
    page = owner.get(reverse("commitment_detail", args=[plan.slug, draft.uid])).content.decode()
    assert reverse("evidence_download", args=[plan.slug, draft.uid, draft_file.uid]) in page
    bad = owner.post(
        reverse("progress_new", args=[plan.slug, shown.uid]),
        {
            "on": TODAY.isoformat(),
            "status": "on_track",
            "progress": "10",
            "text": "x",
            "evidence_file": SimpleUploadedFile("page.txt", b"<html><script>x</script></html>"),
        },
    )
    assert "web page or drawing code" in bad.content.decode()
    assert shown.updates.count() == 1
