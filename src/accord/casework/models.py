"""Casework records: the most sensitive data in Accord.

Every free-text field and every piece of identifying detail is a ``Sealed*`` attribute:
encrypted with the case's own key (``accord.casework.keys``) before it reaches a column.
Choices (force, status, referral type) stay plain so that lists, deadlines and
disclosure-controlled counts need no decryption.

Who sees what: ``Case.objects.visible_to(user)`` (advocates their own cases and the triage
queue, supervisors all of their service's cases, everyone else nothing). Child records are
always reached through a visible case, never on their own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction

from accord.casework.equality_questions import (
    AgeBand,
    Disability,
    Ethnicity,
    GenderSameAsBirth,
    ImmigrationStatus,
    NoRecourse,
    Religion,
    Sex,
    SexualOrientation,
)
from accord.casework.sealed import SealedJSON, SealedText
from accord.casework.vocabularies import (
    ActivityKind,
    ClosureReason,
    ConsentMethod,
    ConsentPurpose,
    Force,
    MaracDecision,
    MeasureStage,
    OfficerStatus,
    PlanActionOwner,
    RankBand,
    ReferralStatus,
    ReferralTo,
    Source,
    Status,
    YesNoUnknown,
)
from accord.policy.roles import OrgKind, Role
from accord.policy.rules import principal_of

# Letters and digits that cannot be misread for one another (no 0/O, 1/I/L, U).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A random case reference such as ``K7M-2QX9``: says nothing, cannot be guessed."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
    return f"{body[:3]}-{body[3:]}"


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The one gate to cases. Advocates: assigned to them, plus the unassigned triage
        queue; supervisors: every case of their service; everyone else: nothing."""
        principal = principal_of(user)
        if principal is None or principal.kind is not OrgKind.ADVISORY_SERVICE:
            return self.none()
        mine = self.filter(organisation_id=principal.organisation_id).exclude(status=Status.ERASED)
        if principal.role is Role.SUPERVISOR:
            return mine
        if principal.role is Role.ADVOCATE:
            return mine.filter(
                models.Q(advocate_id=principal.user_id)
                | models.Q(status=Status.NEW, advocate__isnull=True)
            )
        return self.none()

    def counted_in_statistics(self) -> CaseQuerySet:
        """The one rule for every figure that leaves casework: the client's consent to be
        counted in anonymous statistics is in force, and the case is neither restricted nor
        erased."""
        return self.filter(
            status__in=[Status.NEW, Status.OPEN, Status.CLOSED],
            restricted=False,
            consents__purpose=ConsentPurpose.ANONYMOUS_STATISTICS,
            consents__withdrawn_on__isnull=True,
        ).distinct()


class Case(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_reference)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    advocate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    next_review_on = models.DateField(
        null=True, blank=True, help_text="When a supervisor next reviews this case."
    )
    conflict_of_interest = models.BooleanField(
        default=False,
        help_text="The officer's colleagues may handle the case or complaint.",
    )
    restricted = models.BooleanField(
        default=False, help_text="Processing restricted on request: read-only, hidden from lists."
    )
    legal_hold = models.BooleanField(default=False)
    retention_review_on = models.DateField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    sealed_summary = models.TextField(blank=True, default="")
    sealed_legal_hold_reason = models.TextField(blank=True, default="")
    sealed_closure_note = models.TextField(blank=True, default="")
    summary = SealedText()
    legal_hold_reason = SealedText()
    closure_note = SealedText()

    objects: ClassVar[CaseQuerySet] = CaseQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["advocate", "status"]),
            models.Index(fields=["organisation", "next_review_on"]),
            models.Index(fields=["status", "retention_review_on"]),
        ]

    def __str__(self) -> str:
        return f"Case {self.reference}"

    @property
    def client(self) -> Party | None:
        return self.parties.filter(role=Party.Role.CLIENT).first()

    @property
    def is_open(self) -> bool:
        return self.status in {Status.NEW, Status.OPEN}


