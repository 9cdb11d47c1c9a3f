"""Letters for a complaint: drafted from the case, edited by the advocate, kept on the timeline.

Three letters: the complaint itself (to the force's professional standards department), a
request for an update, and a review application. Each starts as a draft filled in from what
the case already holds (the client's name, what the complaint is about, the dates the
process recorded) so the advocate does not retype it, and the advocate edits it before it is
saved: the draft is a starting point, never sent as it stands.

What a draft may contain is decided here, not by the advocate's memory: the officer's force
and unit go into a letter only while the client's consent to "act for you in a police
complaint" is in force, and the client's contact details never do (letters ask for all
replies to come to the advocate). Every letter is written on the client's behalf, so none is
saved without that consent, and one addressed to the IOPC needs their consent to share with
the IOPC too (``accord.complaints.consent``); a draft can still be read, but not kept.
Gaps Accord cannot fill, such as the address or why a review is sought, are marked
``[FILL IN: ...]``, and a letter with a gap left in it is not saved, so a half-finished
letter is never the one on file.

A saved letter is an ``Activity`` of kind "letter": its text sealed with the case's key like
every other note, its saving audited. It is exported as PDF (WeasyPrint, nothing fetched) or
as a plain Word file built here (no third-party library: a handful of XML parts in a zip).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from accord.casework.access import audit
from accord.casework.models import Activity, Case, Party
from accord.casework.people import ConsentMissing
from accord.casework.services import CaseworkError
from accord.casework.timeline import ensure_editable
from accord.casework.vocabularies import ActivityKind, Force, YesNoUnknown
from accord.complaints import consent
from accord.complaints.models import Complaint
from accord.complaints.process import ComplaintState, Process, process_for_version
from accord.complaints.workdays import CalendarRangeError, default_calendar
from accord.reports.pdf import html_to_pdf

#: Marks a gap the advocate must fill; a letter still holding one is not saved.
GAP = "[FILL IN:"
MAX_LETTER_CHARS = 20_000

IOPC = "iopc"
LOCAL_POLICING_BODY = "local_policing_body"
REVIEW_BODIES = {
    IOPC: "The IOPC (Independent Office for Police Conduct)",
    LOCAL_POLICING_BODY: "The local policing body (the police and crime commissioner; in "
    "London, MOPAC)",
}
IOPC_NAME = "Independent Office for Police Conduct"

#: Forces Accord can name; for any other the advocate fills the name in.
_PSD: dict[str, tuple[str, str]] = {
    Force.MET: ("Directorate of Professional Standards", "Metropolitan Police Service"),
    Force.CITY: ("Professional Standards Department", "City of London Police"),
    Force.BTP: ("Professional Standards Department", "British Transport Police"),
}
_LOCAL_POLICING_BODY: dict[str, str] = {Force.MET: "Mayor's Office for Policing and Crime (MOPAC)"}

REVIEW_RULE = "review_application"
UPDATE_PROMPT = "update_overdue"
REFERRAL_PROMPT = "mandatory_referral"


class LetterError(CaseworkError):
    """A letter could not be drafted or saved; the message says what to do."""


class LetterConsentMissing(LetterError, ConsentMissing):
    """The client has not agreed (or no longer agrees) to a letter written for them, or to
    one going to the IOPC; ``purpose`` says which consent."""


@dataclass(frozen=True)
class LetterKind:
    key: str
    title: str
    label: str
    template: str
    hint: str


KINDS: dict[str, LetterKind] = {
    kind.key: kind
    for kind in (
        LetterKind(
            "complaint",
            "Complaint to the professional standards department",
            "A complaint to the force",
            "complaints/letters/complaint.txt",
            "Makes the complaint in writing and asks for it to be recorded, considered for "
            "referral to the IOPC and handled by someone with no connection to the officer.",
        ),
        LetterKind(
            "update",
            "Request for an update on the complaint",
            "A request for an update",
            "complaints/letters/update.txt",
            "Asks whoever has the complaint now where it has got to, who is handling it and "
            "when it will finish.",
        ),
        LetterKind(
            "review",
            "Application for a review of the complaint outcome",
            "A review application",
            "complaints/letters/review.txt",
            "Applies to the review body named in the outcome letter, within the 28-day time "
            "limit or asking for a late application to be accepted.",
        ),
    )
}
TITLES = {kind.title for kind in KINDS.values()}


def kind_of(key: str) -> LetterKind:
    try:
        return KINDS[key]
    except KeyError:
        raise LetterError(
            "There is no letter of that kind. Choose a complaint, a request for an update or "
            "a review application."
        ) from None


def _day(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day is not None else ""


def _gap(what: str) -> str:
    return f"{GAP} {what}]"


@dataclass(frozen=True)
class Officer:
    """What a letter may say about the officer: only with the client's complaint consent."""

    force: str
    unit: str


