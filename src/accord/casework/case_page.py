"""Everything the case page reads, loaded in a fixed number of queries.

Why: the page lists a case's records in ten sections. Read lazily from the templates, each
safety action fetched its case again (and with it the case key) before it could decrypt its
text, and documents and data-rights requests fetched their people one row at a time. The
benchmark found those repeated queries; loading them here keeps the page's query count the
same however many records a case holds (a test counts them).
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects

from accord.casework.models import Case, Document, ErasureRequest, SubjectAccessRequest


def load_case_page(case: Case) -> None:
    """Prefetch the case page's records onto ``case`` and point every record at it, so each
    sealed field opens with the key the case already holds."""
    prefetch_related_objects(
        [case],
        "safety_plans__actions",
        Prefetch("documents", queryset=Document.objects.select_related("created_by")),
        Prefetch(
            "erasure_requests", queryset=ErasureRequest.objects.select_related("requested_by")
        ),
        Prefetch("access_requests", queryset=SubjectAccessRequest.objects.select_related("party")),
    )
    for plan in case.safety_plans.all():
        for action in plan.actions.all():
            action.case = case
    for request in case.access_requests.all():
        request.party.case = case
