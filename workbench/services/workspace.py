"""Everything a desk works with: the shop, its agent and every use-case service, built once.

The composition root (`workbench.composition`) builds a `Workspace`; pages and panels receive it
(or the services they need from it) and never build a service themselves.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from workbench.domain.identity import Actor
from workbench.domain.shops import Agent, AgentStatus, Shop
from workbench.kb.matcher import Matcher
from workbench.services.accounts import AccountService, DeskLogin
from workbench.services.aftersales import AftersalesService
from workbench.services.auto_messages import AutoMessageService
from workbench.services.backups import BackupService
from workbench.services.bot import BotService
from workbench.services.classroom import ClassroomService
from workbench.services.clock import Clock
from workbench.services.crm import CrmService
from workbench.services.crm_followups import FollowUpService
from workbench.services.crm_io import CrmImportExport
from workbench.services.customers import CustomerService
from workbench.services.desk import DeskService
from workbench.services.drafts import DraftService
from workbench.services.exercises import ExerciseService
from workbench.services.health import StorageHealth
from workbench.services.kb import KbService
from workbench.services.kb_admin import KbAdminService
from workbench.services.kb_io import KbIoService
from workbench.services.live import SimulatedChannel
from workbench.services.live_kb import LiveMatcher
from workbench.services.notifications import Hub
from workbench.services.orders import OrderService
from workbench.services.packs import PackService
from workbench.services.quick_phrases import QuickPhraseService
from workbench.services.reception import ConversationLists, ReceptionService
from workbench.services.reports import ReportsService
from workbench.services.reviews import ReviewService
from workbench.services.routing import RoutingService
from workbench.services.sandboxes import StudentShops
from workbench.services.startup_notice import StartupNotice
from workbench.services.supervision import SupervisionService
from workbench.services.training import TrainingService
from workbench.storage.db import Database

if TYPE_CHECKING:
    from workbench.services.team import TeamLink


@dataclass(eq=False)
class Workspace:
    """One shop's services for one user's desk; the services that change the shop's setup check what
    that user may do (workbench.domain.identity)."""

    db: Database  # owned here so `close` can release it; pages and widgets never use it
    shop: Shop
    agent: Agent  # this desk's logged-in user, as last read (status changes follow)
    agents: tuple[Agent, ...]
    clock: Clock
    hub: Hub
    desk: DeskService
    reception: ReceptionService
    drafts: DraftService  # this user's unsent replies (草稿)
    customers: CustomerService
    orders: OrderService
    quick_phrases: QuickPhraseService
    kb: KbService
    kb_admin: KbAdminService
    kb_io: KbIoService
    packs: PackService
    matcher: LiveMatcher
    crm: CrmService
    followups: FollowUpService
    crm_io: CrmImportExport
    classroom: ClassroomService  # 实训: lab control, 互测/教师 marks, quiz answers, the class, per-exercise reset
    aftersales: AftersalesService
    reviews: ReviewService
    bot: BotService
    routing: RoutingService
    auto_messages: AutoMessageService
    health: StorageHealth  # whether writes work (a full disk, a lost connection)
    accounts: AccountService
    supervision: SupervisionService  # 主管/课堂: every desk's live chats; take over, reassign
    exercises: ExerciseService  # classroom exercises (实训) and the program's check of a student's work
    reports: ReportsService  # 数据中心: 客服绩效, 店小蜜数据
    training: TrainingService  # the 训练 loop: unresolved messages → clusters → proposals
    channel: SimulatedChannel | None = None  # simulated customers (desks; not the command line)
    notices: list[StartupNotice] = field(default_factory=list)  # for the window to show once opened
    team: TeamLink | None = None  # on a shared server: the change listener and this desk's heartbeat
    # A student on a PostgreSQL class server works in a shop of their own (`sandbox`, its schema): `db`
    # and every shop service are that shop's, where `agent` is its owner (the student may configure
    # it); `class_user` is who they are in the class (name, 学号, the account the teacher sees), and
    # `classroom` works on the class schema (`class_db`): lab control, marks, quiz answers.
    sandbox: str | None = None
    class_user: Agent | None = None
    class_db: Database | None = None
    # On a PostgreSQL class server (not inside a student's shop): the students' own shops, for the
    # teacher's checks and drill-downs.
    student_shops: StudentShops | None = None

    @property
    def user(self) -> Agent:
        """Who works at this desk as the class knows them: the class account on a student's own shop,
        else the desk's agent."""
        return self.class_user or self.agent

    def seat_of(self, user_id: int) -> int:
        """The seat in this workspace's shop whose chats count as `user_id`'s work (a student's own
        shop: its owner, who is the student)."""
        if self.class_user is not None and user_id == self.class_user.id:
            return self.agent.id
        return user_id

    @property
    def actor(self) -> Actor:
        """The logged-in user, as the services see who acts."""
        return Actor(self.agent.id)

    def set_agent_status(self, status: AgentStatus) -> Agent:
        self.agent = self.desk.set_status(self.agent.id, status)
        return self.agent

    def refresh_agent(self) -> Agent:
        """Re-read this desk's agent (routing may have set it to 挂起 at its capacity)."""
        found = self.desk.agent(self.agent.id)
        if found is not None:
            self.agent = found
        return self.agent

    def close(self) -> None:
        if self.team is not None:
            self.team.close()
            self.team = None
        if self.student_shops is not None:
            self.student_shops.close()
        self.db.dispose()
        if self.class_db is not None:
            self.class_db.dispose()


class WorkspaceOpening(Protocol):
    """A desk's workspace and KB matcher being opened in the background (the app's start-up), and the
    backups of its database (set first, so a workspace that cannot open can still be restored).

    `login` completes when the database is open: its `user` is set when nobody needs to log in (a
    single-seat desk's owner, or a remembered login); otherwise the window asks for a password
    (`DeskLogin.log_in`, off the UI thread) and calls `open_for` with the user. The workspace opens
    for that user."""

    backups: Future[BackupService]
    login: Future[DeskLogin]
    workspace: Future[Workspace]
    matcher: Future[Matcher]
    # The desk's lists and agent, read before the workspace opens (None: the window reads them itself).
    first_lists: Future[tuple[ConversationLists, Agent] | None]

    def open_for(self, user: Agent) -> None:
        """Open the workspace for a user who logged in through the window."""
        ...

    def close(self) -> None:
        """Release the database when the window closes before anybody logged in."""
        ...

    def window_shown(self) -> None:
        """The window has painted; the start-up work need not hold back for it any longer."""
        ...

    def desk_ready(self) -> None:
        """The window has finished opening (its panels and pages are built): work held back for it,
        the KB matcher's semantic stage, may start."""
        ...

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the start-up work to end; True if it has."""
        ...
