"""The composition root's builders: the one place where the database, the clock, the notification
hub, the KB matcher and every use-case service of a workspace are made.

`open_workspace` serves the command line and tests, `open_desk` a desk (see `workbench.startup`,
which runs it on a background thread started before Qt) after `workbench.entrance.open_entrance`
opened the database and said who works at the desk (a single-seat SQLite desk: its owner; a shared database:
a remembered login, or the user who logs in through the window), then the desk's workspace opens for
that user. Every service that changes the shop's setup gets that user as its `actor`. Nothing here
imports Qt.

A desk on a shared PostgreSQL server (``live=True``) also listens for the other desks' changes and
writes its heartbeat (`workbench.services.team`); the environment variables
``WORKBENCH_OFFLINE_AFTER_S`` and ``WORKBENCH_HEARTBEAT_S`` shorten the presence timings (tests).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import __version__
from workbench.channels.scenarios import Scenario, select_scenarios
from workbench.channels.simulator import Simulator
from workbench.credentials import LocalClassKey
from workbench.domain.crm import CustomerFilter
from workbench.domain.errors import DomainError
from workbench.domain.exercises import LabArea
from workbench.domain.identity import PROGRAM, Actor, Role
from workbench.domain.presence import HEARTBEAT_S, OFFLINE_AFTER_S
from workbench.domain.shops import Agent, AgentStatus, Shop
from workbench.entrance import DeskEntrance, open_database, open_entrance, seed_if_empty
from workbench.kb.analyzer import revision as analysis_revision
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.semantic import SemanticStage
from workbench.launch import LaunchConfig
from workbench.services.accounts import AccountService
from workbench.services.aftersales import AftersalesService
from workbench.services.auto_messages import AutoMessageService, OrderEventSimulator
from workbench.services.backups import BackupService
from workbench.services.bot import BATCH_MESSAGES, BotService, ReceptionBot
from workbench.services.classroom import ClassroomService
from workbench.services.clock import Clock, system_clock
from workbench.services.crm import CrmService
from workbench.services.crm_followups import FollowUpService
from workbench.services.crm_io import CrmImportExport
from workbench.services.customers import CustomerService
from workbench.services.desk import DeskService, adopt_shop, open_shop
from workbench.services.drafts import DraftService
from workbench.services.exercises import ExerciseService
from workbench.services.feed import ClassLab, LabGate, TeamFeed
from workbench.services.health import StorageHealth
from workbench.services.kb import KbService
from workbench.services.kb_admin import KbAdminService
from workbench.services.kb_io import KbIoService
from workbench.services.live import SimulatedChannel
from workbench.services.live_kb import KbFollower, LiveMatcher
from workbench.services.notifications import Hub, LiveChanges
from workbench.services.orders import OrderService
from workbench.services.packs import PackService
from workbench.services.presence import Heartbeat, PresenceService
from workbench.services.quick_phrases import QuickPhraseService
from workbench.services.reception import ReceptionService
from workbench.services.reports import ReportsService
from workbench.services.reviews import ReviewService
from workbench.services.routing import RoutingService
from workbench.services.sandboxes import StudentShop, StudentShops
from workbench.services.startup_notice import StartupNotice
from workbench.services.supervision import SupervisionService
from workbench.services.team import TeamLink
from workbench.services.training import TrainingService
from workbench.services.workspace import Workspace
from workbench.storage.db import Database
from workbench.storage.sandboxes import create_schema, creation_lock, sandbox_ready, sandbox_schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MAX_ACTIVE = 8  # simulated customers in a desk's shop at once


def restore_demo_areas(s: Session, shop_id: int, areas: frozenset[LabArea], now: datetime) -> None:
    """A lab reset's restorer (`workbench.demo.labs.restore_demo_areas`), its package imported when used."""
    from workbench.demo.labs import restore_demo_areas as restore

    restore(s, shop_id, areas, now)


