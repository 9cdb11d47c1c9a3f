"""The rules of co-producing and tracking the plan, in plain functions the views call.

Every change checks who may make it (``accord.policy.rules``), refuses bad input with a
sentence a person can act on (``PlanError``, naming the form field where there is one),
writes in one transaction and appends one audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import Organisation, User
from accord.audit.services import record
from accord.plan.models import (
    Comment,
    CommentResponse,
    Commitment,
    ConsultationRound,
    Measure,
    Milestone,
    PartnerRating,
    Plan,
    ProgressUpdate,
    Theme,
)
from accord.plan.responses import AnswerRefused, checked_answer
from accord.plan.vocabularies import (
    Completion,
    Impact,
    Relevance,
    ResponseOutcome,
    Section,
    Status,
    Verifiability,
)
from accord.policy.roles import OrgKind
from accord.policy.rules import can

MAX_TEXT = 10_000
MAX_TITLE = 200


class PlanError(ValueError):
    """A change refused, with the reason in words; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _audit(request: HttpRequest | None, action: str, obj: Any, by: User | None) -> None:
    record(request, f"plan.{action}", obj._meta.model_name, str(obj.uid), actor=by)


def _require(user: User, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PlanError("You cannot do this: ask a plan owner of the police force.")


def _text(value: str, *, field: str, empty: str, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise PlanError(empty, field=field)
    if len(cleaned) > limit:
        raise PlanError(f"Keep this under {limit:,} characters.", field=field)
    return cleaned


#: The longest milestone title the plan stores (``Milestone.title``); assessment actions
#: become milestones, so theirs is held to it too.
MILESTONE_TITLE = 300


def _optional_text(value: str, *, field: str, limit: int = MAX_TEXT) -> str:
    """An optional text, refused (never cut short in silence) when over ``limit``."""
    value = value.strip()
    if len(value) > limit:
        raise PlanError(f"Keep this under {limit:,} characters.", field=field)
    return value


def _choice(value: str, choices: Any, *, field: str, what: str) -> str:
    if value not in choices.values:
        raise PlanError(f"Choose {what}.", field=field)
    return value


def _not_future(day: dt.date, *, field: str, what: str) -> None:
    if day > timezone.localdate():
        raise PlanError(f"{what} cannot be in the future.", field=field)


def _progress(value: int, status: str, *, field: str = "progress") -> int:
    if not 0 <= value <= 100:
        raise PlanError("Give progress as a whole number from 0 to 100.", field=field)
    if status == Status.COMPLETE and value != 100:
        raise PlanError("A complete commitment is 100% done. Change the status or the figure.")
    if status == Status.NOT_STARTED and value != 0:
        raise PlanError("A commitment that has not started is 0% done.", field=field)
    return value


def can_manage(user: User, plan: Plan) -> bool:
    return can(user, "plan.manage", plan)


def organisation_of(user: User) -> Organisation:
    membership = user.active_membership
    if membership is None:
        raise PlanError("Your account has no organisation.")
    return membership.organisation


# --- Plans, themes, commitments --------------------------------------------------------------


@transaction.atomic
def create_plan(
    request: HttpRequest | None,
    *,
    title: str,
    slug: str,
    by: User,
    summary: str = "",
    source_title: str = "",
    source_url: str = "",
    source_date: dt.date | None = None,
) -> Plan:
    _require(by, "plan.manage")
    plan = Plan(
        title=_text(title, field="title", empty="Give the plan a title.", limit=MAX_TITLE),
        slug=slug,
        summary=summary.strip(),
        owner=organisation_of(by),
        source_title=source_title.strip(),
        source_url=_safe_url(source_url, field="source_url") if source_url else "",
        source_date=source_date,
        created_by=by,
    )
    existing = Plan.objects.filter(slug=slug).first()
    if existing is not None:
        if _resent(existing, plan):
            return existing
        raise PlanError("A plan already has this short name. Choose another.", field="slug")
    plan.save()
    _audit(request, "create", plan, by)
    return plan


def _resent(existing: Plan, new: Plan) -> bool:
    """The form was sent twice: the same plan from the same person moments ago. Told that
    the short name is taken, they would choose another and make a second plan."""
    return (
        existing.created_by_id == new.created_by_id
        and existing.created_at >= timezone.now() - RESENT_WITHIN
        and all(
            getattr(existing, name) == getattr(new, name)
            for name in ("title", "summary", "source_title", "source_url", "source_date")
        )
    )


@transaction.atomic
def set_published(request: HttpRequest | None, plan: Plan, *, published: bool, by: User) -> Plan:
    """Show the plan on the public pages (its published commitments only), or take it off."""
    _require(by, "plan.manage", plan)
    plan.published = published
    plan.save(update_fields=["published"])
    _audit(request, "publish" if published else "unpublish", plan, by)
    return plan


def add_theme(plan: Plan, number: str, title: str, description: str = "") -> Theme:
    return Theme.objects.create(
        plan=plan, number=number.strip(), title=title.strip(), description=description.strip()
    )


def _co_owners(ids: Iterable[int]) -> list[Organisation]:
    wanted = set(ids)
    found = list(Organisation.objects.filter(pk__in=wanted, kind=OrgKind.VAWG_PARTNER))
    if len(found) != len(wanted):
        raise PlanError("Co-owners must be VAWG partner organisations.", field="co_owners")
    return found


def sub_action_refusal(
    number: str, parent: str, grandparent: str, children: Sequence[str]
) -> str | None:
    """Why commitment ``number`` cannot be part of ``parent``, or None if it can.

    Sub-actions are one level deep: the form offers only commitments that stand on their
    own as parents, and this holds the same line for a commitment that has sub-actions and
    for imports (where it also stops two commitments being each part of the other).
    """
    if grandparent:
        return (
            f"{parent} is itself part of {grandparent}. A commitment can only be part of one "
            "that stands on its own."
        )
    if children:
        verb = "is" if len(children) == 1 else "are"
        return (
            f"{', '.join(children)} {verb} part of {number}, so {number} cannot be part of "
            "another commitment."
        )
    return None


@transaction.atomic
def save_commitment(
    request: HttpRequest | None,
    plan: Plan,
    *,
    number: str,
    title: str,
    statement: str,
    by: User,
    commitment: Commitment | None = None,
    theme: Theme | None = None,
    lead_title: str = "",
    co_owner_ids: Sequence[int] = (),
    source_quote: str = "",
    source_reference: str = "",
    published: bool = False,
    parent: Commitment | None = None,
) -> Commitment:
    """Add a commitment to ``plan`` or change one (``commitment``): police plan owners only."""
    _require(by, "plan.manage", plan)
    if commitment is not None and commitment.plan_id != plan.pk:
        raise PlanError("This commitment is in another plan.")
    if theme is not None and theme.plan_id != plan.pk:
        raise PlanError("Choose a theme of this plan.", field="theme")
    number = _text(
        number, field="number", empty="Give the commitment a number, e.g. 2.1.", limit=12
    )
    clash = Commitment.objects.filter(plan=plan, number=number)
    if commitment is not None:
        clash = clash.exclude(pk=commitment.pk)
    if clash.exists():
        raise PlanError(f"Commitment {number} already exists in this plan.", field="number")
    target = commitment or Commitment(plan=plan, created_by=by, lead=by)
    target.number = number
    target.title = _text(title, field="title", empty="Give it a short title.", limit=MAX_TITLE)
    target.statement = _text(statement, field="statement", empty="Say what is promised.")
    target.theme = theme
    target.lead_title = lead_title.strip()[:200]
    target.source_quote = source_quote.strip()
    target.source_reference = source_reference.strip()[:300]
    target.published = published
    if parent is not None and (parent.plan_id != plan.pk or parent.pk == target.pk):
        raise PlanError("A sub-action belongs to another commitment of this plan.", field="parent")
    if parent is not None:
        above = parent.parent.number if parent.parent is not None else ""
        below = sorted(target.actions.values_list("number", flat=True)) if target.pk else []
        refusal = sub_action_refusal(number, parent.number, above, below)
        if refusal:
            raise PlanError(refusal, field="parent")
    target.parent = parent
    target.save()
    target.co_owners.set(_co_owners(co_owner_ids))
    _audit(request, "commitment.save" if commitment else "commitment.add", target, by)
    return target


@transaction.atomic
def add_milestone(
    request: HttpRequest | None, commitment: Commitment, *, title: str, due_on: dt.date, by: User
) -> Milestone:
    _require(by, "plan.manage", commitment.plan)
    fields = {
        "commitment": commitment,
        "title": _text(
            title, field="title", empty="Say what the milestone is.", limit=MILESTONE_TITLE
        ),
        "due_on": due_on,
    }
    sent = Milestone.objects.filter(done_on=None, **fields).first()
    if sent is not None:  # sent twice: one milestone, shown (and overdue) once
        return sent
    milestone = Milestone.objects.create(**fields)
    _audit(request, "milestone.add", milestone, by)
    return milestone


@transaction.atomic
def complete_milestone(
    request: HttpRequest | None, milestone: Milestone, *, done_on: dt.date, by: User
) -> Milestone:
    _require(by, "plan.manage", milestone.commitment.plan)
    _not_future(done_on, field="done_on", what="The date it was done")
    if milestone.done_on is not None:  # marked again (a double click): keep the day it was done
        return milestone
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    _audit(request, "milestone.done", milestone, by)
    return milestone


@transaction.atomic
def add_measure(
    request: HttpRequest | None,
    commitment: Commitment,
    *,
    name: str,
    by: User,
    definition: str = "",
    baseline: str = "",
    target: str = "",
    dataset: Any = None,
) -> Measure:
    """How progress on a commitment is measured, linked to a monitoring dataset where a
    number exists (the dataset version is fixed: a new version is a new link)."""
    _require(by, "plan.manage", commitment.plan)
    measure = Measure.objects.create(
        commitment=commitment,
        name=_text(name, field="name", empty="Name the measure.", limit=200),
        definition=definition.strip()[:MAX_TEXT],
        baseline=baseline.strip()[:100],
        target=target.strip()[:100],
        dataset=dataset,
    )
    _audit(request, "measure.add", measure, by)
    return measure


def metric_snapshot(measure: Measure, value: Any, as_of: dt.date) -> dict[str, Any]:
    """A figure as it stood when an update was made, with the dataset version it came from."""
    if measure is None or value is None:
        raise PlanError("Give the measure and its value.", field="metric_value")
    dataset = measure.dataset
    return {
        "name": measure.name,
        "value": str(value),
        "as_of": as_of.isoformat(),
        "target": measure.target,
        "dataset": dataset.name if dataset else "",
        "dataset_version": dataset.version if dataset else None,
    }


@transaction.atomic
def new_version(request: HttpRequest | None, plan: Plan, *, by: User) -> Plan:
    """A new draft version of the plan: its themes, commitments, co-owners, milestones and
    measures copied; the old version's record (updates, comments, ratings) stays with it."""
    _require(by, "plan.manage", plan)
    if hasattr(plan, "superseded_by"):
        raise PlanError("This plan already has a newer version: change that one.")
    base = plan.slug.rsplit("-v", 1)[0] if plan.version > 1 else plan.slug
    slug = f"{base}-v{plan.version + 1}"[:80]
    if Plan.objects.filter(slug=slug).exists():
        raise PlanError(f"Another plan already uses the short name {slug}.")
    copy = Plan.objects.create(
        slug=slug,
        title=plan.title,
        summary=plan.summary,
        owner=plan.owner,
        version=plan.version + 1,
        supersedes=plan,
        source_title=plan.source_title,
        source_url=plan.source_url,
        source_date=plan.source_date,
        created_by=by,
    )
    themes = {
        t.pk: Theme.objects.create(
            plan=copy, number=t.number, title=t.title, description=t.description
        )
        for t in plan.themes.all()
    }
    copies: dict[int, Commitment] = {}
    for old in plan.commitments.order_by("number"):
        new = Commitment.objects.create(
            plan=copy,
            theme=themes.get(old.theme_id) if old.theme_id else None,
            number=old.number,
            title=old.title,
            statement=old.statement,
            source_quote=old.source_quote,
            source_reference=old.source_reference,
            lead_title=old.lead_title,
            lead=old.lead,
            status=old.status,
            progress=old.progress,
            status_on=old.status_on,
            published=old.published,
            created_by=by,
        )
        new.co_owners.set(old.co_owners.all())
        for m in old.milestones.all():
            Milestone.objects.create(
                commitment=new, title=m.title, due_on=m.due_on, done_on=m.done_on
            )
        for measure in old.measures.all():
            Measure.objects.create(
                commitment=new,
                name=measure.name,
                definition=measure.definition,
                baseline=measure.baseline,
                target=measure.target,
                dataset=measure.dataset,
            )
        copies[old.pk] = new
    for old in plan.commitments.exclude(parent=None):
        if old.parent_id is not None:
            child = copies[old.pk]
            child.parent = copies[old.parent_id]
            child.save(update_fields=["parent"])
    _audit(request, "new_version", copy, by)
    return copy


def overdue_milestones(commitment: Commitment, today: dt.date) -> list[Milestone]:
    return [m for m in commitment.milestones.all() if m.done_on is None and m.due_on < today]


# --- Progress -------------------------------------------------------------------------------


def _safe_url(url: str, *, field: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise PlanError("Links must be web addresses starting https://.", field=field)
    return url.strip()


@dataclass(frozen=True)
class Evidence:
    title: str
    url: str


#: The same comment from the same person within this long is the form sent twice (a double
#: click, a resend after a slow page). Later, or from a colleague, it is said again on purpose.
RESENT_WITHIN = dt.timedelta(minutes=10)


def just_sent[M: Model](comments: QuerySet[M], by: User) -> M | None:
    """The comment among ``comments`` (same words, same place) that ``by`` sent within
    :data:`RESENT_WITHIN`: the form sent twice, to be answered with the first."""
    return comments.filter(author=by, created_at__gte=timezone.now() - RESENT_WITHIN).first()


def _already_recorded(
    commitment: Commitment,
    on: dt.date,
    status: str,
    progress: int,
    text: str,
    links: list[dict[str, str]],
    metrics: Sequence[dict[str, Any]],
    files: Sequence[Any],
) -> ProgressUpdate | None:
    """The same update already recorded: the form was sent twice (a double click, a resend
    after a slow page), and a second copy would be published twice."""
    hashes = sorted(file.sha256 for file in files)
    for update in ProgressUpdate.objects.filter(
        commitment=commitment, on=on, status=status, progress=progress, text=text
    ).prefetch_related("files"):
        same_files = sorted(f.sha256 for f in update.files.all()) == hashes
        if update.evidence_links == links and update.metrics == list(metrics) and same_files:
            return update
    return None


def record_progress(
    request: HttpRequest | None,
    commitment: Commitment,
    *,
    on: dt.date,
    status: str,
    progress: int,
    text: str,
    by: User,
    evidence: Sequence[Evidence] = (),
    metrics: Sequence[dict[str, Any]] = (),
    files: Sequence[Any] = (),
) -> ProgressUpdate:
    """A dated update with its evidence; the commitment takes the status of its latest one.

    ``files`` are ``accord.plan.evidence.Upload``s: all are checked before anything is
    written, and a file written for an update that then fails is removed again.
    """
    from accord.plan import evidence as evidence_files
    from accord.web.file_checks import FileRefused

    _require(by, "plan.manage", commitment.plan)
    _choice(status, Status, field="status", what="where the commitment stands")
    _not_future(on, field="on", what="The date of the update")
    progress = _progress(progress, status)
    text = _text(text, field="text", empty="Say what has happened: the evidence for it.")
    links = [
        {"title": e.title.strip() or e.url, "url": _safe_url(e.url, field="evidence")}
        for e in evidence
    ]
    try:
        checked = evidence_files.check_uploads(files)
    except FileRefused as refused:
        raise PlanError(str(refused), field="evidence_file") from refused
    written: list[Any] = []
    try:
        with transaction.atomic():
            sent = _already_recorded(
                commitment, on, status, progress, text, links, metrics, checked
            )
            if sent is not None:
                return sent
            update = ProgressUpdate.objects.create(
                commitment=commitment,
                on=on,
                status=status,
                progress=progress,
                text=text,
                evidence_links=links,
                metrics=list(metrics),
                author=by,
            )
            _, written = evidence_files.store(update, checked)
            if commitment.status_on is None or on >= commitment.status_on:
                commitment.status, commitment.progress, commitment.status_on = status, progress, on
                commitment.save(update_fields=["status", "progress", "status_on", "updated_at"])
            _audit(request, "progress.add", update, by)
    except BaseException:
        evidence_files.remove_unreferenced(written)
        raise
    return update


# --- Consultation ---------------------------------------------------------------------------


@transaction.atomic
def open_round(
    request: HttpRequest | None,
    plan: Plan,
    *,
    title: str,
    opens_on: dt.date,
    closes_on: dt.date,
    by: User,
) -> ConsultationRound:
    _require(by, "plan.manage", plan)
    if closes_on < opens_on:
        raise PlanError("The round must close on or after the day it opens.", field="closes_on")
    consultation = ConsultationRound.objects.create(
        plan=plan,
        title=_text(title, field="title", empty="Give the round a name.", limit=MAX_TITLE),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=by,
    )
    _audit(request, "round.open", consultation, by)
    return consultation


def open_round_of(plan: Plan, today: dt.date) -> ConsultationRound | None:
    return plan.rounds.filter(opens_on__lte=today, closes_on__gte=today).first()


@transaction.atomic
def add_comment(
    request: HttpRequest | None,
    commitment: Commitment,
    *,
    section: str,
    text: str,
    by: User,
    today: dt.date | None = None,
) -> Comment:
    """A partner's comment on one section of a commitment, in the round open now."""
    _require(by, "plan.comment", commitment)
    consultation = open_round_of(commitment.plan, today or timezone.localdate())
    if consultation is None:
        raise PlanError("No consultation round is open on this plan, so comments are closed.")
    fields = {
        "round": consultation,
        "commitment": commitment,
        "section": _choice(section, Section, field="section", what="the part you comment on"),
        "text": _text(text, field="text", empty="Write your comment."),
        "organisation": organisation_of(by),
    }
    sent = just_sent(Comment.objects.filter(**fields), by)
    if sent is not None:  # sent twice: the police answer it once
        return sent
    comment = Comment.objects.create(author=by, **fields)
    _audit(request, "comment.add", comment, by)
    return comment


@transaction.atomic
def respond(
    request: HttpRequest | None,
    comment: Comment,
    *,
    outcome: str,
    reason: str,
    change_made: str = "",
    by: User,
) -> CommentResponse:
    """The police's answer to a comment: accepted, changed or declined, always with reasons."""
    _require(by, "plan.manage", comment.commitment.plan)
    try:
        checked = checked_answer(outcome, reason, change_made, outcomes=ResponseOutcome.values)
    except AnswerRefused as refused:
        raise PlanError(str(refused), field=refused.field) from refused
    try:
        with transaction.atomic():
            answer = CommentResponse.objects.create(
                comment=comment,
                outcome=checked.outcome,
                reason=checked.reason,
                change_made=checked.change_made,
                responder=by,
            )
    except IntegrityError as error:
        raise PlanError("This comment already has a response.") from error
    _audit(request, "comment.respond", comment, by)
    return answer


# --- Partner ratings and contested status ----------------------------------------------------


@transaction.atomic
def rate(
    request: HttpRequest | None,
    commitment: Commitment,
    *,
    verifiability: str,
    relevance: str,
    impact: str,
    completion: str,
    status: str,
    comment: str,
    by: User,
) -> PartnerRating:
    """A partner organisation's own view, kept beside (never averaged with) the police's."""
    _require(by, "plan.rate", commitment)
    rating = PartnerRating.objects.create(
        commitment=commitment,
        organisation=organisation_of(by),
        rated_by=by,
        verifiability=_choice(
            verifiability,
            Verifiability,
            field="verifiability",
            what="whether it is specific enough to check",
        ),
        relevance=_choice(relevance, Relevance, field="relevance", what="how relevant it is"),
        impact=_choice(impact, Impact, field="impact", what="its potential impact"),
        completion=_choice(completion, Completion, field="completion", what="how much is done"),
        status=_choice(status, Status, field="status", what="where you think it stands"),
        comment=_optional_text(comment, field="comment"),
    )
    _audit(request, "rating.add", rating, by)
    return rating


def current_ratings(
    commitment: Commitment, *, before: dt.date | None = None
) -> list[PartnerRating]:
    """Each partner organisation's latest rating (made before ``before``, if given), by
    organisation name."""
    latest: dict[int, PartnerRating] = {}
    ratings = sorted(commitment.ratings.all(), key=lambda r: (r.created_at, r.pk), reverse=True)
    for rating in ratings:
        if before is not None and timezone.localdate(rating.created_at) >= before:
            continue
        latest.setdefault(rating.organisation_id, rating)
    return sorted(latest.values(), key=lambda r: r.organisation.name)


def disagreements(commitment: Commitment) -> list[PartnerRating]:
    """Current partner ratings whose status differs from the police's own."""
    return [r for r in current_ratings(commitment) if r.status != commitment.status]


def is_contested(commitment: Commitment) -> bool:
    return bool(disagreements(commitment))
