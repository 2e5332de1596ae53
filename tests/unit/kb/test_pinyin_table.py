"""The homophone repair's readings come from `assets/nlp/sounds.txt`, made from the pinyin package:
the file must be what the package says today, character for character."""

from __future__ import annotations

import pytest

from workbench.kb.lexicon import read_asset
from workbench.kb.pinyin import exact_sounds, sounds, sounds_table


def _pypinyin_readings(char: str) -> list[str]:
    from pypinyin import Style, pinyin

    return [r for group in pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore") for r in group]


def test_the_shipped_table_is_the_pinyin_packages() -> None:
    pytest.importorskip("pypinyin")
    shipped = read_asset("sounds.txt")
    assert shipped == sounds_table(_pypinyin_readings), "regenerate it: see workbench/assets/nlp/README.md"


def test_readings_are_fuzzy_and_toneless() -> None:
    assert sounds("在") == {"zai"} and sounds("再") == {"zai"}
    assert "quan" in sounds("卷") & sounds("券")  # 领卷 → 领券
    assert sounds("长") == {"zan", "can"}  # zhang, chang: zh/ch as z/c, -ng as -n
    assert sounds("绿") == {"nv", "nu"}  # l as n
    assert sounds("a") == frozenset() and sounds("，") == frozenset()


def test_exact_readings_keep_z_and_zh_apart() -> None:
    assert "zeng" in exact_sounds("增") & exact_sounds("赠")  # 增 is also ceng
    assert exact_sounds("正") >= {"zheng"} and not exact_sounds("正") & exact_sounds("增")
    assert sounds("正") & sounds("增")  # alike to the fuzzy reading