def open_workspace(
    url: str,
    *,
    username: str = "",
    clock: Clock = system_clock,
    evidence_dir: Path | None = None,
    seed_demo: bool = True,
    reset_demo: bool = False,
    backups: BackupService | None = None,
    live: bool = False,
    offline_after_s: float = OFFLINE_AFTER_S,
    heartbeat_s: float = HEARTBEAT_S,
    kb_cache_dir: Path | None = None,
    own_shop: bool = True,
) -> Workspace:
    """Open the database (see `open_database`) and build every service for the user `username`, who
    has been authenticated by the caller (no name: the shop's owner, as on a single-seat desk).
    A student on a PostgreSQL class server works in their own shop (see `build_workspace`; `own_shop`
    False: in the class's shop, held to a student's permissions there).

    `live`: a desk working with others on a server. On PostgreSQL it listens for their changes and
    keeps a heartbeat (presence) with these timings; on SQLite it changes nothing."""
    db = open_database(url, clock=clock, seed_demo=seed_demo, reset_demo=reset_demo, backups=backups)
    try:
        return build_workspace(
            db,
            username=username,
            clock=clock,
            evidence_dir=evidence_dir,
            live=live,
            offline_after_s=offline_after_s,
            heartbeat_s=heartbeat_s,
            kb_cache_dir=kb_cache_dir,
            own_shop=own_shop,
        )
    except BaseException as exc:
        db.dispose()
        if (corrupt := db.corruption(exc)) is not None:
            raise corrupt from exc
        raise


def build_workspace(
    db: Database,
    *,
    username: str = "",
    clock: Clock = system_clock,
    evidence_dir: Path | None = None,
    live: bool = False,
    offline_after_s: float = OFFLINE_AFTER_S,
    heartbeat_s: float = HEARTBEAT_S,
    kb_cache_dir: Path | None = None,
    own_shop: bool = True,
) -> Workspace:
    """Every service of an open database's shop, for the user `username` (no name: the owner); a
    `live` desk on PostgreSQL joins its team (see `open_workspace`). `kb_cache_dir`: where the KB
    matcher keeps its analyses between starts (`workbench.kb.index_cache`; none: analysed every time).

    A student on a PostgreSQL class server works in a shop of their own instead (`open_sandbox`,
    made at their first login): the workspace's shop services are that shop's, its classroom the
    class's; it runs as a single seat (no team, nothing broadcast) and owns `db` from then on."""
    shop, agent, agents = open_shop(db, username)
    if own_shop and agent.role is Role.STUDENT and db.broadcasts:
        return build_sandbox_workspace(
            db, shop, agent, clock=clock, evidence_dir=evidence_dir, kb_cache_dir=kb_cache_dir
        )
    ws = _shop_workspace(
        db,
        shop,
        agent,
        agents,
        clock=clock,
        evidence_dir=evidence_dir,
        offline_after_s=offline_after_s,
        kb_cache_dir=kb_cache_dir,
    )
    if db.broadcasts:  # a server's shop: its students have shops of their own
        ws.student_shops = StudentShops(db, ws.actor, lambda agent_id: open_student_shop(db, agent_id, clock=clock))
    if live and db.broadcasts:
        try:
            ws.team = join_team(ws, offline_after_s=offline_after_s, heartbeat_s=heartbeat_s)
        except BaseException:
            ws.close()
            raise
    return ws


