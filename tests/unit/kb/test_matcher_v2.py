"""Matcher v2: the semantic stage and its vector cache, homophone typos, long messages, decisions."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import semantic, tokenizer
from workbench.kb.analyzer import analyze
from workbench.kb.cli import main as kb_main
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.matcher import Matcher, OutcomeKind
from workbench.kb.pinyin import HomophoneFixer
from workbench.kb.semantic import SemanticStage

from .conftest import fake_vectors


class CountingEncoder:
    """A stand-in sentence model: one fixed random vector per text, and a record of what it encoded."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        self.calls.append(list(texts))
        return fake_vectors(texts)


@pytest.fixture
def encoder() -> Iterator[CountingEncoder]:
    model = CountingEncoder()
    semantic.set_model(model)
    yield model
    semantic.set_model(None)


def kb() -> list[KbEntry]:
    return [
        KbEntry(1, "聊天互动", "在吗", ("在的",)),
        KbEntry(2, "活动优惠", "怎么领券", ("首页领",), (Phrasing("优惠券在哪里领"),)),
        KbEntry(3, "商品问题", "好吃吗", ("好吃",), (Phrasing("味道怎么样"),)),
        KbEntry(4, "物流问题", "什么时候发货", ("48小时内",), (Phrasing("多久能寄出"),)),
        KbEntry(5, "售后问题", "可以退货吗", ("七天无理由",), (Phrasing("支持退货吗"),)),
    ]


# ------------------------------------------------------------------ semantic stage
def test_vectors_are_cached_per_kb_and_only_edited_phrasings_recomputed(
    encoder: CountingEncoder, tmp_path: Path
) -> None:
    path = tmp_path / "kb-vectors.npz"
    Matcher(kb(), semantic=SemanticStage(path, background=False))
    assert len(encoder.seen) == 9  # every positive phrasing, the questions included
    assert path.is_file()

    encoder.seen.clear()
    stage = SemanticStage(path, background=False)
    matcher = Matcher(kb(), semantic=stage)  # the next start: nothing to compute
    assert encoder.seen == []

    edited = dataclasses.replace(kb()[1], phrasings=(Phrasing("优惠券在哪里领"), Phrasing("券去哪儿拿")))
    matcher.upsert(edited)
    assert encoder.seen == ["券去哪儿拿"]  # only the new phrasing

    encoder.seen.clear()
    Matcher([*kb()[:1], edited, *kb()[2:]], semantic=SemanticStage(path, background=False))
    assert encoder.seen == []  # the edit was saved too


def test_semantic_scores_are_fused_when_ready_and_lexical_meanwhile(encoder: CountingEncoder) -> None:
    stage = SemanticStage(background=False)
    matcher = Matcher(kb(), semantic=stage)
    assert stage.ready
    fused = matcher.rank("啥时候能寄")
    lexical = matcher.match("啥时候能寄", semantic=False)
    assert fused[0][0] == lexical[0].entry_id == 4
    assert fused[0][1] != lexical[0].score  # the cosine took part
    semantic.set_model(None)  # the model not loaded (yet): lexical only, same answer
    assert matcher.rank("啥时候能寄")[0] == (4, lexical[0].score)


def test_a_long_message_s_uncertain_readings_are_encoded_in_one_call(encoder: CountingEncoder) -> None:
    stage = SemanticStage(background=False)
    matcher = Matcher(kb(), semantic=stage)
    encoder.calls.clear()
    long = "亲，我昨天晚上下的单，给我妈买的，啥时候能寄呀？还有味道咋样呢"
    assert len(matcher._readings(long, analyze(long))[0]) >= 3  # the whole message and its clauses
    matcher.match(long)
    assert len(encoder.calls) == 1 and len(encoder.calls[0]) >= 2
    assert stage.encode_calls == 1


def test_prefetch_encodes_a_batch_of_messages_in_one_call(encoder: CountingEncoder) -> None:
    stage = SemanticStage(background=False)
    matcher = Matcher(kb(), semantic=stage)
    messages = ["啥时候能寄", "券咋拿", "味道好不好", "什么时候发货"]  # the last one: the lexical stage is sure
    encoder.calls.clear()
    assert matcher.prefetch(messages) == 3
    assert len(encoder.calls) == 1 and len(encoder.calls[0]) == 3
    prefetched = [matcher.rank(m) for m in messages]
    assert len(encoder.calls) == 1  # answering them found every vector cached
    semantic_off = [matcher.match(m, semantic=False)[0].score for m in messages]
    assert [r[0][1] for r in prefetched][:3] != semantic_off[:3]  # and the cosines took part
    assert matcher.prefetch(messages[:2]) == 2 and len(encoder.calls) == 1  # cached: no call at all


