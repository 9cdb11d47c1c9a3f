"""The fixed lists casework records use. Labels are what people read on the page."""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    NEW = "new", "New – waiting for triage"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    ERASED = "erased", "Erased"


class Source(models.TextChoices):
    STAFF = "staff", "Referral taken by staff"
    SELF_REFERRAL = "self_referral", "Self-referral (online form)"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    TRUSTED_PERSON = "trusted_person", "Through someone I trust"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_KNOWN = "not_known", "Not sure"


class Force(models.TextChoices):
    MET = "met", "Metropolitan Police Service"
    CITY = "city", "City of London Police"
    BTP = "btp", "British Transport Police"
    OTHER = "other", "Another police force"
    NOT_KNOWN = "not_known", "Not sure"


class OfficerStatus(models.TextChoices):
    SERVING_OFFICER = "serving_officer", "Serving police officer"
    FORMER_OFFICER = "former_officer", "Former police officer"
    SERVING_STAFF = "serving_staff", "Police staff (not an officer)"
    FORMER_STAFF = "former_staff", "Former police staff"
    NOT_KNOWN = "not_known", "Not sure"


class DutyStatus(models.TextChoices):
    """What the force has done about the officer's duties while the matter is dealt with."""

    FULL = "full", "Full duties"
    RESTRICTED = "restricted", "Restricted duties (for example, no access to police systems)"
    SUSPENDED = "suspended", "Suspended"
    LEFT = "left", "No longer works for the police"
    NOT_KNOWN = "not_known", "Not known"


class RankBand(models.TextChoices):
    CONSTABLE = "constable", "Constable"
    SERGEANT_INSPECTOR = "sergeant_inspector", "Sergeant or inspector"
    SENIOR = "senior", "Chief inspector or above"
    STAFF = "staff", "Police staff grade"
    NOT_KNOWN = "not_known", "Not known"


class ConsentPurpose(models.TextChoices):
    KEEP_RECORD = "keep_record", "Keep a record so we can support you"
    CONTACT = "contact", "Contact you in the ways you chose"
    SHARE_IDVA_ISVA = "share_idva_isva", "Share with an IDVA or ISVA service"
    SHARE_MARAC = "share_marac", "Share with a MARAC (risk conference)"
    COMPLAINT = "complaint", "Act for you in a police complaint"
    SHARE_IOPC = "share_iopc", "Share with the IOPC"
    ANONYMOUS_STATISTICS = "anonymous_statistics", "Count your case in anonymous statistics"


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", "Said out loud (phone or in person)"
    WRITTEN = "written", "In writing"
    ONLINE = "online", "On the online form"


class ActivityKind(models.TextChoices):
    CALL = "call", "Phone call"
    MEETING = "meeting", "Meeting"
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"
    NOTE = "note", "Note"


class ReferralTo(models.TextChoices):
    IDVA = "idva", "IDVA (independent domestic violence adviser)"
    ISVA = "isva", "ISVA (independent sexual violence adviser)"
    MARAC = "marac", "MARAC (multi-agency risk assessment conference)"
    LEGAL = "legal", "Legal advice"
    COUNSELLING = "counselling", "Counselling"
    HOUSING = "housing", "Housing"
    IOPC = "iopc", "IOPC (Independent Office for Police Conduct)"
    OTHER = "other", "Other"


class ReferralStatus(models.TextChoices):
    MADE = "made", "Referral made"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Support completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ClosureReason(models.TextChoices):
    SUPPORT_COMPLETE = "support_complete", "Support complete"
    CLIENT_ENDED = "client_ended", "The client chose to end support"
    NO_CONTACT = "no_contact", "Could not make safe contact"
    TRANSFERRED = "transferred", "Transferred to another service"
    OTHER = "other", "Other"


class MeasureStage(models.TextChoices):
    INTAKE = "intake", "At the start"
    CLOSURE = "closure", "At closure"


class MaracDecision(models.TextChoices):
    REFER = "refer", "Refer to MARAC"
    ALREADY = "already", "Already referred"
    NOT_REFERRED = "not_referred", "Not referred"


class PlanActionOwner(models.TextChoices):
    CLIENT = "client", "Client"
    ADVOCATE = "advocate", "Advocate"
    OTHER_AGENCY = "other_agency", "Another agency"