def _shop_workspace(
    db: Database,
    shop: Shop,
    agent: Agent,
    agents: tuple[Agent, ...],
    *,
    clock: Clock,
    evidence_dir: Path | None,
    offline_after_s: float = OFFLINE_AFTER_S,
    classroom: ClassroomService | None = None,
    kb_cache_dir: Path | None = None,
) -> Workspace:
    """Every service of `shop` for `agent` (`classroom`: the class's, when the shop is a student's own)."""
    actor = Actor(agent.id)
    hub = Hub()
    hub.attach(db)  # every committed change is published here, after the commit
    kb_admin = KbAdminService(db, shop.id, clock, actor=actor)
    matcher = LiveMatcher(
        kb_admin,
        kb_analysis_cache(kb_cache_dir, db, shop.id) if kb_cache_dir else None,
        kb_semantic_stage(kb_cache_dir, db, shop.id) if kb_cache_dir else None,
    )
    reports = ReportsService(db, shop.id, clock)
    return Workspace(
        db=db,
        shop=shop,
        agent=agent,
        agents=agents,
        clock=clock,
        hub=hub,
        desk=DeskService(db, shop.id),
        reception=ReceptionService(db, shop.id, clock, actor=actor),
        drafts=DraftService(db, clock, actor=actor),
        customers=CustomerService(db, shop.id, clock, actor=actor),
        orders=OrderService(db, shop.id),
        quick_phrases=QuickPhraseService(db, shop.id),
        kb=KbService(db, shop.id),
        kb_admin=kb_admin,
        kb_io=KbIoService(db, shop.id, clock, actor=actor),
        packs=PackService(db, shop.id, clock, actor=actor),
        matcher=matcher,
        crm=CrmService(db, shop.id, clock),
        followups=FollowUpService(db, shop.id, clock, shop.name),
        crm_io=CrmImportExport(db, shop.id, clock),
        classroom=classroom
        or ClassroomService(
            db,
            shop.id,
            clock,
            actor=actor,
            restorer=restore_demo_areas,
            kb_reloaded=matcher.reload,
            local_key=LocalClassKey() if db.is_sqlite else None,  # a server's class key is the class database's
        ),
        aftersales=AftersalesService(db, shop.id, clock, evidence_dir),
        reviews=ReviewService(db, shop.id, clock),
        bot=BotService(db, shop.id, clock, actor=actor),
        routing=RoutingService(db, shop.id, clock, actor=actor, offline_after_s=offline_after_s),
        auto_messages=AutoMessageService(db, shop.id, clock, actor=actor),
        accounts=AccountService(db, shop.id, clock, actor=actor),
        supervision=SupervisionService(db, shop.id, clock, actor=actor),
        exercises=ExerciseService(db, shop.id, clock, actor=actor),
        reports=reports,
        training=TrainingService(reports, kb_admin, matcher),
        health=StorageHealth(db, clock),
    )


def open_sandbox(class_db: Database, student: Agent, *, clock: Clock = system_clock) -> Database:
    """The student's own shop on the class server `class_db`: the schema `lab_<account id>`, created,
    migrated and seeded with the demo shop at their first login, under the student's creation lock
    (two desks of one student logging in at once make it once). Its owner is the student: at every
    login it takes the class account's display name."""
    schema = sandbox_schema(student.id)
    with creation_lock(class_db, student.id):
        create_schema(class_db, schema)
        db = Database(class_db.url, schema=schema)
        try:
            db.migrate()
            if seed_if_empty(db, clock=clock):
                log.info("made the own shop of student %s in schema %s", student.username, schema)
            adopt_shop(db, student.display_name)
        except BaseException:
            db.dispose()
            raise
    return db


def build_sandbox_workspace(
    class_db: Database,
    class_shop: Shop,
    student: Agent,
    *,
    clock: Clock,
    evidence_dir: Path | None,
    kb_cache_dir: Path | None = None,
) -> Workspace:
    """The desk of a student on a class server, in their own shop (see `open_sandbox`)."""
    try:
        db = open_sandbox(class_db, student, clock=clock)
    except BaseException:
        class_db.dispose()
        raise
    try:
        shop, agent, agents = open_shop(db)  # the owner: the student
        classroom = ClassroomService(class_db, class_shop.id, clock, actor=Actor(student.id))
        ws = _shop_workspace(
            db,
            shop,
            agent,
            agents,
            clock=clock,
            evidence_dir=evidence_dir,
            classroom=classroom,
            kb_cache_dir=kb_cache_dir,
        )
    except BaseException:
        db.dispose()
        class_db.dispose()
        raise
    ws.sandbox = db.schema
    ws.class_user = student
    ws.class_db = class_db
    ws.student_shops = StudentShops(
        class_db, Actor(student.id), lambda agent_id: open_student_shop(class_db, agent_id, clock=clock)
    )
    return ws