def test_the_model_decides_between_two_entries_the_words_cannot_tell_apart(encoder: CountingEncoder) -> None:
    entries = [
        *kb(),
        KbEntry(6, "物流问题", "什么时候发货呢", ("今天发",)),  # the same words as entry 4's question
    ]
    matcher = Matcher(entries, semantic=SemanticStage(background=False))
    clear_winner = matcher.match("可以退货吗", semantic=False)
    assert clear_winner[0].score >= matcher.config.semantic_sure
    assert len(clear_winner) < 2 or clear_winner[1].score < clear_winner[0].score - matcher.config.semantic_tie
    tied = matcher.match("什么时候可以发货", semantic=False)
    assert tied[0].score >= matcher.config.semantic_sure
    assert tied[1].score >= tied[0].score - matcher.config.semantic_tie
    encoder.calls.clear()
    assert matcher.prefetch(["可以退货吗"]) == 0  # sure: the model is not asked
    assert matcher.prefetch(["什么时候可以发货"]) == 1  # a near tie: it is
    ranked = matcher.rank("什么时候可以发货")
    assert {e for e, _ in ranked[:2]} == {4, 6}
    assert [score for _, score in ranked[:2]] != [s.score for s in tied[:2]]  # the cosines took part


def test_the_vector_store_keeps_each_phrasing_s_vector_across_edits(encoder: CountingEncoder, tmp_path: Path) -> None:
    path = tmp_path / "kb-vectors.npz"
    stage = SemanticStage(path, background=False)
    matcher = Matcher(kb(), semantic=stage)
    groups = [("什么时候发货", "多久能寄出"), ("可以退货吗", "支持退货吗")]
    before = stage.cosines("啥时候能寄", groups)
    assert before is not None and stage.vector_count == 9

    matcher.rebuild([e for e in kb() if e.id != 3])  # an entry gone: its rows are freed
    assert stage.vector_count == 7
    matcher.upsert(KbEntry(6, "售后问题", "衣服起球怎么办", ("可以换",), (Phrasing("起毛球了"),)))  # reuses them
    matcher.upsert(dataclasses.replace(kb()[1], phrasings=(Phrasing("券去哪儿拿"),)))
    assert stage.cosines("啥时候能寄", groups) == before  # untouched entries keep their vectors
    assert stage.cosines("啥时候能寄", [("起毛球了",), ("券去哪儿拿",)]) is not None

    reread = SemanticStage(path, background=False)  # the file holds the same vectors by key
    Matcher([e for e in kb() if e.id != 3], semantic=reread)
    assert reread.cosines("啥时候能寄", groups) == before
    assert reread.vector_bytes() < reread.vector_count * semantic.DIM * 4 * 2  # float16 rows, little slack


def test_without_the_model_matching_stays_lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    semantic.set_model(None)
    monkeypatch.setattr(semantic, "model_available", lambda: False)
    stage = SemanticStage(background=False)
    matcher = Matcher(kb(), semantic=stage)
    assert semantic.load_model() is None
    assert not stage.ready
    assert matcher.rank("什么时候发货")[0] == (4, 1.0)
    semantic.set_model(None)


@pytest.mark.skipif(not semantic.model_available(), reason="the sentence model is not installed")
def test_real_model_sees_a_paraphrase() -> None:
    semantic.set_model(None)
    model = semantic.load_model()
    assert model is not None
    vectors = np.asarray(model.encode(["什么时候发货", "几号能寄出来", "可以退货吗"]))
    assert vectors[0] @ vectors[1] > vectors[1] @ vectors[2]


# ------------------------------------------------------------------ homophones
@pytest.mark.parametrize(
    ("typed", "entry_id"), [("再吗", 1), ("领卷", 2), ("好次吗", 3), ("什么时候发或", 4), ("亲再吗", 1)]
)
def test_homophone_typos_reach_the_entry(typed: str, entry_id: int) -> None:
    best = Matcher(kb()).match(typed)[0]
    assert best.entry_id == entry_id
    assert any(r.startswith("homophone:") for r in best.reasons)


