"""The benchmark's customer-style noise is undone by normalisation (on our own sentences)."""

from __future__ import annotations

from workbench.kb.analyzer import analyze
from workbench.kb.bench import add_noise


def test_noise_is_deterministic_and_noisy() -> None:
    queries = [{"qid": str(i), "query": q} for i, q in enumerate(["什么时候发货", "可以开发票吗", "88VIP有折扣吗"])]
    noisy = add_noise(queries)
    assert noisy == add_noise(queries)
    for clean, dirty in zip(queries, noisy, strict=True):
        assert dirty["qid"] == clean["qid"]
        assert dirty["query"] != clean["query"]
    assert "發貨" in noisy[0]["query"] or "时候" not in noisy[0]["query"]
    assert any(ord(c) >= 0xFF01 and ord(c) <= 0xFF5E for c in noisy[2]["query"])  # full-width


def test_noise_is_undone_by_analysis() -> None:
    queries = [{"qid": str(i), "query": q} for i, q in enumerate(["什么时候发货", "可以开发票吗", "88VIP有折扣吗"])]
    for clean, dirty in zip(queries, add_noise(queries), strict=True):
        assert analyze(dirty["query"]).text == analyze(clean["query"]).text