def kb_analysis_cache(folder: Path, db: Database, shop_id: int) -> AnalysisCache:
    """The KB analyses file of one shop of one database (and schema) in `folder` (named by a hash: the URL may hold a
    password)."""
    name = hashlib.blake2b(f"{db.url}\n{db.schema or ''}\n{shop_id}".encode(), digest_size=10).hexdigest()
    # a new lexicon or analysis rule makes the kept analyses stale, whatever the program's version
    return AnalysisCache(folder / f"kb-analyses-{name}.json", f"{__version__}+{analysis_revision()}")


def kb_semantic_stage(folder: Path, db: Database, shop_id: int) -> SemanticStage:
    """The KB matcher's semantic stage for one shop, its phrasing vectors kept beside the analyses."""
    name = hashlib.blake2b(f"{db.url}\n{db.schema or ''}\n{shop_id}".encode(), digest_size=10).hexdigest()
    return SemanticStage(folder / f"kb-vectors-{name}.npz")


def open_student_shop(class_db: Database, agent_id: int, *, clock: Clock = system_clock) -> StudentShop | None:
    """A student's own shop for reading (the teacher's check and drill-down); None when they have
    none yet (they never logged in: it is made at their first login, not here)."""
    schema = sandbox_schema(agent_id)
    if not sandbox_ready(class_db, schema):
        return None
    db = Database(class_db.url, schema=schema)
    try:
        shop, owner, _ = open_shop(db)
    except BaseException:
        db.dispose()
        raise
    return StudentShop(
        schema,
        db,
        shop.id,
        owner.id,
        ExerciseService(db, shop.id, clock, actor=PROGRAM),
        ReceptionService(db, shop.id, clock, actor=PROGRAM),
    )


def join_team(ws: Workspace, *, offline_after_s: float, heartbeat_s: float) -> TeamLink:
    """Listen for the other desks' changes first (nothing is missed between it and the desk's first
    reads), then open this desk's session and start its heartbeat.

    Presence writes through a database handle of its own: its heartbeat never waits for the desk's
    connections, and what its sweep changes (an agent 离线, buyers back in the queue) reaches this desk
    too, through the listener, like any other desk's change."""
    live = LiveChanges(ws.db, ws.hub)
    follower = KbFollower(ws.matcher, ws.kb_admin, ws.hub)
    presence = PresenceService(Database(ws.db.url), ws.shop.id, ws.agent.id, offline_after_s=offline_after_s)
    heartbeat = Heartbeat(presence, heartbeat_s)
    team = TeamLink(live, presence, heartbeat, follower)
    try:
        if not live.start():
            log.warning("the change listener is not connected yet; it keeps trying")
        agent = presence.open()
        if agent is not None:
            ws.agent = agent
        heartbeat.start()
    except BaseException:
        team.close()
        raise
    return team


def class_lab(ws: Workspace, channel: SimulatedChannel) -> ClassLab:
    """The lab control of a student's own shop: the class's lab runs (see `ClassLab`)."""
    classroom, exercises = ws.classroom, ws.exercises

    def scenarios_of(exercise_id: str) -> tuple[Sequence[Scenario], int] | None:
        found = next((e for e in exercises.exercises() if e.id == exercise_id), None)
        return (select_scenarios(found.scenarios), found.seed) if found is not None else None

    return ClassLab(channel, classroom.running, scenarios_of)


def presence_timings() -> tuple[float, float]:
    """(offline after, heartbeat) in seconds: the defaults, or shorter ones from the environment."""

    def read(name: str, default: float) -> float:
        raw = os.environ.get(name, "")
        try:
            value = float(raw) if raw else default
        except ValueError:
            log.warning("ignoring %s=%r (not a number of seconds)", name, raw)
            return default
        return value if value > 0 else default

    return read("WORKBENCH_OFFLINE_AFTER_S", OFFLINE_AFTER_S), read("WORKBENCH_HEARTBEAT_S", HEARTBEAT_S)


