"""The consent gate for complaints: what the client must have agreed to before we act for them.

Withdrawing the consent "Act for you in a police complaint" means we stop acting for the
client in it (``casework.people.WHAT_WITHDRAWAL_STOPS``). As with referrals
(``casework.referrals``), the gate lives beside the writes, in ``services`` and ``letters``,
not in a form another page could skip:

- adding a complaint to the case, recording a step that acts for the client
  (:func:`acts_for_client`) and saving a letter need that consent in force (given, not
  withdrawn);
- a complaint made to the IOPC, and a letter addressed to the IOPC, share the client's
  information with the IOPC, so they need "Share with the IOPC" as well;
- noting what others did (the force recorded the complaint, the IOPC decided how to
  investigate, an outcome letter arrived), the referral criteria the advocate thinks apply and
  linked matters need neither: they record what happened, and keep the deadlines true, without
  our doing anything for the client.

The refusal is a :class:`~accord.casework.people.ConsentMissing` (each caller raises its own
subclass) naming the consent, so a page can show it beside the right field and point to where
consent is recorded. Nothing is written before the gate is passed. The gate reads only the
case's consent rows, through a case the caller already reached (and audited) as before.
"""

from __future__ import annotations

from accord.casework.models import Case
from accord.casework.people import (
    ConsentMissing,
    active_consent,
    consent_not_in_force,
    purpose_label,
)
from accord.casework.vocabularies import ConsentPurpose
from accord.complaints.process import Process, Transition

#: The consent to act for the client in a police complaint.
ACTING = ConsentPurpose.COMPLAINT
#: The consent to share the client's information with the IOPC.
IOPC = ConsentPurpose.SHARE_IOPC

#: Who, in the process definition, is on the client's side: a step they take is one we would
#: take, or record, as the client's representative.
CLIENT_SIDE = frozenset({"complainant", "advocate"})

#: How every refusal ends: what the advocate can do about it.
WHAT_TO_DO = (
    "Ask the client. If they agree, record their consent on the case page (under “Consent”), "
    "then try again."
)


def acts_for_client(process: Process, step: Transition) -> bool:
    """Whether recording ``step`` would be acting for the client, and so needs their consent.

    The process definition says who does each step. A step done by the client's side (the
    complainant or the advocate: making the complaint to the force, telling the force it meets
    the referral criteria, replying about starting again, applying for a review or deciding
    not to, filing a judicial review claim) is something we do, or record as done, on the
    client's behalf; once they have withdrawn their consent we must not, so it is refused.

    Two kinds of step are allowed without consent:

    - steps done by anyone else (the force, the IOPC, the local policing body, the review body,
      the Crown Prosecution Service). Recording that the force sent an outcome letter, or that
      the IOPC took the complaint on, only notes what happened to the complaint; it keeps the
      record and its deadlines true and acts for nobody;
    - a client's-side step that ends the complaint (it moves to a terminal stage: the client's
      own signed withdrawal, or closing a finished complaint). Refusing those would leave the
      complaint open, with deadlines and reminders about work we may no longer do.
    """
    if step.actor not in CLIENT_SIDE:
        return False
    return not (step.to is not None and process.stage(step.to).terminal)


def missing(case: Case, *, to_iopc: bool = False) -> list[str]:
    """The consents (purposes) acting here needs that are not in force, acting first.

    ``to_iopc``: what is done goes to the IOPC, so sharing with it is needed as well.
    """
    needed = [ACTING, IOPC] if to_iopc else [ACTING]
    return [purpose for purpose in needed if active_consent(case, purpose) is None]


def labels(purposes: list[str]) -> list[str]:
    """The consents as the case page names them, for a page to list what is missing."""
    return [purpose_label(purpose) for purpose in purposes]


def refusal(case: Case, purpose: str, cannot: str) -> str:
    """The refusal in full: which consent is missing and why (withdrawn when, or never given),
    what it stops (``cannot``, one sentence), and what to do."""
    return f"{consent_not_in_force(case, purpose)} {cannot} {WHAT_TO_DO}"


def require(
    case: Case,
    *,
    cannot: str,
    to_iopc: bool = False,
    to_iopc_cannot: str = "",
    error: type[ConsentMissing] = ConsentMissing,
) -> None:
    """Raise ``error`` unless the consents needed are in force.

    ``cannot`` says what the missing complaint consent stops; ``to_iopc_cannot`` what the
    missing IOPC consent stops (it is checked only with ``to_iopc``). The complaint consent is
    checked first: without it, nothing is done for the client at all.
    """
    lacking = missing(case, to_iopc=to_iopc)
    if not lacking:
        return
    purpose = lacking[0]
    said = cannot if purpose == ACTING else to_iopc_cannot
    raise error(refusal(case, purpose, said), purpose=purpose)
