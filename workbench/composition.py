"""The composition root's builders: the one place where the database, the clock, the notification
hub, the KB matcher and every use-case service of a workspace are made.

`open_workspace` serves the command line and tests, `open_desk` a desk (see `workbench.startup`,
which runs it on a background thread started before Qt). Nothing here imports Qt.

A desk on a shared PostgreSQL server (``live=True``) also listens for the other desks' changes and
writes its heartbeat (`workbench.services.team`); the environment variables
``WORKBENCH_OFFLINE_AFTER_S`` and ``WORKBENCH_HEARTBEAT_S`` shorten the presence timings (tests).
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Mapping
from pathlib import Path

from workbench.channels.scenarios import Scenario, load_scenarios
from workbench.channels.simulator import Simulator
from workbench.demo import reset_demo as restore_demo
from workbench.demo import seed_if_empty
from workbench.domain.presence import HEARTBEAT_S, OFFLINE_AFTER_S
from workbench.launch import LaunchConfig
from workbench.services.aftersales import AftersalesService
from workbench.services.auto_messages import AutoMessageService, OrderEventSimulator
from workbench.services.backups import BackupService, RestoreOutcome
from workbench.services.bot import BotService, ReceptionBot
from workbench.services.clock import Clock, system_clock
from workbench.services.crm import CrmService
from workbench.services.crm_followups import FollowUpService
from workbench.services.crm_io import CrmImportExport
from workbench.services.customers import CustomerService
from workbench.services.desk import DeskService, open_shop
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
from workbench.services.reviews import ReviewService
from workbench.services.routing import RoutingService
from workbench.services.team import TeamLink
from workbench.services.workspace import StartupNotice, Workspace
from workbench.storage.db import Database, sqlite_file_of

log = logging.getLogger(__name__)


def build_backups(url: str, folder: Path, keep: int, *, clock: Clock = system_clock) -> BackupService:
    """Backups of the database at `url` into `folder` (nothing to do for a server database)."""
    return BackupService(sqlite_file_of(url), folder, keep, clock)


def open_workspace(
    url: str,
    *,
    agent_username: str = "",
    clock: Clock = system_clock,
    evidence_dir: Path | None = None,
    seed_demo: bool = True,
    reset_demo: bool = False,
    backups: BackupService | None = None,
    live: bool = False,
    offline_after_s: float = OFFLINE_AFTER_S,
    heartbeat_s: float = HEARTBEAT_S,
) -> Workspace:
    """Migrate the database (copied by `backups` first when its schema is about to change), start an
    empty one as the demo shop (or restore it), pick the desk's agent and build every service.

    `live`: a desk working with others on a server. On PostgreSQL it listens for their changes and
    keeps a heartbeat (presence) with these timings; on SQLite it changes nothing."""
    if reset_demo:
        restore_demo(url, clock=clock)
    db = Database(url)
    try:
        db.migrate(before_upgrade=backups.before_migration if backups is not None and backups.available else None)
        if seed_demo:
            seed_if_empty(db, clock=clock)
        shop, agent, agents = open_shop(db, agent_username)
    except BaseException as exc:
        db.dispose()
        if (corrupt := db.corruption(exc)) is not None:  # a damaged file found past its header
            raise corrupt from exc
        raise
    hub = Hub()
    hub.attach(db)  # every committed change is published here, after the commit
    kb_admin = KbAdminService(db, shop.id, clock)
    ws = Workspace(
        db=db,
        shop=shop,
        agent=agent,
        agents=agents,
        clock=clock,
        hub=hub,
        desk=DeskService(db, shop.id),
        reception=ReceptionService(db, shop.id, clock),
        customers=CustomerService(db, shop.id, clock),
        orders=OrderService(db, shop.id),
        quick_phrases=QuickPhraseService(db, shop.id),
        kb=KbService(db, shop.id),
        kb_admin=kb_admin,
        kb_io=KbIoService(db, shop.id, clock),
        packs=PackService(db, shop.id, clock),
        matcher=LiveMatcher(kb_admin),
        crm=CrmService(db, shop.id, clock),
        followups=FollowUpService(db, shop.id, clock, shop.name),
        crm_io=CrmImportExport(db, shop.id, clock),
        aftersales=AftersalesService(db, shop.id, clock, evidence_dir),
        reviews=ReviewService(db, shop.id, clock),
        bot=BotService(db, shop.id, clock),
        routing=RoutingService(db, shop.id, clock, offline_after_s=offline_after_s),
        auto_messages=AutoMessageService(db, shop.id, clock),
    )
    if live and not db.is_sqlite:
        try:
            ws.team = join_team(ws, offline_after_s=offline_after_s, heartbeat_s=heartbeat_s)
        except BaseException:
            ws.close()
            raise
    return ws


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
    ws: Workspace, *, rate_per_min: float = 1.5, speed: float = 1.0, seed: int | None = None
) -> SimulatedChannel:
    """Simulated customers for a desk: the scenario simulator, the reception bot that serves
    full-auto chats, and the order events that drive auto messages and reviews."""
    rng = random.Random(seed)
    channel: SimulatedChannel

    def context(scenario: Scenario) -> Mapping[str, str]:
        return channel.context_for(scenario)

    simulator = Simulator(
        load_scenarios(), rng=rng, arrivals_per_minute=rate_per_min, speed=speed, context_provider=context
    )
    bot = ReceptionBot(ws.db, ws.shop.id, ws.clock, random.Random(rng.getrandbits(64)))
    bot.routing.offline_after_s = ws.routing.offline_after_s
    order_events = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(rng.getrandbits(64)))
    channel = SimulatedChannel(
        ws.db,
        ws.shop.id,
        ws.reception,
        simulator,
        rng,
        bot=bot,
        auto_messages=ws.auto_messages,
        order_events=order_events,
    )
    return channel


def desk_backups(config: LaunchConfig, *, clock: Clock = system_clock) -> BackupService:
    """The backups of a desk's database, in the data dir."""
    return build_backups(config.db_url, config.paths.backups, config.settings.backups_kept, clock=clock)