def build_channel(
    ws: Workspace,
    *,
    rate_per_min: float = 1.5,
    speed: float = 1.0,
    seed: int | None = None,
    max_active: int = MAX_ACTIVE,
    monotonic: Callable[[], float] = time.monotonic,
    scenarios: Sequence[str] = (),
    source: Simulator | None = None,
    bot_batch: int = BATCH_MESSAGES,
) -> SimulatedChannel:
    """Simulated customers for a desk (or a team's feed): the scenario simulator (at most
    `max_active` customers in the shop at once), the reception bot that serves full-auto chats, and
    the order events that drive auto messages and reviews. `scenarios` (ids) limits the buyers to an
    exercise's scenario set (empty: every scenario). `source` replaces the scenario simulator by other
    buyers (the full-auto benchmark's scripted ones); `bot_batch` caps the messages the bot stores in
    one transaction."""
    rng = random.Random(seed)
    channel: SimulatedChannel

    def context(scenario: Scenario) -> Mapping[str, str]:
        return channel.context_for(scenario)

    simulator = source or Simulator(
        select_scenarios(scenarios),
        rng=rng,
        arrivals_per_minute=rate_per_min,
        speed=speed,
        max_active=max_active,
        context_provider=context,
    )
    bot = ReceptionBot(ws.db, ws.shop.id, ws.clock, random.Random(rng.getrandbits(64)), batch_messages=bot_batch)
    bot.routing.offline_after_s = ws.routing.offline_after_s
    bot.desk_agent_id = ws.agent.id  # a desk's channel; a team's feed (no desk) unsets it
    order_events = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(rng.getrandbits(64)))
    channel = SimulatedChannel(
        ws.db,
        ws.shop.id,
        ws.reception.for_program(),  # the buyers and the bot are the program's, not the desk user's
        simulator,
        rng,
        bot=bot,
        auto_messages=ws.auto_messages,
        order_events=order_events,
        monotonic=monotonic,
    )
    return channel


def feed_max_active(rate_per_min: float) -> int:
    """How many simulated buyers a team's feed lets in the shop at once: a buyer stays a few minutes,
    so about five minutes' arrivals (never fewer than a desk's simulator allows)."""
    return max(MAX_ACTIVE, math.ceil(rate_per_min * 5))


@dataclass(eq=False)
class FeedParts:
    """A team's customer feed and what it runs on (see `open_feed`); `close` releases them."""

    ws: Workspace
    feed: TeamFeed
    live: LiveChanges | None
    kb_follower: KbFollower | None
    seeded_demo: bool

    def close(self) -> None:
        if self.kb_follower is not None:
            self.kb_follower.close()
        if self.live is not None:
            self.live.stop()
        self.ws.close()


