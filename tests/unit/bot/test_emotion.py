"""The lexicon-based negative-emotion detector."""

from __future__ import annotations

import pytest

from workbench.domain.emotion import EmotionDetector, default_detector, parse_lexicon

LEXICON = """
# a tiny lexicon
[negative]
差 0.5
垃圾 0.7
不满意 0.4
[intensifier]
太 1.4
[negator]
不
"""


@pytest.fixture
def detector() -> EmotionDetector:
    return EmotionDetector(parse_lexicon(LEXICON))


def test_words_combine_as_independent_evidence(detector: EmotionDetector) -> None:
    assert detector.score("挺好的").score == 0.0
    one = detector.score("质量差")
    assert one.score == pytest.approx(0.5) and one.words == ("差",)
    both = detector.score("质量差，垃圾")
    assert both.score == pytest.approx(1 - 0.5 * 0.3) and both.words == ("差", "垃圾")


def test_negator_cancels_intensifier_strengthens(detector: EmotionDetector) -> None:
    assert detector.score("质量不差").score == 0.0
    assert detector.score("太差").score == pytest.approx(0.7)
    assert detector.score("太 差").score == pytest.approx(0.7)  # within two characters
    assert detector.score("不满意").words == ("不满意",)  # the longest word wins over the negator rule


def test_repeated_exclamations_add_only_with_a_negative_word(detector: EmotionDetector) -> None:
    assert detector.score("到了吗？？？").score == 0.0
    assert detector.score("差！！").score == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("[odd]\n", 1),
        ("[negative]\n垃圾\n", 2),
        ("[negative]\n垃圾 1.5\n", 2),
        ("[negative]\n垃圾 很\n", 2),
        ("[intensifier]\n太 0.5\n", 2),
        ("[negator]\n不 1\n", 2),
    ],
)
def test_bad_lexicon_lines_are_reported_with_their_number(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=f"emotion.txt:{line}:"):
        parse_lexicon(text)


@pytest.mark.parametrize(
    "angry",
    [
        "你们这什么破东西，气死我了！！",
        "骗子店铺，我要去消协告你们",
        "客服态度太差了，等了半天没人理",
        "垃圾质量，太失望了",
    ],
)
def test_the_shipped_lexicon_catches_angry_customers(angry: str) -> None:
    assert default_detector().score(angry).score >= 0.6


@pytest.mark.parametrize(
    "calm", ["什么时候发货呀", "衣服收到了，挺好的", "这个颜色不差，就是尺码偏大", "好的谢谢亲", "能便宜点吗"]
)
def test_the_shipped_lexicon_leaves_calm_customers_alone(calm: str) -> None:
    assert default_detector().score(calm).score < 0.6
