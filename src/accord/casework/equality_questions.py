"""The equality monitoring questions an advocate may ask a client, and their answers.

Why casework asks them: Solace's second recommendation is that equality impact assessments
show whether anything lands harder on Black and minoritised women, LGBT+ people or women with
insecure immigration status. The advisory service can only show whether it reaches them, and
whether their complaints fare worse, if it knows who its clients are.

How the answers work (docs/decisions/0021-equality-monitoring.md):

* Every question is optional. An unanswered question is stored as ``""`` and reads
  "Not asked"; a client who was asked and chose not to say is ``prefer_not``. Release
  tables count both, so gaps in the data are named and never hidden.
* The wording follows Census 2021 (England), so the service's clients can be compared
  with London's population. Sex and gender identity are separate questions.
* Immigration status is recorded only when the client raises it, never asked as a routine
  question (HMICFRS "Safe to share?", 2020). It stays in the casework zone and leaves it only
  as a disclosure-controlled count.

The answers are choices, not free text, so they stay plain columns (as force and status do)
and release figures are counted without decrypting anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefers not to say"
NOT_ASKED = "Not asked"


class AgeBand(models.TextChoices):
    FROM_16 = "16_24", "16 to 24"
    FROM_25 = "25_34", "25 to 34"
    FROM_35 = "35_44", "35 to 44"
    FROM_45 = "45_54", "45 to 54"
    FROM_55 = "55_64", "55 to 64"
    FROM_65 = "65_plus", "65 or over"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class GenderSameAsBirth(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No (trans, non-binary or another gender identity)"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class SexualOrientation(models.TextChoices):
    STRAIGHT = "straight", "Straight or heterosexual"
    GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
    BISEXUAL = "bisexual", "Bisexual"
    OTHER = "other", "Another sexual orientation"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class Ethnicity(models.TextChoices):
    """Census 2021 (England): 19 ethnic groups in 5 broad groups."""

    ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
    ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
    ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
    ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
    ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
    BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
    BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
    BLACK_OTHER = (
        "black_other",
        "Black, Black British, Caribbean or African: any other Black background",
    )
    MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple ethnic groups: White and Asian"
    MIXED_WHITE_BLACK_AFRICAN = (
        "mixed_white_black_african",
        "Mixed or multiple ethnic groups: White and Black African",
    )
    MIXED_WHITE_BLACK_CARIBBEAN = (
        "mixed_white_black_caribbean",
        "Mixed or multiple ethnic groups: White and Black Caribbean",
    )
    MIXED_OTHER = "mixed_other", "Mixed or multiple ethnic groups: any other mixed background"
    WHITE_BRITISH = "white_british", "White: English, Welsh, Scottish, Northern Irish or British"
    WHITE_IRISH = "white_irish", "White: Irish"
    WHITE_GYPSY_TRAVELLER = "white_gypsy_traveller", "White: Gypsy or Irish Traveller"
    WHITE_ROMA = "white_roma", "White: Roma"
    WHITE_OTHER = "white_other", "White: any other White background"
    OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
    OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


#: The ONS broad group of each Census 2021 ethnic group, in the order ONS lists them.
BROAD_GROUPS = ("Asian", "Black", "Mixed", "White", "Other")
BROAD_GROUP: dict[str, str] = {
    value: BROAD_GROUPS[["asian", "black", "mixed", "white", "other"].index(value.split("_")[0])]
    for value in Ethnicity.values
    if value != PREFER_NOT
}


class Religion(models.TextChoices):
    NONE = "none", "No religion"
    BUDDHIST = "buddhist", "Buddhist"
    CHRISTIAN = "christian", "Christian"
    HINDU = "hindu", "Hindu"
    JEWISH = "jewish", "Jewish"
    MUSLIM = "muslim", "Muslim"
    SIKH = "sikh", "Sikh"
    OTHER = "other", "Another religion"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class Disability(models.TextChoices):
    A_LOT = "a_lot", "Yes, it limits them a lot"
    A_LITTLE = "a_little", "Yes, it limits them a little"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class ImmigrationStatus(models.TextChoices):
    CITIZEN = "citizen", "British or Irish citizen"
    SETTLED = "settled", "Settled or pre-settled status, or indefinite leave to remain"
    PARTNER_VISA = "partner_visa", "A visa that depends on a partner or spouse"
    OTHER_VISA = "other_visa", "Another visa (for example work, study or family)"
    ASYLUM = "asylum", "Seeking asylum, or a refugee"
    NO_PERMISSION = "no_permission", "No current permission to stay"
    NOT_SURE = "not_sure", "The client is not sure"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


class NoRecourse(models.TextChoices):
    YES = "yes", "Yes, no recourse to public funds"
    NO = "no", "No, they can get public funds"
    NOT_SURE = "not_sure", "The client is not sure"
    PREFER_NOT = PREFER_NOT, PREFER_NOT_LABEL


@dataclass(frozen=True)
class Question:
    field: str
    heading: str  # how the case page and the release name it
    asked: str  # what the advocate asks, in the client's words
    hint: str
    choices: type[models.TextChoices]


QUESTIONS: tuple[Question, ...] = (
    Question("age_band", "Age", "How old are you?", "", AgeBand),
    Question("sex", "Sex", "What is your sex?", "A separate question asks about gender.", Sex),
    Question(
        "gender_same_as_birth",
        "Gender the same as sex registered at birth",
        "Is the gender you identify with the same as your sex registered at birth?",
        "",
        GenderSameAsBirth,
    ),
    Question(
        "sexual_orientation",
        "Sexual orientation",
        "Which of these best describes your sexual orientation?",
        "",
        SexualOrientation,
    ),
    Question(
        "ethnicity",
        "Ethnic group",
        "What is your ethnic group?",
        "The Census 2021 groups. Choose the one the client says describes them.",
        Ethnicity,
    ),
    Question("religion", "Religion", "What is your religion?", "", Religion),
    Question(
        "disability",
        "Disability or long-term condition",
        "Do you have a health condition or disability that limits what you can do day to day?",
        "Physical or mental, lasting or expected to last 12 months or more.",
        Disability,
    ),
    Question(
        "immigration_status",
        "Immigration status",
        "Only if the client raises it: what is their immigration status?",
        "Do not ask this as a routine question. We never share it with the police or with "
        "Immigration Enforcement. Leave it as 'Not asked' unless the client told you.",
        ImmigrationStatus,
    ),
    Question(
        "no_recourse",
        "No recourse to public funds",
        "Only if the client raises it: do they have no recourse to public funds?",
        "This decides which housing and money support they can get, for example the "
        "Migrant Victims of Domestic Abuse Concession.",
        NoRecourse,
    ),
)
FIELDS: tuple[str, ...] = tuple(question.field for question in QUESTIONS)


def answer_label(question: Question, value: str) -> str:
    """What an answer reads as on the page, in the SAR and in releases."""
    if not value:
        return NOT_ASKED
    return str(question.choices(value).label)