def officer_for_letter(case: Case) -> Officer | None:
    """The officer's force and unit, or None when consent does not allow them (or none known)."""
    if consent.missing(case):
        return None
    party = case.parties.filter(role=Party.Role.PERPETRATOR).first()
    if party is None:
        return None
    party.case = case  # reuse the case's unwrapped key
    force = party.get_force_display() if party.force in _PSD else ""
    unit = party.unit.strip()
    return Officer(force=str(force), unit=unit) if force or unit else None


def addressed_to_iopc(complaint: Complaint, kind: str, review_body: str | None = None) -> bool:
    """Whether this letter goes to the IOPC: an update while the IOPC has the complaint, or a
    review application (or an update during the review) when the IOPC is the review body.
    ``review_body`` as chosen on the draft page; the first guess when not given."""
    kind_of(kind)
    process = process_for_version(complaint.process_version)
    state = ComplaintState.from_data(complaint.state)
    if review_body not in REVIEW_BODIES:
        review_body = default_review_body(state)
    return _addressee(process, state, kind, complaint, review_body) == [IOPC_NAME]


def missing_consents(
    case: Case, complaint: Complaint, kind: str, review_body: str | None = None
) -> list[str]:
    """The consents (purposes) saving this letter needs that are not in force."""
    return consent.missing(case, to_iopc=addressed_to_iopc(complaint, kind, review_body))


def default_review_body(state: ComplaintState) -> str:
    """A first guess only (the outcome letter decides): the IOPC reviews complaints that were
    referred to it, the local policing body most others."""
    return IOPC if "referred_to_iopc" in state.dates else LOCAL_POLICING_BODY


def _psd(force: str) -> tuple[str, str]:
    department, name = _PSD.get(force, ("Professional Standards Department", ""))
    return department, name or _gap("the name of the police force")


def _addressee(
    process: Process, state: ComplaintState, kind: str, complaint: Complaint, review_body: str
) -> list[str]:
    department, force_name = _psd(complaint.force)
    to_psd = [department, force_name]
    to_iopc = [IOPC_NAME]
    if review_body == IOPC:
        to_review = to_iopc
    else:
        body = _LOCAL_POLICING_BODY.get(complaint.force) or _gap(
            "the name of the local policing body, as given in the outcome letter"
        )
        to_review = [body]
    if kind == "complaint":
        return to_psd
    if kind == "review":
        return to_review
    actor = process.stage(state.stage).actor
    if actor == "iopc":
        return to_iopc
    if actor in {"review_body", "local_policing_body"}:
        return to_review
    return to_psd


def _review_timing(process: Process, state: ComplaintState, today: dt.date) -> dict[str, Any]:
    dated = state.dates.get("outcome_letter_dated")
    received = state.dates.get("outcome_letter_received")
    rule = process.deadline_rules.get(REVIEW_RULE)
    if dated is None or rule is None:
        return {
            "outcome_dated": "",
            "outcome_received": _day(received),
            "review_due": None,
            "late": False,
            "days_lost": 0,
        }
    try:
        due = rule.first_due(dated, default_calendar())
    except CalendarRangeError:
        due = None
    applied = state.dates.get("review_applied")
    sent_on = applied if applied is not None and applied >= dated else today
    lost = (received - dated).days if received is not None else 0
    return {
        "outcome_dated": _day(dated),
        "outcome_received": _day(received),
        "review_due": _day(due),
        "late": due is not None and sent_on > due,
        "days_lost": max(lost, 0),
    }