def test_a_typo_inside_a_longer_word_reaches_the_entry() -> None:
    # 添加剂 lends its dictionary word 添加 to the repair: 天加剂 → 添加剂
    entries = [*kb(), KbEntry(9, "商品问题", "有添加剂吗", ("不含防腐剂和色素",))]
    best = Matcher(entries).match("有天加剂没")[0]
    assert best.entry_id == 9 and any(r.startswith("homophone:") for r in best.reasons)


@pytest.mark.parametrize("correct", ["我想再买一件", "在家等快递", "卷发棒好用吗", "吃饭了吗", "发货快吗", "这次买2件"])
def test_correct_text_is_not_changed(correct: str) -> None:
    tokenizer.ensure_loaded()
    fixer = HomophoneFixer(["在吗", "领券", "好吃", "发货", "卷发", "这次"], tokenizer.is_word, tokenizer.general_idf)
    assert fixer.fix(correct) == correct


@pytest.mark.parametrize(("typed", "fixed"), [("这件是宽送款吗", "这件是宽松款吗"), ("配聊表发一下", "配料表发一下")])
def test_a_typo_is_repaired_when_it_makes_a_rare_word_with_its_other_neighbour(typed: str, fixed: str) -> None:
    # 送款 and 聊表 are dictionary words, but far rarer than 宽松 and 配料: the typed character is a typo
    tokenizer.ensure_loaded()
    targets = ["宽松", "配料"]
    assert HomophoneFixer(targets, tokenizer.is_word, tokenizer.general_idf).fix(typed) == fixed
    assert HomophoneFixer(targets, tokenizer.is_word).fix(typed) == typed  # every word as common: left alone


def test_a_character_of_a_common_word_with_its_other_neighbour_is_no_typo() -> None:
    # 发或 sounds like 发货, but 或者 is a word more common than 发货: 发 + 或者, no typo
    tokenizer.ensure_loaded()
    fixer = HomophoneFixer(["在吗", "发货"], tokenizer.is_word, tokenizer.general_idf)
    assert fixer.fix("快递发或者自提") == "快递发或者自提"


def test_a_word_of_the_same_sound_is_preferred_to_one_that_only_sounds_alike() -> None:
    # 增 is zeng like 赠; 正 is zheng, alike only to a typist who mixes z and zh
    tokenizer.ensure_loaded()
    fixer = HomophoneFixer(["正品", "赠品"], tokenizer.is_word)
    assert fixer.fix("买两件有增品没") == "买两件有赠品没"
    assert HomophoneFixer(["正品"], tokenizer.is_word).fix("有增品吗") == "有正品吗"  # alike is still tried


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("好的，谢谢拉", "好的，谢谢啦"),
        ("知道拉！", "知道啦！"),
        ("好把", "好吧"),
        ("行把，我再看看", "行吧，我再看看"),
    ],
)
def test_a_particle_typed_as_a_verb_is_repaired_at_the_end_of_a_clause(typed: str, fixed: str) -> None:
    tokenizer.ensure_loaded()
    assert HomophoneFixer(["在吗"], tokenizer.is_word).fix(typed) == fixed


@pytest.mark.parametrize("correct", ["我要水果沙拉", "来一把", "拉链拉不上", "把它寄回来", "吃沙拉吗"])
def test_a_verb_that_is_no_particle_is_left_alone(correct: str) -> None:
    tokenizer.ensure_loaded()
    assert HomophoneFixer(["在吗"], tokenizer.is_word).fix(correct) == correct


def test_thanks_with_a_particle_typo_reaches_thanks() -> None:
    thanks = KbEntry(6, "聊天互动", "谢谢", ("不客气",), (Phrasing("好的谢谢"),))
    best = Matcher([*kb(), thanks]).match("好的，谢谢拉")[0]
    assert best.entry_id == 6 and best.score == 1.0
    assert any(r.startswith("homophone:") for r in best.reasons)


# ------------------------------------------------------------------ long messages
def test_a_buried_question_matches_like_the_bare_question() -> None:
    matcher = Matcher(kb())
    long = "亲，在吗？我昨天晚上下的单，订单号 3920174455610023，给我老婆买的生日礼物，什么时候发货呀"
    assert matcher.match(long)[0].entry_id == 4


def test_two_questions_in_one_message_offer_both_entries() -> None:
    matcher = Matcher(kb())
    outcome = matcher.answer("什么时候发货？另外可以退货吗")
    assert outcome.kind == OutcomeKind.CLARIFY
    assert {s.entry_id for s in outcome.options} >= {4, 5}
    assert matcher.decision("什么时候发货？另外可以退货吗") == OutcomeKind.CLARIFY
    assert matcher.decision("什么时候发货") == OutcomeKind.DIRECT