class CaseKey(models.Model):
    """A case's data key wrapped by a master key. Deleting every row shreds the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="keys")
    generation = models.PositiveIntegerField()
    wrapped = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "generation"], name="one_key_per_generation")
        ]

    def __str__(self) -> str:
        return f"Key {self.generation} of case {self.case_id}"


class CaseRecord(models.Model):
    """What every record inside a case shares: its case, a row identity bound into every
    ciphertext (the AAD), who made it and when."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class Party(CaseRecord):
    """A person in a case (the person index SARs search): the client, the alleged
    perpetrator, or someone else. Names and contact details are sealed."""

    class Role(models.TextChoices):
        CLIENT = "client", "Client"
        PERPETRATOR = "perpetrator", "Alleged perpetrator"
        OTHER = "other", "Other person"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=12, choices=Role.choices)
    sealed_name = models.TextField(blank=True, default="")
    sealed_details = models.TextField(blank=True, default="")
    name = SealedText()
    details = SealedJSON()
    # The alleged perpetrator's police connection (blank for anyone else).
    force = models.CharField(max_length=12, choices=Force.choices, blank=True)
    officer_status = models.CharField(max_length=20, choices=OfficerStatus.choices, blank=True)
    rank_band = models.CharField(max_length=20, choices=RankBand.choices, blank=True)
    local_team_involved = models.CharField(
        max_length=10,
        choices=YesNoUnknown.choices,
        blank=True,
        help_text="Could colleagues of the local team handle the case or complaint?",
    )
    sealed_unit = models.TextField(blank=True, default="")
    unit = SealedText()
    # The master key id the name's buckets in NameToken were made under; "" = not indexed.
    name_indexed_under = models.CharField(
        max_length=64, blank=True, default="", editable=False, db_index=True
    )

    class Meta:
        ordering = ("role", "created_at")

    def __str__(self) -> str:
        return f"{self.get_role_display()} in case {self.case_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the person index in step with the name, in the same transaction: every path
        that saves a name goes through here (bulk loads use ``name_index.prepare`` and
        ``name_index.tokens``)."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "sealed_name" not in update_fields:
            super().save(*args, **kwargs)
            return
        from accord.casework import name_index  # it builds on this module

        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "name_indexed_under"}
        with transaction.atomic():
            numbers = name_index.prepare(self)
            super().save(*args, **kwargs)
            name_index.store(self, numbers)


class NameToken(models.Model):
    """One bucket of one word of a party's name: the blind person index (``name_index``).

    Holds no name and nothing reversible without the master key; it points at its case so
    that erasing the case deletes it with every other row of the case.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="+")
    bucket = models.PositiveIntegerField()

    class Meta:
        # A search is answered from this index alone (PostgreSQL: an index-only scan).
        indexes = (
            models.Index(fields=("bucket", "party", "case"), name="casework_nametoken_bucket"),
        )
        constraints = (
            models.UniqueConstraint(fields=("party", "bucket"), name="casework_nametoken_once"),
        )

    def __str__(self) -> str:
        return f"bucket {self.bucket} of party {self.party_id}"


class Consent(CaseRecord):
    """One purpose the client agreed to, how and when, and its withdrawal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=ConsentPurpose.choices)
    given_on = models.DateField()
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sealed_note = models.TextField(blank=True, default="")
    note = SealedText()

    class Meta:
        ordering = ("purpose", "-given_on")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on})"

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


