"""The category lists Accord knows, and how each value maps onto a harmonised one.

Ethnicity follows the Census classifications. police.uk records self-defined ethnicity with
the 2011 Census labels (18 categories plus "Not stated"); older files use the 2001 labels
with codes such as "(W1)"; the Census 2021 tables use the 2021 labels (19 categories,
adding Roma). All three are known here and each maps onto one of the five broad groups
Asian, Black, Mixed, White, Other. "Not stated" is known but has no broad group: such rows
are kept and counted, never dropped.

Chinese is in the Asian group from 2011 on; the 2001 labels put it under "Chinese or other
ethnic group", and it is mapped to Asian here so that every year uses the 2011/2021 groups.
"""

from __future__ import annotations

import re
from typing import Final

BROAD_GROUPS: Final = ("Asian", "Black", "Mixed", "White", "Other")

#: Marks a known value that deliberately has no broad group ("Not stated").
NOT_STATED: Final = "not stated"

# police.uk self-defined ethnicity (2011 Census labels), as in the real London file.
_POLICE_UK_2011: dict[str, str | None] = {
    "Asian/Asian British - Bangladeshi": "Asian",
    "Asian/Asian British - Chinese": "Asian",
    "Asian/Asian British - Indian": "Asian",
    "Asian/Asian British - Pakistani": "Asian",
    "Asian/Asian British - Any other Asian background": "Asian",
    "Black/African/Caribbean/Black British - African": "Black",
    "Black/African/Caribbean/Black British - Caribbean": "Black",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background": (
        "Black"
    ),
    "Mixed/Multiple ethnic groups - White and Asian": "Mixed",
    "Mixed/Multiple ethnic groups - White and Black African": "Mixed",
    "Mixed/Multiple ethnic groups - White and Black Caribbean": "Mixed",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background": "Mixed",
    "White - English/Welsh/Scottish/Northern Irish/British": "White",
    "White - Irish": "White",
    "White - Gypsy or Irish Traveller": "White",
    "White - Roma": "White",
    "White - Any other White background": "White",
    "Other ethnic group - Arab": "Other",
    "Other ethnic group - Any other ethnic group": "Other",
    "Other ethnic group - Not stated": None,
}

# The 2001 Census labels with their codes, used by police.uk files before 2019.
_POLICE_UK_2001: dict[str, str | None] = {
    "White - White British (W1)": "White",
    "White - White Irish (W2)": "White",
    "White - Any other White background (W9)": "White",
    "Mixed - White and Black Caribbean (M1)": "Mixed",
    "Mixed - White and Black African (M2)": "Mixed",
    "Mixed - White and Asian (M3)": "Mixed",
    "Mixed - Any other Mixed ethnic background (M9)": "Mixed",
    "Asian - Indian (A1)": "Asian",
    "Asian - Pakistani (A2)": "Asian",
    "Asian - Bangladeshi (A3)": "Asian",
    "Asian - Any other Asian ethnic background (A9)": "Asian",
    "Black - Caribbean (B1)": "Black",
    "Black - African (B2)": "Black",
    "Black - Any other Black ethnic background (B9)": "Black",
    "Chinese or other ethnic group - Chinese (O1)": "Asian",
    "Chinese or other ethnic group - Any other ethnic group (O9)": "Other",
    "Not Stated (NS)": None,
}

#: Census 2021 ethnic group, 20 categories: code -> (label, broad group). Code -8 ("Does
#: not apply") is not an ethnic group; the population files give it a count of 0.
CENSUS_2021_20: dict[int, tuple[str, str | None]] = {
    -8: ("Does not apply", None),
    1: ("Asian, Asian British or Asian Welsh: Bangladeshi", "Asian"),
    2: ("Asian, Asian British or Asian Welsh: Chinese", "Asian"),
    3: ("Asian, Asian British or Asian Welsh: Indian", "Asian"),
    4: ("Asian, Asian British or Asian Welsh: Pakistani", "Asian"),
    5: ("Asian, Asian British or Asian Welsh: Other Asian", "Asian"),
    6: ("Black, Black British, Black Welsh, Caribbean or African: African", "Black"),
    7: ("Black, Black British, Black Welsh, Caribbean or African: Caribbean", "Black"),
    8: ("Black, Black British, Black Welsh, Caribbean or African: Other Black", "Black"),
    9: ("Mixed or Multiple ethnic groups: White and Asian", "Mixed"),
    10: ("Mixed or Multiple ethnic groups: White and Black African", "Mixed"),
    11: ("Mixed or Multiple ethnic groups: White and Black Caribbean", "Mixed"),
    12: ("Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups", "Mixed"),
    13: ("White: English, Welsh, Scottish, Northern Irish or British", "White"),
    14: ("White: Irish", "White"),
    15: ("White: Gypsy or Irish Traveller", "White"),
    16: ("White: Roma", "White"),
    17: ("White: Other White", "White"),
    18: ("Other ethnic group: Arab", "Other"),
    19: ("Other ethnic group: Any other ethnic group", "Other"),
}