# ------------------------------------------------------------------ decision in `kb rank`
def test_rank_prints_the_decision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_path = tmp_path / "kb.jsonl"
    kb_path.write_text(
        "\n".join(
            json.dumps({"id": f"e{e.id}", "question": e.question, "alternatives": [p.text for p in e.phrasings]})
            for e in kb()
        ),
        encoding="utf-8",
    )
    queries = tmp_path / "q.jsonl"
    rows = [("a", "什么时候发货"), ("b", "今天天气怎么样啊朋友"), ("c", "xyz")]
    queries.write_text("\n".join(json.dumps({"qid": q, "query": t}) for q, t in rows), encoding="utf-8")
    semantic.set_model(None)
    assert kb_main(["rank", "--kb", str(kb_path), "--queries", str(queries)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["decision"] for o in out] == ["answer", "none", "none"]
    assert out[0]["ids"][0] == "e4"
    assert set(out[0]) == {"qid", "ids", "scores", "decision"}


def test_a_restart_from_the_stored_index_still_readies_the_semantic_stage(
    encoder: CountingEncoder, tmp_path: Path
) -> None:
    cache = AnalysisCache(tmp_path / "kb.json", "1.0")
    vectors = tmp_path / "kb-vectors.npz"
    Matcher(kb(), cache=cache, semantic=SemanticStage(vectors, background=False))  # builds, stores both

    stage = SemanticStage(vectors, background=False)
    matcher = Matcher(kb(), cache=AnalysisCache(tmp_path / "kb.json", "1.0"), semantic=stage)
    assert matcher.analysed == 0  # the stored index was loaded, not built
    assert stage.ready  # and the stage knows the KB's phrasings (read from its file, none encoded)
    assert matcher.rank("啥时候能寄")[0][1] != matcher.match("啥时候能寄", semantic=False)[0].score


def test_the_desks_matcher_hands_the_kb_to_the_semantic_stage_off_its_start(
    encoder: CountingEncoder, tmp_path: Path
) -> None:
    """`semantic_later` (the desk's live matcher): the build returns without reading the vectors file
    or keying the phrasings; a thread of its own hands them to the stage, which gets ready."""
    cache = AnalysisCache(tmp_path / "kb.json", "1.0")
    vectors = tmp_path / "kb-vectors.npz"
    Matcher(kb(), cache=cache, semantic=SemanticStage(vectors, background=False))
    encoder.seen.clear()
    stage = SemanticStage(vectors, background=False)
    matcher = Matcher(kb(), cache=AnalysisCache(tmp_path / "kb.json", "1.0"), semantic=stage, semantic_later=True)

    def fused() -> bool:  # the stage has the KB's vectors: its scores are fused into the ranking
        return matcher.rank("啥时候能寄")[0][1] != matcher.match("啥时候能寄", semantic=False)[0].score

    deadline = time.monotonic() + 30  # a loaded machine: the thread may start late
    while not fused() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fused()
    assert stage.ready
    assert set(encoder.seen) <= {"啥时候能寄"}  # the query only: the KB's vectors were read from the file


class WatchedEvent(threading.Event):
    """An event that says when a thread starts waiting for it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waited.set()
        return super().wait(timeout)


def test_the_desks_semantic_stage_waits_for_the_window_to_finish_opening(
    encoder: CountingEncoder, tmp_path: Path
) -> None:
    """`semantic_after`: nothing reaches the stage (neither numpy nor the model is loaded) until the
    event is set; then it gets ready as before."""
    opened = WatchedEvent()
    stage = SemanticStage(tmp_path / "kb-vectors.npz", background=False)
    matcher = Matcher(kb(), semantic=stage, semantic_later=True, semantic_after=opened)
    assert opened.waited.wait(30)  # the hand-over thread is at the event
    assert stage.vector_count == 0 and not encoder.seen  # held back
    lexical = matcher.match("啥时候能寄", semantic=False)[0].score
    assert matcher.rank("啥时候能寄")[0][1] == lexical  # lexical meanwhile

    opened.set()
    deadline = time.monotonic() + 30  # a loaded machine: the thread may start late
    while not (stage.ready and stage.vector_count) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert stage.ready and stage.vector_count > 0
    assert matcher.rank("啥时候能寄")[0][1] != lexical
