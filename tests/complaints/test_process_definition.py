"""The shipped process definition loads, cites a source for every rule, and covers the issue.

A broken copy of the file is refused with a message that names the problem; each check in the
loader has a case here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from accord.complaints.process import (
    DEFAULT_PROCESS_FILE,
    ProcessDefinitionError,
    load_process,
    process_for_version,
)
from tests.complaints.walk import shipped

DOCS = Path(__file__).resolve().parents[2] / "docs" / "complaints-process.md"
RAW = tomllib.loads(DEFAULT_PROCESS_FILE.read_text(encoding="utf-8"))
TEXT = DEFAULT_PROCESS_FILE.read_text(encoding="utf-8")


def test_the_shipped_file_loads() -> None:
    process = load_process()
    assert process.version == "england-wales-2020.1"
    assert process.applies_from.isoformat() == "2020-02-01"
    assert process.stage(process.initial_stage).label == "Complaint made"
    assert process_for_version(process.version).version == process.version


def test_an_unknown_version_is_refused_with_the_versions_shipped() -> None:
    with pytest.raises(ProcessDefinitionError, match=r"england-wales-2020\.1"):
        process_for_version("england-wales-1999.1")


def _cited_tables() -> list[tuple[str, dict[str, object]]]:
    tables = [
        (f"{kind} {entry['id']}", entry)
        for kind in ("stages", "transitions", "deadlines", "prompts", "linked_matters")
        for entry in RAW[kind]
    ]
    tables += [
        (f"criterion {item['id']}", item)
        for prompt in RAW["prompts"]
        for item in prompt.get("criteria", [])
    ]
    return tables


@pytest.mark.parametrize(
    ("where", "entry"), _cited_tables(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_rule_cites_a_source_that_exists_with_a_pinpoint(
    where: str, entry: dict[str, object]
) -> None:
    sources = {source["id"] for source in RAW["sources"]}
    assert entry.get("source") in sources, where
    assert str(entry.get("pinpoint", "")).strip(), where


def test_every_source_has_a_full_citation_and_an_address() -> None:
    for source in RAW["sources"]:
        assert source["title"] and source["short"]
        assert source["url"].startswith("https://")


def test_every_verify_point_says_what_to_check_and_is_listed_in_the_docs() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    points = shipped().verify_points()
    assert points
    for point in points:
        assert point.note.strip()
        assert f"`{point.id}`" in docs, f"{point.kind} {point.id} is marked verify but not in docs"


def test_the_docs_list_no_verify_point_that_the_file_no_longer_has() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    section = docs.split("## Points marked verify", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^- `([a-z0-9_]+)`", section, flags=re.MULTILINE))
    assert listed == {point.id for point in shipped().verify_points()}


def test_it_covers_every_part_of_the_process_named_in_the_issue() -> None:
    process = shipped()
    stages = set(process.stages)
    assert {
        "made",
        "initial_handling",
        "outside_schedule_3",
        "recorded",
        "with_iopc",
        "handled_otherwise",
        "investigation_local",
        "investigation_directed",
        "investigation_independent",
        "outcome_given",
        "review_requested",
        "review_upheld",
        "outcome_final",
        "misconduct_proceedings",
        "criminal_proceedings",
        "withdrawn",
        "discontinued",
    } <= stages
    assert {"made_to_force", "passed_on_to_force", "taken_on_by_iopc", "referred_to_iopc"} <= set(
        process.transitions
    )
    assert process.transition("update_received").stay
    criteria = {c.id for c in process.prompts["mandatory_referral"].criteria}
    assert {"death_or_serious_injury", "serious_sexual_offence", "serious_corruption"} <= criteria
    assert {"conflict_of_interest", "update_overdue", "late_letter"} <= set(process.prompts)
    assert set(process.linked_matters) == {
        "criminal_investigation",
        "civil_claim",
        "super_complaint",
        "judicial_review",
    }
    review = process.deadline_rules["review_application"]
    assert (review.amount, review.unit, review.counting) == (28, "calendar_days", "day_after")
    assert review.starts_from == ("outcome_letter_dated",)
    actors = set(process.actors)
    assert {"complainant", "appropriate_authority", "local_policing_body", "iopc"} <= actors


def test_the_process_modules_do_not_need_django() -> None:
    code = (
        "import json, sys\n"
        "import accord.complaints.process, accord.complaints.workdays\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


# ------------------------------------------------------------------------------------------
# Broken copies of the file
# ------------------------------------------------------------------------------------------


def _entry(text: str, kind: str, entry_id: str) -> tuple[int, int]:
    """Where one ``[[kind]]`` entry's text starts and ends."""
    match = re.search(rf'^\[\[{kind}\]\]\nid = "{entry_id}"\n', text, flags=re.MULTILINE)
    assert match, f"no [[{kind}]] '{entry_id}' in the shipped file"
    # The entry runs to the next top-level table; [[kind.sub]] tables (criteria) belong to it.
    after = re.compile(rf"\n\[\[(?!{kind}\.)").search(text, match.end())
    return match.start(), after.start() if after else len(text)


