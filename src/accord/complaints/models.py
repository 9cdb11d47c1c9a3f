"""Police complaints followed inside a case (casework zone).

A complaint's position in the process is stored as the engine's own state
(``ComplaintState.to_data()``: the process version, the stage, the dates that drive
deadlines and the steps taken) — stage ids and dates only, never content. What the
complaint is about, who handles it and every note are sealed with the case's key, like
everything else in a case. ``next_due_on`` copies the soonest open deadline so that the
advocate home page and the reminder task need no decryption and no engine run per case.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accord.casework.sealed import SealedText
from accord.casework.vocabularies import Force, YesNoUnknown


class MadeTo(models.TextChoices):
    FORCE = "force", "The police force (its professional standards department)"
    IOPC = "iopc", "The IOPC, which passes it to the force"
    POLICING_BODY = "policing_body", "The local policing body (in London, MOPAC)"


class Complaint(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="complaints")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    process_version = models.CharField(max_length=60)
    stage = models.CharField(max_length=60)
    state = models.JSONField(help_text="ComplaintState.to_data(): stage ids and dates only.")
    made_to = models.CharField(max_length=20, choices=MadeTo.choices)
    force = models.CharField(max_length=12, choices=Force.choices)
    officer_in_handling_unit = models.CharField(
        max_length=10,
        choices=YesNoUnknown.choices,
        default=YesNoUnknown.NOT_KNOWN,
        help_text="Does the officer serve in the unit handling the complaint?",
    )
    referral_criteria = models.JSONField(
        default=list, help_text="Ids of the mandatory-referral criteria the advocate ticked."
    )
    next_due_on = models.DateField(null=True, blank=True)
    next_due_rule = models.CharField(max_length=60, blank=True)
    reminded_for = models.DateField(
        null=True, blank=True, help_text="The due date the last reminder was sent for."
    )
    sealed_summary = models.TextField(blank=True, default="")
    sealed_handler = models.TextField(blank=True, default="")
    summary = SealedText()
    handler = SealedText()

    class Meta:
        ordering = ("created_at",)
        indexes = [models.Index(fields=["next_due_on"])]

    def __str__(self) -> str:
        return f"Complaint {self.uid}"


class ComplaintStep(models.Model):
    """One recorded step (transition) with who recorded it and the evidence for it."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps")
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    transition = models.CharField(max_length=60)
    from_stage = models.CharField(max_length=60)
    to_stage = models.CharField(max_length=60)
    on = models.DateField()
    recorded = models.JSONField(default=dict, help_text="The dates this step recorded.")
    evidence = models.ForeignKey(
        "casework.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sealed_note = models.TextField(blank=True, default="")
    note = SealedText()

    class Meta:
        ordering = ("on", "created_at")

    def __str__(self) -> str:
        return f"{self.transition} on {self.on}"


class LinkedMatter(models.Model):
    """A parallel criminal investigation, civil claim, super-complaint or judicial review."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="linked_matters"
    )
    case = models.ForeignKey("casework.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, help_text="A linked-matter kind id from the process.")
    noted_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sealed_note = models.TextField(blank=True, default="")
    note = SealedText()

    class Meta:
        ordering = ("noted_on",)

    def __str__(self) -> str:
        return f"{self.kind} noted {self.noted_on}"
