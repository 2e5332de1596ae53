"""Any input at all returns without raising: empty, huge, control characters, emoji, mixed scripts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.domain.kb import KbEntry
from workbench.kb.analyzer import analyze
from workbench.kb.matcher import Matcher, OutcomeKind
from workbench.kb.normalize import normalize

from .conftest import shop_entries

MATCHER = Matcher(shop_entries())

# characters customers (and broken clients) actually send: CJK, full-width, emoji, controls, surrogates
_alphabet = st.one_of(
    st.characters(),
    st.sampled_from(list("什么时候发货亲在吗請問發貨ＡＢＣ１２３？！。😊🙏\x00\x1b\u200b\u202e\ufeff ")),
)
texts = st.text(alphabet=_alphabet, max_size=300)
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(texts)
def test_match_never_raises(text: str) -> None:
    found = MATCHER.match(text, top=5)
    assert len(found) <= 5
    assert all(0.0 <= s.score <= 1.0 for s in found)
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    outcome = MATCHER.answer(text)
    assert outcome.kind in set(OutcomeKind)


@fast
@given(texts)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@fast
@given(texts, texts)
def test_similarity_is_bounded_and_symmetric(a: str, b: str) -> None:
    ab, ba = MATCHER.similarity(a, b), MATCHER.similarity(b, a)
    assert 0.0 <= ab <= 1.0
    assert ab == pytest.approx(ba, abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_any_text_can_be_an_entry(questions: list[str]) -> None:
    m = Matcher(KbEntry(i, "更多问题", q, ("a",)) for i, q in enumerate(questions))
    for q in questions:
        found = m.match(q, top=3)
        if not analyze(q).empty:
            assert found and found[0].score == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "发" * 100_000,
        "😊" * 100_000,
        "\x00" * 100_000,
        "a" * 100_000,
        "什么时候发货" * 20_000,
        "".join(chr(c) for c in range(0x20, 0x3000)),
    ],
)
def test_huge_inputs(text: str) -> None:
    found = MATCHER.match(text)
    assert all(0.0 <= s.score <= 1.0 for s in found)
