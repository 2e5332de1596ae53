"""The 训练 loop through the live path: buyers ask what the KB cannot answer, the bot records its
misses, they come back as clusters with proposals, and an approved proposal makes the live matcher
answer the cluster's messages at once."""

from __future__ import annotations

import pytest

from tests.unit.bot.conftest import FakeClock
from tests.unit.bot.test_pipeline import full_auto
from workbench.domain.errors import DomainError
from workbench.domain.reports import DateRange
from workbench.kb.matcher import OutcomeKind
from workbench.services.training import Cluster, Proposal
from workbench.services.workspace import Workspace

pytestmark = pytest.mark.usefixtures("jieba_ready")

ABROAD = ["可以寄到新加坡吗", "能发新加坡吗", "新加坡能寄吗"]
AGENTS = ["你们招代理吗", "招不招代理商"]


def ask(ws: Workspace, texts: list[str]) -> None:
    channel, buyers, _ = full_auto(ws, len(texts), batch=50)
    for i, text in enumerate(texts):
        buyers.say(f"v{i}", text)
    channel.tick()


def by_text(clusters: list[Cluster], text: str) -> Cluster:
    [found] = [c for c in clusters if text in c.examples]
    return found


def test_misses_come_back_as_clusters_and_an_approval_goes_live(ws: Workspace, clock: FakeClock) -> None:
    ask(ws, ABROAD + AGENTS)
    today = DateRange(clock.now.date(), clock.now.date())
    clusters = ws.training.clusters(today)
    abroad, agents = by_text(clusters, ABROAD[0]), by_text(clusters, AGENTS[0])
    assert abroad is not agents
    assert sorted(abroad.examples) == sorted(ABROAD) and abroad.count == 3
    assert sorted(agents.examples) == sorted(AGENTS)
    matcher = ws.matcher.build()
    assert all(matcher.answer(t).kind is not OutcomeKind.DIRECT for t in ABROAD + AGENTS)
    assert ws.training.coverage().answered == 0

    # the shop picks another entry for the first cluster (an edit), and a new entry for the second
    entry = next(e for e in ws.kb_admin.entries() if "国外" in e.question)
    edited = Proposal(abroad.proposal.phrasings, entry.id, entry.question, entry.category, 0.0)
    ws.training.approve(abroad, edited)
    with pytest.raises(DomainError):  # a new entry needs its answer
        ws.training.approve(agents, Proposal(agents.proposal.phrasings, None, "", "更多问题", 0.0))
    ws.training.approve(agents, Proposal(agents.proposal.phrasings, None, "", "更多问题", 0.0), answer="暂不招代理哦")

    # live at once: the same matcher object the bot uses answers them, with the right entries
    for text in ABROAD:
        outcome = matcher.answer(text)
        assert outcome.kind is OutcomeKind.DIRECT and outcome.best is not None and outcome.best.entry_id == entry.id
    assert all(matcher.answer(t).kind is OutcomeKind.DIRECT for t in AGENTS)
    assert ws.training.coverage().answered == len(ABROAD + AGENTS)
    # decided clusters are not proposed again
    left = ws.training.clusters(today)
    assert not any(set(c.examples) & set(ABROAD + AGENTS) for c in left)


def test_a_dismissed_cluster_is_not_proposed_again(ws: Workspace, clock: FakeClock) -> None:
    ask(ws, AGENTS)
    today = DateRange(clock.now.date(), clock.now.date())
    cluster = by_text(ws.training.clusters(today), AGENTS[0])
    ws.training.dismiss(cluster)
    assert not any(AGENTS[0] in c.examples for c in ws.training.clusters(today))