#: The five groups Black Thrive's ExtractSS used to collapse the 20 categories (its
#: 5-category population file is exactly this collapse of the ONS file, for every local
#: authority): as the ONS broad groups, except that White and Black African and White and
#: Black Caribbean are counted as Black, and Gypsy or Irish Traveller and Roma as Other. It
#: is meant for comparisons with officer-defined ethnicity.
EXTRACTSS_GROUP: dict[int, str | None] = {
    code: broad for code, (_, broad) in CENSUS_2021_20.items()
} | {10: "Black", 11: "Black", 15: "Other", 16: "Other"}

_CENSUS_2021_LABELS: dict[str, str | None] = {
    label: broad for code, (label, broad) in CENSUS_2021_20.items() if code > 0
}

#: Every known self-defined ethnicity label -> its broad group (None: "Not stated").
SELF_DEFINED_ETHNICITY: dict[str, str | None] = {
    **_POLICE_UK_2011,
    **_POLICE_UK_2001,
    **_CENSUS_2021_LABELS,
}

#: Officer-defined ethnicity is recorded with the five broad groups already.
OFFICER_DEFINED_ETHNICITY: dict[str, str | None] = {group: group for group in BROAD_GROUPS}

#: police.uk age ranges -> the harmonised age band (same labels, fixed spelling and order).
AGE_BANDS: Final = ("under 10", "10-17", "18-24", "25-34", "over 34")
AGE_RANGE: dict[str, str | None] = {band: band for band in AGE_BANDS}

SEARCH_TYPES: dict[str, str | None] = {
    "Person search": "Person search",
    "Vehicle search": "Vehicle search",
    "Person and Vehicle search": "Person and Vehicle search",
}

#: police.uk's gender values (as in the real London file); any other spelling is refused.
GENDERS: dict[str, str | None] = {"Male": "Male", "Female": "Female", "Other": "Other"}

_SPACES = re.compile(r"\s+")


def normalise(value: str) -> str:
    """Case and spacing do not matter when matching a category: ``" over  34"`` is ``over 34``."""
    return _SPACES.sub(" ", value).strip().casefold()


class Vocabulary:
    """A closed list of values with what each maps to; matching ignores case and spacing.

    Example:
        >>> ages = Vocabulary("age range", AGE_RANGE)
        >>> ages.lookup("Over 34"), ages.knows("over 35")
        ('over 34', False)
    """

    def __init__(self, name: str, mapping: dict[str, str | None]) -> None:
        self.name = name
        self.mapping = mapping
        self._by_key = {normalise(k): v for k, v in mapping.items()}

    def knows(self, value: str) -> bool:
        return normalise(value) in self._by_key

    def lookup(self, value: str) -> str | None:
        """The mapped value (None for "Not stated"); KeyError when unknown."""
        return self._by_key[normalise(value)]

    def examples(self, limit: int = 6) -> str:
        shown = list(self.mapping)[:limit]
        more = len(self.mapping) - len(shown)
        text = ", ".join(repr(v) for v in shown)
        return f"{text} and {more} more" if more > 0 else text


SELF_DEFINED = Vocabulary("self-defined ethnicity", SELF_DEFINED_ETHNICITY)
OFFICER_DEFINED = Vocabulary("officer-defined ethnicity", OFFICER_DEFINED_ETHNICITY)
AGES = Vocabulary("age range", AGE_RANGE)
TYPES = Vocabulary("search type", SEARCH_TYPES)
GENDER = Vocabulary("gender", GENDERS)
