"""The words of an equality impact assessment (reference: ../shared/docs/EIA.md).

The nine protected characteristics of the Equality Act 2010 (s.4), and the groups this
partnership also assesses: insecure immigration status, socio-economic disadvantage and
intersections (for example Black women, or migrant women with no recourse to public funds).
"""

from __future__ import annotations

from django.db import models


class InitiativeKind(models.TextChoices):
    NEW = "new", "New"
    EXISTING = "existing", "Already running"


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "With partners for review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


class Group(models.TextChoices):
    AGE = "age", "Age"
    DISABILITY = "disability", "Disability"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment"
    MARRIAGE = "marriage", "Marriage and civil partnership"
    PREGNANCY = "pregnancy", "Pregnancy and maternity"
    RACE = "race", "Race"
    RELIGION = "religion", "Religion or belief"
    SEX = "sex", "Sex"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    IMMIGRATION = "immigration", "Immigration status"
    SOCIO_ECONOMIC = "socio_economic", "Socio-economic disadvantage"
    INTERSECTIONS = "intersections", "Intersections (for example Black women)"


#: The nine of the Equality Act 2010, s.4; the rest are added by this partnership.
PROTECTED = frozenset(
    {
        Group.AGE,
        Group.DISABILITY,
        Group.GENDER_REASSIGNMENT,
        Group.MARRIAGE,
        Group.PREGNANCY,
        Group.RACE,
        Group.RELIGION,
        Group.SEX,
        Group.SEXUAL_ORIENTATION,
    }
)


class Impact(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"
    UNKNOWN = "unknown", "Not known (a gap in the evidence)"


class Decision(models.TextChoices):
    PROCEED = "proceed", "Proceed"
    ADJUST = "adjust", "Proceed with changes"
    PAUSE = "pause", "Pause"
    STOP = "stop", "Stop"