def open_feed(
    url: str,
    *,
    rate_per_min: float,
    seed: int | None = None,
    max_active: int | None = None,
    clock: Clock = system_clock,
    monotonic: Callable[[], float] = time.monotonic,
    exercise: str | None = None,
) -> FeedParts:
    """The simulated buyers of the shop at `url` for every desk on it (`workbench simulate`): the
    same channel a single-seat desk builds, with the KB matcher built now (the bot answers at once)
    and, on PostgreSQL, the listener that tells the feed what the desks do.

    The feed works as the shop's owner but is no desk: it keeps no presence, so 分流 never gives it a
    buyer. An empty database becomes the demo shop first, as for a desk (`seeded_demo`); a shop without
    customers is refused (DomainError ``feed.no_customers``): the simulated buyers are its customers.

    `exercise`: a classroom exercise's id; the feed waits until the teacher starts it, then brings its
    scenario set in the order its seed draws (`seed` is then the exercise's, unless given)."""
    offline_after_s, _ = presence_timings()
    db = open_database(url, clock=clock, seed_demo=False)
    live: LiveChanges | None = None
    follower: KbFollower | None = None
    ws: Workspace | None = None
    try:
        seeded = seed_if_empty(db, clock=clock)
        ws = build_workspace(db, clock=clock, offline_after_s=offline_after_s)
        if ws.crm.count(CustomerFilter()) == 0:  # the simulated buyers are the shop's customers
            raise DomainError("feed.no_customers")
        if not db.is_sqlite:
            live = LiveChanges(db, ws.hub)  # listening first: nothing the desks do from now on is missed
            if not live.start():
                log.warning("the change listener is not connected yet; it keeps trying")
            follower = KbFollower(ws.matcher, ws.kb_admin, ws.hub)
        channel = build_channel(
            ws,
            rate_per_min=rate_per_min,
            seed=seed,
            max_active=max_active if max_active is not None else feed_max_active(rate_per_min),
            monotonic=monotonic,
        )
        channel.bot.desk_agent_id = None  # the feed is no desk: agents are at their desks by heartbeat
        ws.channel = channel
        channel.set_matcher(ws.matcher.build())
        lab: LabGate | None = None
        if exercise is not None:
            found = ws.exercises.exercise(exercise)  # DomainError exercise.unknown
            classroom = ws.classroom
            lab = LabGate(
                found.id,
                lambda: classroom.started(found.id),
                select_scenarios(found.scenarios),
                seed if seed is not None else found.seed,
            )
        feed = TeamFeed(channel, ws.reception.for_program(), ws.hub, lab=lab, monotonic=monotonic)
    except BaseException as exc:
        if follower is not None:
            follower.close()
        if live is not None:
            live.stop()
        if ws is not None:
            ws.close()
        else:
            db.dispose()
        if (corrupt := db.corruption(exc)) is not None:
            raise corrupt from exc
        raise
    return FeedParts(ws, feed, live, follower, seeded)


def open_desk(
    config: LaunchConfig,
    *,
    clock: Clock = system_clock,
    backups: BackupService | None = None,
    entrance: DeskEntrance | None = None,
    user: Agent | None = None,
) -> Workspace:
    """A desk's workspace as the launch configuration says, for the user who logged in at the
    entrance (opened here unless given), with its simulated customers (a single-seat desk only: on a
    shared database the team's feed, `workbench simulate`, brings the buyers).

    Only the database is essential: simulated customers that cannot start leave a working desk without
    them, and a notice saying why."""
    entrance = entrance or open_entrance(config, clock=clock, backups=backups)
    user = user or entrance.login.user
    if user is None:
        entrance.close()
        raise DomainError("login.required")
    offline_after_s, heartbeat_s = presence_timings()
    try:
        ws = build_workspace(
            entrance.db,
            username=user.username,
            clock=clock,
            evidence_dir=config.paths.evidence,
            live=True,
            kb_cache_dir=config.paths.cache / "kb-index",
            offline_after_s=offline_after_s,
            heartbeat_s=heartbeat_s,
        )
    except BaseException:
        entrance.close()
        raise
    ws.notices.extend(entrance.notices)
    try:
        # As 千牛: whatever the status was when the desk closed, it opens 在线 (or as configured).
        login_status = AgentStatus(config.settings.status_on_login)
        if ws.agent.status is not login_status:
            ws.set_agent_status(login_status)
    except BaseException:
        ws.close()
        raise
    if not entrance.db.is_sqlite and ws.sandbox is None:
        # A shared database: the team's one feed (`workbench simulate`) brings the buyers to every desk.
        return ws
    try:
        ws.channel = build_channel(
            ws, rate_per_min=config.settings.simulator_rate_per_min, speed=config.settings.simulator_speed
        )
        if ws.sandbox is not None:  # a student's own shop: its buyers wait for the teacher's 开始实训
            ws.channel.gate = class_lab(ws, ws.channel)
    except Exception as exc:
        log.exception("the simulated customers could not start; the desk opens without them")
        ws.notices.append(StartupNotice("simulator.failed", {"error": str(exc) or type(exc).__name__}))
    except BaseException:
        ws.close()
        raise
    return ws
