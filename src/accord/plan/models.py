"""The action plan, co-produced: plans, themes, commitments and what happens to them.

Who sees what (``accord.policy.rules``): every partnership-zone role reads plans and
commitments, drafts included (partners co-produce them); police plan owners write the
police's parts (wording, leads, milestones, measures, progress, responses to comments);
partner contributors comment and rate. The public sees published plans and their
published commitments only. Casework and platform accounts see nothing here.

Nothing is silently rewritten: progress updates, comments, responses and ratings are
added, never edited, so the public log of "what changed because of whom" and each
commitment's timeline are the record itself.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from accord.plan.vocabularies import (
    Completion,
    Impact,
    PlanStatus,
    Relevance,
    ResponseOutcome,
    Section,
    Status,
    Verifiability,
)


class Plan(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    owner = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="The police organisation that answers for the plan.",
    )
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    status = models.CharField(max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    published = models.BooleanField(
        default=False, help_text="Shown on the public pages (its published commitments only)."
    )
    source_title = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    source_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("title", "-version")

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Theme(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="themes")
    number = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ("plan", "number")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="theme_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Commitment(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="commitments")
    theme = models.ForeignKey(
        Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="commitments"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="Set for a sub-action of a larger commitment.",
    )
    number = models.CharField(max_length=12)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text="What the police promise, in their words.")
    source_quote = models.TextField(
        blank=True, help_text="The published wording, quoted exactly, where there is one."
    )
    source_reference = models.CharField(
        max_length=300, blank=True, help_text="Where the published wording is (page, section)."
    )
    lead_title = models.CharField(
        max_length=200, blank=True, help_text="The police lead's post, e.g. 'Commander, ...'."
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The police plan owner who answers for it in Accord.",
    )
    co_owners = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="co_owned_commitments",
        help_text="Partner organisations that shaped it and share responsibility for it.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    status_on = models.DateField(null=True, blank=True, help_text="Date of the latest update.")
    published = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("plan", "number")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="commitment_number_unique"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="progress_0_to_100"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Milestone(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_on", "pk")

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    """How progress is measured; linked to a monitoring dataset where a number exists."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=200)
    definition = models.TextField(blank=True)
    baseline = models.CharField(max_length=100, blank=True)
    target = models.CharField(max_length=100, blank=True)
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.name


class ConsultationRound(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds")
    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("-opens_on", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="round_closes_after_open"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, day: Any) -> bool:
        return bool(self.opens_on <= day <= self.closes_on)


class Comment(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    round = models.ForeignKey(ConsultationRound, on_delete=models.PROTECT, related_name="comments")
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="plan_comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"Comment by {self.organisation} on {self.commitment}"


class CommentResponse(models.Model):
    """The recorded answer to one comment: every comment gets exactly one."""

    comment = models.OneToOneField(Comment, on_delete=models.CASCADE, related_name="response")
    outcome = models.CharField(max_length=20, choices=ResponseOutcome.choices)
    reason = models.TextField()
    change_made = models.TextField(blank=True, help_text="What was changed because of it.")
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.comment}"


class ProgressUpdate(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices)
    progress = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    text = models.TextField()
    evidence_links = models.JSONField(default=list, help_text="[{title, url}]")
    metrics = models.JSONField(
        default=list,
        help_text="[{name, value, unit, as_of, dataset, dataset_version}]: figures as they "
        "stood when the update was made.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-on", "-created_at")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="update_progress_0_to_100")
        ]

    def __str__(self) -> str:
        return f"Update of {self.on} on {self.commitment}"


class EvidenceFile(models.Model):
    """A file attached to a progress update, stored once under its SHA-256 (never under the
    web root) and always served as a download."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="files")
    filename = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("pk",)

    def __str__(self) -> str:
        return self.filename


class PartnerRating(models.Model):
    """One partner organisation's assessment of one commitment at one time.

    Kept as history: the latest rating of each organisation is its current view.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="ratings")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="plan_ratings"
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verifiability = models.CharField(max_length=20, choices=Verifiability.choices)
    relevance = models.CharField(max_length=20, choices=Relevance.choices)
    impact = models.CharField(max_length=20, choices=Impact.choices)
    completion = models.CharField(max_length=20, choices=Completion.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.organisation} on {self.commitment}"
