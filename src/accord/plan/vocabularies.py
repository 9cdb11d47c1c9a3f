"""The words the action plan is tracked in.

Police and partners report status on one scale, so that a difference between them is a
difference of view, not of vocabulary: that is what makes a commitment "contested". The
partner ratings follow the Open Government Partnership's Independent Reporting Mechanism
(IRM), whose lines are what civil society already uses to assess action-plan commitments.
"""

from __future__ import annotations

from django.db import models


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    CONSULTATION = "consultation", "Out for consultation"
    ADOPTED = "adopted", "Adopted"
    ARCHIVED = "archived", "Replaced by a newer version"


class Status(models.TextChoices):
    """Where a commitment stands, as the police or a partner sees it."""

    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "In progress, on track"
    BEHIND = "behind", "In progress, behind"
    COMPLETE = "complete", "Complete"
    DROPPED = "dropped", "Dropped"


class Section(models.TextChoices):
    """The parts of a draft commitment a partner can comment on."""

    WORDING = "wording", "What is promised (the wording)"
    OWNERSHIP = "ownership", "Who leads it and who co-owns it"
    MILESTONES = "milestones", "Milestones and dates"
    MEASURES = "measures", "How progress is measured"
    EQUALITY = "equality", "Equality impact"
    OTHER = "other", "Anything else"


class ResponseOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted as it was"
    CHANGED = "changed", "Accepted with changes"
    DECLINED = "declined", "Declined"


class Verifiability(models.TextChoices):
    """IRM: is the commitment specific enough to be verified?"""

    VERIFIABLE = "verifiable", "Specific enough to check"
    NOT_VERIFIABLE = "not_verifiable", "Too vague to check"


class Relevance(models.TextChoices):
    """Is it relevant to what it is meant to change (here: women's and girls' safety and
    trust in the police)?"""

    RELEVANT = "relevant", "Relevant"
    UNCLEAR = "unclear", "Relevance unclear"
    NOT_RELEVANT = "not_relevant", "Not relevant"


class Impact(models.TextChoices):
    """IRM: potential impact if fully carried out."""

    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MODERATE = "moderate", "Moderate"
    TRANSFORMATIVE = "transformative", "Transformative"


class Completion(models.TextChoices):
    """IRM: how much of it has been done."""

    NOT_STARTED = "not_started", "Not started"
    LIMITED = "limited", "Limited"
    SUBSTANTIAL = "substantial", "Substantial"
    COMPLETE = "complete", "Complete"