class RiskAssessment(CaseRecord):
    """One completed DASH checklist. Never edited: risk changes, so each is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    completed_on = models.DateField()
    checklist_version = models.CharField(max_length=40)
    sealed_answers = models.TextField(blank=True, default="")
    answers = SealedJSON()
    yes_count = models.PositiveSmallIntegerField()
    not_known_count = models.PositiveSmallIntegerField(default=0)
    high_risk_by_count = models.BooleanField()
    professional_judgement = models.BooleanField(
        default=False, help_text="High risk on the advocate's professional judgement."
    )
    potential_escalation = models.BooleanField(default=False)
    marac_decision = models.CharField(max_length=15, choices=MaracDecision.choices)
    sealed_narrative = models.TextField(blank=True, default="")
    narrative = SealedText()

    class Meta:
        ordering = ("-completed_on", "-created_at")

    def __str__(self) -> str:
        return f"Risk assessment of {self.completed_on}"

    @property
    def high_risk(self) -> bool:
        return self.high_risk_by_count or self.professional_judgement or self.potential_escalation


class SafetyPlan(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="safety_plans")
    review_on = models.DateField()
    superseded = models.BooleanField(default=False)
    sealed_notes = models.TextField(blank=True, default="")
    notes = SealedText()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Safety plan of {self.created_at:%Y-%m-%d}"


class SafetyAction(CaseRecord):
    plan = models.ForeignKey(SafetyPlan, on_delete=models.CASCADE, related_name="actions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    owner = models.CharField(max_length=15, choices=PlanActionOwner.choices)
    due_on = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    sealed_text = models.TextField(blank=True, default="")
    text = SealedText()

    class Meta:
        ordering = ("done_on", "due_on", "created_at")

    def __str__(self) -> str:
        return f"Safety action {self.uid}"


class Activity(CaseRecord):
    """A call, meeting, letter or note on the case timeline; may be scheduled ahead."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    occurred_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True, help_text="For scheduled activities.")
    sealed_text = models.TextField(blank=True, default="")
    text = SealedText()

    class Meta:
        ordering = ("-occurred_at", "-created_at")
        indexes = [models.Index(fields=["case", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.uid}"


class Document(CaseRecord):
    """A file kept encrypted on disk under a random name; its name and description sealed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    storage_name = models.CharField(max_length=80, unique=True)
    sealed_filename = models.TextField(blank=True, default="")
    sealed_description = models.TextField(blank=True, default="")
    filename = SealedText()
    description = SealedText()

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"Document {self.uid}"


class Referral(CaseRecord):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    to = models.CharField(max_length=12, choices=ReferralTo.choices)
    made_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.MADE
    )
    outcome_on = models.DateField(null=True, blank=True)
    sealed_note = models.TextField(blank=True, default="")
    sealed_outcome = models.TextField(blank=True, default="")
    note = SealedText()
    outcome = SealedText()

    class Meta:
        ordering = ("-made_on", "-created_at")

    def __str__(self) -> str:
        return f"Referral to {self.get_to_display()}"


class OutcomeMeasure(CaseRecord):
    """The client's own ratings, 1 (not at all) to 5 (completely), at intake and closure."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcome_measures")
    stage = models.CharField(max_length=10, choices=MeasureStage.choices)
    recorded_on = models.DateField()
    feels_safe = models.PositiveSmallIntegerField(null=True, blank=True)
    trusts_complaints_process = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "stage"], name="one_measure_per_stage"),
            models.CheckConstraint(
                condition=models.Q(feels_safe__isnull=True)
                | models.Q(feels_safe__gte=1, feels_safe__lte=5),
                name="feels_safe_1_to_5",
            ),
            models.CheckConstraint(
                condition=models.Q(trusts_complaints_process__isnull=True)
                | models.Q(trusts_complaints_process__gte=1, trusts_complaints_process__lte=5),
                name="trust_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"Ratings {self.get_stage_display().lower()}"


class EqualityAnswers(CaseRecord):
    """The client's answers to the equality monitoring questions (``equality_questions``):
    one set per case, every answer optional. ``""`` is "Not asked"."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="equality")
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    gender_same_as_birth = models.CharField(
        max_length=12, choices=GenderSameAsBirth.choices, blank=True
    )
    sexual_orientation = models.CharField(
        max_length=12, choices=SexualOrientation.choices, blank=True
    )
    ethnicity = models.CharField(max_length=30, choices=Ethnicity.choices, blank=True)
    religion = models.CharField(max_length=12, choices=Religion.choices, blank=True)
    disability = models.CharField(max_length=12, choices=Disability.choices, blank=True)
    immigration_status = models.CharField(
        max_length=15, choices=ImmigrationStatus.choices, blank=True
    )
    no_recourse = models.CharField(max_length=12, choices=NoRecourse.choices, blank=True)
    updated_on = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "equality monitoring answers"
        verbose_name_plural = "equality monitoring answers"

    def __str__(self) -> str:
        return f"Equality monitoring answers of case {self.case_id}"


class Erasure(models.Model):
    """The tombstone and ledger entry of an erased case: no content, only that it happened.

    A restore from backup replays this ledger, so an erased case never comes back.
    """

    case_uid = models.UUIDField(unique=True)
    reference = models.CharField(max_length=12)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT)
    erased_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.CharField(max_length=200)

    class Meta:
        ordering = ("-erased_at",)

    def __str__(self) -> str:
        return f"Erasure of case {self.reference}"


# --- Data rights: erasure requests, retention and restriction decisions, subject access ------


class ErasureRequest(models.Model):
    """A supervisor's request to erase a case, waiting for a different supervisor (two-person
    rule, SECURITY.md AZ-7). Kept after the erasure, with its note blanked, as the record of
    who asked and who agreed."""

    class Grounds(models.TextChoices):
        CLIENT_REQUEST = "client_request", "The client asked us to erase their record"
        RETENTION_ENDED = (
            "retention_ended",
            "The retention period has ended and we no longer need the record",
        )
        RECORDED_IN_ERROR = (
            "recorded_in_error",
            "The record was made by mistake or should never have been kept",
        )

    class Decision(models.TextChoices):
        PENDING = "pending", "Waiting for a second supervisor"
        APPROVED = "approved", "Approved and erased"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="erasure_requests")
    grounds = models.CharField(max_length=20, choices=Grounds.choices)
    sealed_note = models.TextField(blank=True, default="")
    note = SealedText()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(decision="pending"),
                name="one_pending_erasure_request_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.uid}"

    @property
    def pending(self) -> bool:
        return self.decision == self.Decision.PENDING


class DataRightsDecision(models.Model):
    """One decision about keeping or restricting a case, with its reason (sealed): the
    evidence a retention review and an Art 18 restriction leave behind."""

    class Kind(models.TextChoices):
        KEEP = "keep", "Kept for longer"
        HOLD = "hold", "Legal hold put on"
        LIFT_HOLD = "lift_hold", "Legal hold lifted"
        RESTRICT = "restrict", "Processing restricted"
        UNRESTRICT = "unrestrict", "Restriction lifted"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rights_decisions")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    keep_until = models.DateField(null=True, blank=True)
    sealed_reason = models.TextField(blank=True, default="")
    reason = SealedText()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-decided_at", "-id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.decided_at:%Y-%m-%d})"


class SubjectAccessRequest(models.Model):
    """One person's request for their data (UK GDPR Art 15), from receipt to approved export.

    The export is assembled once, when the reviewer finishes, and kept sealed with the case
    key: the second supervisor approves exactly what will be sent, and erasing the case
    shreds the export too.
    """

    class Status(models.TextChoices):
        REVIEW = "review", "Waiting for review"
        APPROVAL = "approval", "Waiting for a second supervisor"
        APPROVED = "approved", "Approved: ready to send"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_requests")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="access_requests")
    received_on = models.DateField(help_text="The day the request reached the service.")
    identity_checked = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REVIEW)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sealed_review = models.TextField(blank=True, default="")
    sealed_bundle = models.TextField(blank=True, default="")
    review = SealedJSON()
    bundle = SealedJSON()

    class Meta:
        ordering = ("-requested_at",)

    def __str__(self) -> str:
        return f"Subject access request {self.uid}"

    @property
    def reply_due_on(self) -> dt.date:
        """One calendar month from receipt (the last day of a shorter month when needed)."""
        received = self.received_on
        year, month = received.year + received.month // 12, received.month % 12 + 1
        return dt.date(year, month, min(received.day, calendar.monthrange(year, month)[1]))