def open_desk(config: LaunchConfig, *, clock: Clock = system_clock, backups: BackupService | None = None) -> Workspace:
    """A desk's workspace as the launch configuration says, with its simulated customers.

    A restore from a backup asked for in the last session is done first, before the database opens.
    Only the database is essential: simulated customers that cannot start leave a working desk without
    them, and a notice saying why."""
    backups = backups or desk_backups(config, clock=clock)
    restored = backups.apply_pending_restore()
    offline_after_s, heartbeat_s = presence_timings()
    ws = open_workspace(
        config.db_url,
        agent_username=config.settings.agent_username,
        clock=clock,
        evidence_dir=config.paths.evidence,
        reset_demo=config.reset_demo,
        backups=backups,
        live=True,
        offline_after_s=offline_after_s,
        heartbeat_s=heartbeat_s,
    )
    if restored is not None:
        ws.notices.append(restore_notice(restored))
    try:
        ws.channel = build_channel(
            ws, rate_per_min=config.settings.simulator_rate_per_min, speed=config.settings.simulator_speed
        )
    except Exception as exc:
        log.exception("the simulated customers could not start; the desk opens without them")
        ws.notices.append(StartupNotice("simulator.failed", {"error": str(exc) or type(exc).__name__}))
    except BaseException:
        ws.close()
        raise
    return ws


def restore_notice(outcome: RestoreOutcome) -> StartupNotice:
    """What the window says about the restore done (or refused) at this start."""
    if outcome.error is not None:
        return StartupNotice(
            "restore.failed",
            {"backup": outcome.backup, "code": outcome.error.code, "detail": outcome.error.detail},
        )
    return StartupNotice("restore.done", {"backup": outcome.backup, "kept_as": str(outcome.kept_as or "")})
