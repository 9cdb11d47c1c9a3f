"""The register of initiatives and their equality impact assessments (partnership zone).

An initiative names the action-plan commitments it serves, so a commitment shows the
initiatives and assessments behind it. Each assessment is structured by the Public Sector
Equality Duty (Equality Act 2010, s.149) and rates the impact on every protected
characteristic and on the groups this partnership adds.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accord.eia.vocabularies import AssessmentStatus, Decision, Group, Impact, InitiativeKind


class Initiative(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField()
    kind = models.CharField(max_length=10, choices=InitiativeKind.choices)
    owner = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="initiatives"
    )
    lead_title = models.CharField(max_length=200, blank=True)
    commitments = models.ManyToManyField("plan.Commitment", blank=True, related_name="initiatives")
    boroughs = models.JSONField(default=list, help_text="Names of the boroughs where it runs.")
    starts_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("title",)

    def __str__(self) -> str:
        return self.title


class Assessment(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="assessments")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    aims = models.TextField(blank=True)
    affected = models.TextField(blank=True, help_text="Who it affects, where and when.")
    evidence = models.TextField(blank=True)
    data_gaps = models.TextField(blank=True, help_text="What the data cannot tell us.")
    engagement = models.TextField(
        blank=True, help_text="Who was consulted, what they said, what changed because of it."
    )
    mitigations = models.TextField(blank=True)
    monitoring = models.TextField(blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    reminded_for = models.DateField(
        null=True, blank=True, help_text="The review date the last reminder was sent for."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ("initiative", "-version")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "version"], name="assessment_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"EIA of {self.initiative} (version {self.version})"


class ImpactRating(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="impacts")
    group = models.CharField(max_length=30, choices=Group.choices)
    impact = models.CharField(max_length=10, choices=Impact.choices)
    reasoning = models.TextField(help_text="The evidence and reasoning for the rating.")
    response = models.TextField(
        blank=True,
        help_text="The mitigation, or the justification (a legitimate aim pursued "
        "by proportionate means).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("assessment", "group")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "group"], name="one_rating_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()}: {self.get_impact_display()}"


class AttachedAnalysis(models.Model):
    """An analysis from ``accord.stats`` attached as evidence, with the dataset versions it
    used and the groups it flags (``accord.eia.disparities``), fixed when attached."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="analyses")
    run = models.ForeignKey("monitoring.AnalysisRun", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(
        max_length=30,
        choices=Group.choices,
        help_text="The assessment group the analysis's groups belong to (ethnicity: race).",
    )
    reference = models.CharField(max_length=100)
    flagged = models.JSONField(default=list, help_text="Disparity.to_data() of each flag.")
    datasets = models.JSONField(default=list, help_text="[{role, id, name, version}]")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("added_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "run"], name="analysis_attached_once")
        ]

    def __str__(self) -> str:
        return f"Analysis {self.run_id} in {self.assessment}"

    @property
    def compared(self) -> str:
        """What was compared, in words ("Ethnicity as officers recorded it")."""
        column = str(self.run.parameters.get("group", ""))
        return COLUMN_LABELS.get(column, column.replace("_", " ").capitalize())


#: Plain names of the group columns an analysis can compare.
COLUMN_LABELS = {
    "officer_defined_ethnicity_broad": "Ethnicity as officers recorded it (5 groups)",
    "self_defined_ethnicity_broad": "Ethnicity as people described it (5 groups)",
    "officer_defined_ethnicity": "Ethnicity as officers recorded it",
    "self_defined_ethnicity": "Ethnicity as people described it",
    "age_band": "Age band",
    "gender": "Gender",
}


class ReviewComment(models.Model):
    """A VAWG partner's comment on one section of an assessment under review."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments"
    )
    section = models.CharField(max_length=30)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="eia_comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    change_made = models.TextField(blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.organisation} on {self.section}"


class Approval(models.Model):
    """One sign-off; an assessment needs two, by two different people."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("approved_at", "pk")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "approver"], name="one_approval_each")
        ]

    def __str__(self) -> str:
        return f"Approval of {self.assessment}"


class ActionKind(models.TextChoices):
    MITIGATION = "mitigation", "Mitigation"
    MONITORING = "monitoring", "Monitoring (to fill a gap in the data)"


class PlanAction(models.Model):
    """A mitigation or monitoring action of an assessment, kept in the action plan as a
    milestone of a commitment the initiative serves, so it is tracked (and flagged when
    overdue) where the plan is."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=12, choices=ActionKind.choices)
    group = models.CharField(max_length=30, choices=Group.choices, blank=True)
    owner_title = models.CharField(max_length=200)
    milestone = models.OneToOneField(
        "plan.Milestone", on_delete=models.PROTECT, related_name="eia_action"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return str(self.milestone)