def _update_overdue(process: Process, state: ComplaintState, today: dt.date) -> bool:
    try:
        deadlines = process.deadlines(state, today)
    except CalendarRangeError:
        return False
    return any(
        deadline.status == "overdue"
        and process.deadline_rules[deadline.rule_id].prompt == UPDATE_PROMPT
        for deadline in deadlines
    )


def _criteria(process: Process, complaint: Complaint) -> list[str]:
    prompt = process.prompts.get(REFERRAL_PROMPT)
    if prompt is None:
        return []
    ticked = set(complaint.referral_criteria or [])
    return [criterion.text for criterion in prompt.criteria if criterion.id in ticked]


def letter_context(
    case: Case,
    complaint: Complaint,
    kind: str,
    *,
    by: Any = None,
    review_body: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Everything a letter template may use, and nothing else."""
    kind_of(kind)
    if complaint.case_id != case.pk:
        raise LetterError("This complaint does not belong to this case.")
    complaint.case = case  # reuse the case's unwrapped key for the sealed fields
    today = today or timezone.localdate()
    process = process_for_version(complaint.process_version)
    state = ComplaintState.from_data(complaint.state)
    if review_body not in REVIEW_BODIES:
        review_body = default_review_body(state)
    client = case.client
    client_name = client.name.strip() if client is not None else ""
    sender = str(getattr(by, "display_name", "") or "") if by is not None else ""
    made = state.dates.get(process.anchor_date)
    context: dict[str, Any] = {
        "today": _day(today),
        "sender_name": sender or _gap("your name"),
        "service_name": case.organisation.name,
        "client_name": client_name or _gap("the client's name"),
        "summary": complaint.summary.strip() or _gap("what the complaint is about"),
        "handler": complaint.handler.strip(),
        "officer": officer_for_letter(case),
        "addressee": _addressee(process, state, kind, complaint, review_body),
        "force_name": _psd(complaint.force)[1],
        "complaint_made": _day(made),
        "made_before_today": made is not None and made < today,
        "recorded_on": _day(state.dates.get("complaint_recorded")),
        "referred_on": _day(state.dates.get("referred_to_iopc")),
        "last_update": _day(state.dates.get("update_received")),
        "update_overdue": _update_overdue(process, state, today),
        "criteria": _criteria(process, complaint),
        "conflict": complaint.officer_in_handling_unit == YesNoUnknown.YES
        or case.conflict_of_interest,
        "review_body": review_body,
        "gap": GAP,
    }
    context.update(_review_timing(process, state, today))
    return context


def _tidy(text: str) -> str:
    """Template output as a letter: no trailing spaces, at most one blank line in a row."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    tidied = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return tidied.strip() + "\n"


def draft_letter(
    case: Case,
    complaint: Complaint,
    kind: str,
    *,
    by: Any = None,
    review_body: str | None = None,
    today: dt.date | None = None,
) -> str:
    """The first draft of a letter, for the advocate to edit. Nothing is saved or audited
    here: the view that shows the draft has already audited reading the case."""
    context = letter_context(case, complaint, kind, by=by, review_body=review_body, today=today)
    return _tidy(render_to_string(KINDS[kind].template, context))


def clean_letter_text(text: str) -> str:
    """The letter as it will be saved, or LetterError saying what to change."""
    cleaned = _tidy(text or "") if (text or "").strip() else ""
    if not cleaned:
        raise LetterError("The letter is empty. Write the letter, or go back to the draft.")
    if len(cleaned) > MAX_LETTER_CHARS:
        raise LetterError(
            f"The letter is {len(cleaned):,} characters long. A letter can be at most "
            f"{MAX_LETTER_CHARS:,} characters: shorten it, or send the detail as a document."
        )
    if GAP in cleaned:
        raise LetterError(
            "The letter still has gaps marked [FILL IN: ...]. Fill each one in or delete it, "
            "then save the letter."
        )
    return cleaned


@transaction.atomic
def save_letter(
    request: HttpRequest | None,
    case: Case,
    complaint: Complaint,
    kind: str,
    text: str,
    by: Any,
    *,
    review_body: str | None = None,
) -> Activity:
    """Keep the final text on the case timeline as a letter, sealed, with the save audited.

    Every letter is written for the client ("on behalf of ..., with their agreement"), so it
    is refused with ``LetterConsentMissing`` unless their consent to our acting in the
    complaint is in force; a letter addressed to the IOPC (``addressed_to_iopc``, with the
    ``review_body`` chosen on the draft page) also needs their consent to share with the IOPC.
    Nothing is saved or audited then.
    """
    letter = kind_of(kind)
    ensure_editable(case)
    if complaint.case_id != case.pk:
        raise LetterError("This complaint does not belong to this case.")
    consent.require(
        case,
        cannot="Without it, we cannot write to anyone for them about their complaint, so this "
        "letter cannot be saved.",
        to_iopc=addressed_to_iopc(complaint, kind, review_body),
        to_iopc_cannot="This letter goes to the IOPC, so it cannot be saved without that consent.",
        error=LetterConsentMissing,
    )
    cleaned = clean_letter_text(text)
    activity = Activity(
        case=case, kind=ActivityKind.LETTER, occurred_at=timezone.now(), created_by=by
    )
    activity.text = f"{letter.title}\n\n{cleaned}"
    activity.save(force_insert=True)
    audit(request, f"complaints.letter.{letter.key}.save", case, actor=by)
    return activity


def split_saved(text: str) -> tuple[str, str]:
    """(title, letter) of a saved letter. A letter written straight on the timeline has no
    title line of ours, so all of it is the letter."""
    first, _, rest = text.partition("\n\n")
    if first in TITLES and rest.strip():
        return first, rest
    return "Letter", text


# --- Exports --------------------------------------------------------------------------------


def letter_pdf(text: str, title: str) -> bytes:
    """The letter as an A4 PDF. WeasyPrint may fetch nothing: no files, no network."""
    html = render_to_string(
        "complaints/letters/letter_pdf.html",
        {"title": title, "paragraphs": _paragraphs(text)},
    )
    return html_to_pdf(html)


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs (the lines inside a paragraph are kept)."""
    return [part.strip("\n") for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]


#: Characters XML 1.0 cannot hold at all (escaping does not help), removed from exports.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)


def _xml_text(value: str) -> str:
    return escape(_NOT_XML.sub("", value), {'"': "&quot;"})


def _docx_document(text: str) -> str:
    paragraphs = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line:
            run = f'<w:r><w:t xml:space="preserve">{_xml_text(line)}</w:t></w:r>'
            paragraphs.append(f"<w:p>{run}</w:p>")
        else:
            paragraphs.append("<w:p/>")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>'
        + "".join(paragraphs)
        + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="709" '
        'w:footer="709" w:gutter="0"/></w:sectPr>'
        "</w:body></w:document>"
    )


def _docx_core(title: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{_xml_text(title)}</dc:title>"
        "</cp:coreProperties>"
    )


def letter_docx(text: str, title: str) -> bytes:
    """The letter as a plain Word document: one paragraph per line, nothing else inside (no
    styles, macros or links), so it opens in Word, LibreOffice and Google Docs alike."""
    buffer = io.BytesIO()
    # A fixed timestamp: the same letter gives the same file, and no clock time leaks.
    stamp = (2020, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", _docx_document(text)),
            ("docProps/core.xml", _docx_core(title)),
        ):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body.encode("utf-8"))
    return buffer.getvalue()


def download_name(title: str, extension: str) -> str:
    """A file name saying what the letter is, never who it is about."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "letter"
    return f"{stem}.{extension}"
