"""Import a plan's commitments from CSV (the layout ``exports.plan_csv`` writes).

All or nothing: the whole file is checked first and every problem is listed with its row
and column; only a file with no problem is written, in one transaction. A row whose number
is already in the plan changes that commitment; any other row adds one. Status and progress
are never imported (they change only through dated progress updates with evidence), so the
read-only columns of an export are accepted and ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.http import HttpRequest

from accord.accounts.models import Organisation, User
from accord.audit.services import record
from accord.datasets.export import looks_like_formula
from accord.plan import services
from accord.plan.exports import EDITABLE, READ_ONLY
from accord.plan.models import Commitment, Plan, Theme
from accord.policy.roles import OrgKind

REQUIRED = ("number", "title", "statement")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2_000
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
#: The commitment form refuses these (and PostgreSQL cannot store them): so does an import.
NULL_CHARACTER = (
    "the cell has a null character (an invisible character that comes from a damaged file). "
    "Remove it."
)
LIMITS = {"number": 12, "title": 200, "theme_number": 10, "theme_title": 200, "lead_title": 200}


@dataclass(frozen=True)
class Problem:
    row: int | None  # the file's line number (the header is row 1)
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where).capitalize()}: {self.message}" if where else self.message


class ImportRefused(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass
class Row:
    line: int
    values: dict[str, str]
    co_owners: list[Organisation] = field(default_factory=list)
    published: bool = False


@dataclass(frozen=True)
class Imported:
    added: int
    changed: int


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportRefused([Problem(None, None, "The file is empty.")])
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            [Problem(None, None, f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")]
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [Problem(line, None, "the file is not UTF-8 text. Save it as 'CSV UTF-8'.")]
        ) from error


def _header(fieldnames: Sequence[str] | None) -> list[Problem]:
    if not fieldnames:
        return [Problem(1, None, "the file has no header row.")]
    names = [name.strip() for name in fieldnames]
    known = set(EDITABLE) | set(READ_ONLY)
    problems = [
        Problem(1, name, f"unknown column. The columns are: {', '.join(EDITABLE)}.")
        for name in names
        if name not in known
    ]
    problems += [
        Problem(1, name, "this column is missing.") for name in REQUIRED if name not in names
    ]
    duplicates = {name for name in names if names.count(name) > 1}
    problems += [Problem(1, name, "this column appears twice.") for name in sorted(duplicates)]
    return problems


def _check_row(row: Row, partners: dict[str, Organisation]) -> list[Problem]:
    problems: list[Problem] = []
    values = row.values
    for name, value in values.items():
        if looks_like_formula(value):
            problems.append(
                Problem(row.line, name, "the cell starts like a spreadsheet formula. Remove it.")
            )
        if "\x00" in value:
            problems.append(Problem(row.line, name, NULL_CHARACTER))
        if name in LIMITS and len(value) > LIMITS[name]:
            problems.append(
                Problem(row.line, name, f"keep it to {LIMITS[name]} characters or fewer.")
            )
    for name in REQUIRED:
        if not values.get(name):
            problems.append(Problem(row.line, name, "this cell is empty; it is required."))
    published = values.get("published", "").lower()
    if published in YES:
        row.published = True
    elif published not in NO:
        problems.append(Problem(row.line, "published", "write yes or no."))
    for name in filter(None, (n.strip() for n in values.get("co_owners", "").split(";"))):
        organisation = partners.get(name.casefold())
        if organisation is None:
            problems.append(
                Problem(row.line, "co_owners", f"'{name}' is not a VAWG partner in Accord.")
            )
        else:
            row.co_owners.append(organisation)
    if values.get("theme_title") and not values.get("theme_number"):
        problems.append(Problem(row.line, "theme_number", "give the theme's number too."))
    return problems


def _unreadable(line: int, error: csv.Error) -> Problem:
    """Why the CSV reader stopped, on the row where it stopped."""
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(error):
        return Problem(
            line,
            None,
            f"a cell has over {limit:,} characters. A commitment's texts are at most "
            f"{services.MAX_TEXT:,}.",
        )
    return Problem(line, None, f"the file is not valid CSV ({error}).")


def _rows(text: str) -> tuple[list[Row], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        problems = _header(reader.fieldnames)
        if problems:
            return [], problems
        rows = []
        for values in reader:
            if None in values:
                problems.append(
                    Problem(reader.line_num, None, "this row has more cells than the header.")
                )
                continue
            cleaned = {k.strip(): (v or "").strip() for k, v in values.items()}
            if not any(cleaned.values()):
                continue
            rows.append(Row(reader.line_num, cleaned))
            if len(rows) > MAX_ROWS:
                return [], [Problem(None, None, f"The file has over {MAX_ROWS:,} rows.")]
    except csv.Error as error:
        # The underlying reader's count: DictReader's stays on the last row it returned.
        return [], [_unreadable(reader.reader.line_num, error)]
    if not rows and not problems:
        problems.append(Problem(None, None, "The file has a header but no commitments."))
    return rows, problems


def _check_file(plan: Plan, rows: list[Row]) -> list[Problem]:
    partners = {
        o.name.casefold(): o for o in Organisation.objects.filter(kind=OrgKind.VAWG_PARTNER)
    }
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    themes: dict[str, tuple[str, int]] = {
        t.number: (t.title, 0) for t in Theme.objects.filter(plan=plan)
    }
    existing = set(plan.commitments.values_list("number", flat=True))
    for row in rows:
        problems += _check_row(row, partners)
        number = row.values.get("number", "")
        if number in seen:
            problems.append(
                Problem(row.line, "number", f"{number} is already on row {seen[number]}.")
            )
        elif number:
            seen[number] = row.line
        theme_number, theme_title = row.values.get("theme_number"), row.values.get("theme_title")
        if theme_number:
            known = themes.get(theme_number)
            if known is None:
                if not theme_title:
                    problems.append(
                        Problem(row.line, "theme_title", f"theme {theme_number} is new: name it.")
                    )
                themes[theme_number] = (theme_title or "", row.line)
            elif theme_title and known[0] and theme_title != known[0]:
                where = f"on row {known[1]}" if known[1] else "in the plan"
                problems.append(
                    Problem(
                        row.line,
                        "theme_title",
                        f"theme {theme_number} is called '{known[0]}' {where}.",
                    )
                )
    for row in rows:
        parent = row.values.get("parent")
        if parent and parent not in seen and parent not in existing:
            problems.append(Problem(row.line, "parent", f"there is no commitment {parent}."))
        if parent and parent == row.values.get("number"):
            problems.append(Problem(row.line, "parent", "a commitment cannot be its own parent."))
    return problems + _nested(plan, rows)


def _nested(plan: Plan, rows: list[Row]) -> list[Problem]:
    """Rows whose parent would itself be part of another commitment once the file is in.

    The commitment form only offers commitments that stand on their own as parents; without
    the same rule an import could make sub-actions of sub-actions, or two commitments each
    part of the other.
    """
    parents = {
        number: parent or ""
        for number, parent in plan.commitments.values_list("number", "parent__number")
    }
    parents |= {row.values.get("number", ""): row.values.get("parent", "") for row in rows}
    problems = []
    for row in rows:
        number, parent = row.values.get("number", ""), row.values.get("parent", "")
        if not parent or parent == number:
            continue
        children = sorted(child for child, above in parents.items() if above == number)
        refusal = services.sub_action_refusal(number, parent, parents.get(parent, ""), children)
        if refusal:
            problems.append(Problem(row.line, "parent", refusal))
    return problems


def import_commitments(
    request: HttpRequest | None, plan: Plan, data: bytes, *, by: User
) -> Imported:
    """Check the whole file, then write it all in one transaction, or nothing."""
    if not services.can_manage(by, plan):
        raise ImportRefused([Problem(None, None, "Only the plan's police plan owners import.")])
    rows, problems = _rows(_decode(data))
    if not problems:
        problems = _check_file(plan, rows)
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: (p.row or 0, p.column or "")))
    added = changed = 0
    with transaction.atomic():
        themes = {t.number: t for t in plan.themes.all()}
        saved: dict[str, Commitment] = {}
        for row in rows:
            values = row.values
            theme = None
            if values.get("theme_number"):
                theme = themes.get(values["theme_number"])
                if theme is None:
                    theme = services.add_theme(plan, values["theme_number"], values["theme_title"])
                    themes[theme.number] = theme
            existing = plan.commitments.filter(number=values["number"]).first()
            try:
                saved[values["number"]] = services.save_commitment(
                    request,
                    plan,
                    commitment=existing,
                    number=values["number"],
                    title=values["title"],
                    statement=values["statement"],
                    theme=theme,
                    lead_title=values.get("lead_title", ""),
                    co_owner_ids=[o.pk for o in row.co_owners],
                    source_quote=values.get("source_quote", ""),
                    source_reference=values.get("source_reference", ""),
                    published=row.published,
                    by=by,
                )
            except services.PlanError as error:
                raise ImportRefused([Problem(row.line, error.field, str(error))]) from error
            added, changed = (added, changed + 1) if existing else (added + 1, changed)
        for row in rows:
            parent_number = row.values.get("parent")
            child = saved[row.values["number"]]
            parent = (
                saved.get(parent_number) or plan.commitments.get(number=parent_number)
                if parent_number
                else None
            )
            if child.parent_id != (parent.pk if parent else None):
                child.parent = parent
                child.save(update_fields=["parent", "updated_at"])
        record(request, "plan.import", "plan", str(plan.uid), actor=by)
    return Imported(added=added, changed=changed)


def template_csv() -> str:
    """An empty file with the header, for people starting from scratch."""
    return ",".join(EDITABLE) + "\r\n"


def describe(problems: Sequence[Problem]) -> list[str]:
    return [str(problem) for problem in problems]
