"""Probe: a progress update refused for another reason says the chosen file must be chosen
again. Browsers never keep a chosen file when a page is shown again, so without a word the
update could be sent a second time without its evidence."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accord.plan.models import ProgressUpdate
from tests.plan.factories import make_commitment, make_plan, people
from tests.security.principals import client_for

pytestmark = pytest.mark.django_db


def _minutes() -> SimpleUploadedFile:
    return SimpleUploadedFile("minutes.txt", b"Board minutes.\n", content_type="text/plain")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"progress": "250"}, "Give a number from 0 to 100"),  # refused by the form
        ({"on": "2999-01-01"}, "The date of the update cannot be in the future."),  # service
    ],
)
def test_a_refused_update_asks_for_its_file_again(change: dict[str, str], why: str) -> None:
    who = people()
    plan = make_plan(who.owner)
    commitment = make_commitment(plan, who.owner)
    form = {
        "on": timezone.localdate().isoformat(),
        "status": "on_track",
        "progress": "30",
        "text": "Funding agreed.",
        "evidence_file": _minutes(),
        **change,
    }
    client = client_for("x", {"x": who.owner})
    response = client.post(reverse("progress_new", args=[plan.slug, commitment.uid]), form)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert why in page
    assert (
        "Choose your file (minutes.txt) again: nothing was saved, and the page cannot keep it"
        in page
    )
    assert not ProgressUpdate.objects.exists()
