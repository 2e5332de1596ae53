"""The one rule for text at the domain boundary (`workbench.domain.text`) and the validators using it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.domain.aftersales import clean_text as clean_case_text
from workbench.domain.bot import clean_keywords
from workbench.domain.conversations import validate_message_text
from workbench.domain.crm import CustomerFilter, ProfileEdit, clean_group_name, clean_template
from workbench.domain.customers import clean_note_text, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.domain.kb_admin import check_category_name
from workbench.domain.quick_phrases import PhraseDraft, PhrasePool, clean_phrase
from workbench.domain.routing import clean_display_name
from workbench.domain.text import BIDI_CONTROLS, clean_line, clean_search, clean_text

# What people paste: CJK, emoji, combining marks, every kind of control, bidi overrides, and the halves
# of surrogate pairs (a broken clipboard, a bad file), alone or paired.
NASTY = (
    list("亲在吗发货😊é\u0301\t\n\r \x00\x01\x1b\x7f\x85\u200b\ufeff")
    + sorted(BIDI_CONTROLS)
    + [
        "\ud800",
        "\udfff",
        "\ud83d",  # the halves of 😀
        "\ude00",
    ]
)
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
texts = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(NASTY), surrogates), max_size=40)


def _storable(text: str) -> None:
    text.encode("utf-8")  # no lone surrogate left
    assert "\x00" not in text
    assert not BIDI_CONTROLS & set(text)
    assert unicodedata.is_normalized("NFC", text)


def test_bidi_controls_are_stripped_so_a_name_reads_as_it_is() -> None:
    assert clean_line("photo\u202egpj.exe") == "photogpj.exe"
    assert clean_text("a\u2066b\u2069\u200e\u200f\u061cc") == "abc"


def test_nul_and_controls_go_line_breaks_and_tabs_stay_where_allowed() -> None:
    assert clean_text("a\x00b\x1b[31mc\r\nd\te\x7f") == "ab[31mc\nd\te"
    assert clean_text("a\nb\tc", multiline=False) == "a b c"
    assert clean_line("  小\n\t王  ") == "小 王"


def test_text_is_nfc() -> None:
    assert clean_text("e\u0301") == "\u00e9"


def test_a_lone_surrogate_is_refused_and_a_split_pair_joined() -> None:
    with pytest.raises(DomainError) as info:
        clean_text("好\ud800", field="message")
    assert (info.value.code, info.value.field) == ("text.invalid", "message")
    assert clean_text("\ud83d\ude00") == "😀"


@settings(max_examples=300, deadline=None)
@given(texts)
def test_clean_text_gives_storable_text_or_a_domain_error(text: str) -> None:
    for clean in (clean_text, clean_line, clean_search):
        try:
            cleaned = clean(text)
        except DomainError as exc:
            assert exc.code == "text.invalid"
            continue
        _storable(cleaned)
        assert clean(cleaned) == cleaned  # idempotent


Validator = Callable[[str], object]

VALIDATORS: dict[str, Validator] = {
    "message": validate_message_text,
    "tag": clean_tag_name,
    "note": clean_note_text,
    "group": clean_group_name,
    "template": lambda t: clean_template(t, t),
    "profile": lambda t: ProfileEdit(name=t, city=t, style=t, size=t, preferences=t).validated(),
    "customer search": lambda t: CustomerFilter(search=t).validated(),
    "case text": clean_case_text,
    "phrase": lambda t: clean_phrase(PhraseDraft(PhrasePool.SHOP, t, "", t), []),
    "kb category": lambda t: check_category_name(t, ()),
    "account name": clean_display_name,
    "bot keywords": clean_keywords,
}


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    if hasattr(value, "__dataclass_fields__"):
        return [s for name in value.__dataclass_fields__ for s in _strings(getattr(value, name))]
    return []


@pytest.mark.parametrize("name", sorted(VALIDATORS))
@settings(max_examples=80, deadline=None)
@given(text=texts, surrogate=surrogates)
def test_validators_give_storable_text_or_a_domain_error(name: str, text: str, surrogate: str) -> None:
    validator = VALIDATORS[name]
    for candidate in (text, text + surrogate):
        try:
            result = validator(candidate)
        except DomainError:
            continue
        for value in _strings(result):
            _storable(value)
