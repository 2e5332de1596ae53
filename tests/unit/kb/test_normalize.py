"""Normalisation: one comparable form for the many ways a customer types the same question."""

from __future__ import annotations

import pytest

from workbench.kb.normalize import MAX_NORMALIZED_CHARS, normalize


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("什么时候发货", "什么时候发货"),
        ("什麼時候發貨", "什么时候发货"),  # traditional script
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("88VIP有折扣吗", "88vip有折扣吗"),  # case
        ("什么时候发货？？？！！！", "什么时候发货"),  # repeated punctuation
        ("什么时候发货😊🙏", "什么时候发货"),  # emoji
        ("急急急，什么时候发货", "急 什么时候发货"),  # runs of one character collapse
        ("  什么时候\t发货\n", "什么时候 发货"),  # white space
        ("①号链接", "1号链接"),  # compatibility forms
        ("666", "666"),  # digit runs are kept
        ("", ""),
        ("？！。，", ""),
    ],
)
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_control_and_format_characters_become_breaks() -> None:
    assert normalize("发\x00货\u200b吗\x7f") == "发 货 吗"


def test_long_input_is_bounded() -> None:
    out = normalize("发货" * 50_000)
    assert len(out) == MAX_NORMALIZED_CHARS
    assert set(out) == {"发", "货"}


def test_idempotent() -> None:
    once = normalize("親，在嗎？請問什麼時候發貨？？😊 ＯＫ")
    assert normalize(once) == once