def _edit(kind: str, entry_id: str, old: str, new: str) -> str:
    start, end = _entry(TEXT, kind, entry_id)
    block = TEXT[start:end]
    assert block.count(old) == 1, f"{old!r} should appear once in [[{kind}]] '{entry_id}'"
    return TEXT[:start] + block.replace(old, new) + TEXT[end:]


ORPHAN = """
[[stages]]
id = "orphan"
label = "Nobody gets here"
actor = "complainant"
description = "A stage with a way out but no way in."
source = "pra2002"
pinpoint = "Sch. 3"

[[transitions]]
id = "orphan_closed"
label = "Orphan closes"
from = ["orphan"]
to = "closed"
actor = "complainant"
records = []
source = "pra2002"
pinpoint = "Sch. 3"
"""

BROKEN = [
    ("not TOML", TEXT + "\nthis is = = not toml\n", "is not valid TOML"),
    (
        "unknown stage a step goes to",
        _edit("transitions", "referred_to_iopc", 'to = "with_iopc"', 'to = "with_ipoc"'),
        "goes to unknown stage 'with_ipoc'",
    ),
    (
        "unknown stage a step starts from",
        _edit("transitions", "review_not_sought", '["outcome_given"]', '["outcome_givn"]'),
        "starts from unknown stage 'outcome_givn'",
    ),
    (
        "deadline rule without a source",
        _edit("deadlines", "judicial_review", 'source = "cpr54"\n', ""),
        r"\[\[deadlines\]\] 'judicial_review' has no source",
    ),
    (
        "stage without a source",
        _edit("stages", "closed", 'source = "pra2002"\n', ""),
        r"\[\[stages\]\] 'closed' has no source",
    ),
    (
        "criterion without a source",
        _edit(
            "prompts", "mandatory_referral", 'source = "pcmr2020"\npinpoint = "reg. 4(1)(b)"', ""
        ),
        "criterion 7 has no source",
    ),
    (
        "source not in the sources list",
        _edit("stages", "referred_back", 'source = "pra2002"', 'source = "pra2020"'),
        "cites source 'pra2020', which is not in",
    ),
    (
        "rule without a pinpoint",
        _edit("transitions", "case_closed", 'pinpoint = "Part 2 and Sch. 3"\n', ""),
        r"'case_closed' has no pinpoint",
    ),
    (
        "duplicate stage id",
        _edit("stages", "referred_back", 'id = "referred_back"', 'id = "recorded"'),
        r"Duplicate id 'recorded' in \[\[stages\]\]",
    ),
    (
        "duplicate step id",
        _edit(
            "transitions", "review_not_sought", 'id = "review_not_sought"', 'id = "review_applied"'
        ),
        r"Duplicate id 'review_applied' in \[\[transitions\]\]",
    ),
    (
        "duplicate deadline id",
        _edit(
            "deadlines", "judicial_review", 'id = "judicial_review"', 'id = "review_application"'
        ),
        r"Duplicate id 'review_application' in \[\[deadlines\]\]",
    ),
    (
        "duplicate criterion id",
        _edit("prompts", "mandatory_referral", 'id = "same_incident"', 'id = "serious_assault"'),
        "Duplicate id 'serious_assault'",
    ),
    ("unreachable stage", TEXT + ORPHAN, "Stage 'orphan' cannot be reached"),
    (
        "unknown unit",
        _edit("deadlines", "progress_update", 'unit = "calendar_days"', 'unit = "weeks"'),
        "has unit 'weeks'; use one of working_days, calendar_days, months",
    ),
    (
        "unknown counting",
        _edit("deadlines", "progress_update", 'counting = "day_after"', 'counting = "next_day"'),
        "has counting 'next_day'",
    ),
    (
        "amount that is not a positive whole number",
        _edit("deadlines", "progress_update", "amount = 28", "amount = 0"),
        "amount must be a whole number above 0",
    ),
    (
        "terminal stage with a step out of it",
        _edit(
            "transitions",
            "case_closed",
            'from = ["outcome_final"]',
            'from = ["outcome_final", "closed"]',
        ),
        "Stage 'closed' is terminal but step 'case_closed' leaves it",
    ),
    (
        "stage with no way out that is not terminal",
        _edit("stages", "withdrawn", "terminal = true\n", ""),
        "Stage 'withdrawn' is not terminal but no step leads out of it",
    ),
    (
        "going back from a stage nothing leads into",
        _edit("transitions", "resumed", 'from = ["suspended"]', 'from = ["suspended", "made"]'),
        "goes back from 'made', but no step leads into that stage",
    ),
    (
        "step that both moves and stays",
        _edit("transitions", "update_received", "stay = true", 'stay = true\nto = "closed"'),
        "needs exactly one of",
    ),
    (
        "verify without a note",
        _edit("stages", "discontinued", "verify_note =", "unchecked ="),
        "'discontinued' is marked verify but has no verify_note",
    ),
    (
        "step recording an unknown date",
        _edit("transitions", "recorded", '["complaint_recorded"]', '["complaint_recordd"]'),
        "records names unknown 'complaint_recordd'",
    ),
    (
        "deadline starting from an unknown date",
        _edit(
            "deadlines",
            "review_application",
            'starts_from = ["outcome_letter_dated"]',
            'starts_from = ["letter"]',
        ),
        "dates names unknown 'letter'",
    ),
    (
        "deadline in an unknown stage",
        _edit("deadlines", "resumption_reply", 'stages = ["suspended"]', 'stages = ["paused"]'),
        "stages names unknown 'paused'",
    ),
    (
        "unknown actor",
        _edit("stages", "closed", 'actor = "appropriate_authority"', 'actor = "police"'),
        "actor names unknown 'police'",
    ),
    (
        "deadline pointing at an unknown prompt",
        _edit("deadlines", "progress_update", 'prompt = "update_overdue"', 'prompt = "nudge"'),
        "prompt names unknown 'nudge'",
    ),
    (
        "date order naming an unknown date",
        TEXT.replace('earlier = "outcome_decided"', 'earlier = "outcome_made"', 1),
        "earlier/later names unknown 'outcome_made'",
    ),
    (
        "prompt text with a blank Accord cannot fill",
        _edit("prompts", "late_letter", "{days} days after", "{lost} days after"),
        r"uses \{lost\}, which Accord does not fill in",
    ),
    (
        "missing prompt the engine needs",
        _edit("prompts", "late_letter", 'id = "late_letter"', 'id = "letter_late"'),
        "has no prompt 'late_letter'",
    ),
    (
        "initial stage that does not exist",
        TEXT.replace('initial_stage = "made"', 'initial_stage = "start"', 1),
        "initial_stage names unknown 'start'",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [(t, m) for _, t, m in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_copy_of_the_file_is_refused_with_a_specific_message(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "process-broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProcessDefinitionError, match=message):
        load_process(path)
