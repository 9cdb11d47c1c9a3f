"""``identifiers_in`` (the crawl's search for case ids in pages) finds what ``in`` finds.

The crawl checks every response against every case reference and record id; the fast
search must give exactly the naive answer, ids inside longer runs, at the edges of the
text, next to punctuation, and ids with other characters included.
"""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.leaks import identifiers_in

IDS = [str(uuid.UUID(int=k * 7919 + 1)) for k in range(5)]
IDS += [uuid.UUID(int=k * 104729 + 3).hex for k in range(5)]
IDS += ["K7M-2QX9", "AB1-CD2E", "odd id/1"]

pieces = st.one_of(
    st.sampled_from(IDS),
    st.sampled_from(IDS).map(lambda i: i[1:]),  # a cut-off copy is not a match
    st.sampled_from(IDS).map(str.upper),  # nor a copy in another case
    st.text(alphabet="abcdef0123456789-XK <>/=\"'\n", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=12), st.sets(st.sampled_from(IDS), max_size=len(IDS)))
def test_the_same_answer_as_a_naive_search(parts: list[str], ids: set[str]) -> None:
    text = "".join(parts)
    wanted = frozenset(ids)
    assert identifiers_in(text, wanted) == {i for i in wanted if i in text}


def test_ids_inside_longer_runs_and_at_the_edges() -> None:
    reference, hexid = "K7M-2QX9", IDS[5]
    text = f"{reference}xx-{hexid}0000 <a href='/cases/{IDS[0]}/'>odd id/1</a>"
    assert identifiers_in(text, frozenset({reference, hexid, IDS[0], "odd id/1", IDS[1]})) == {
        reference,
        hexid,
        IDS[0],
        "odd id/1",
    }
