"""Team desks on one PostgreSQL server: how soon a buyer's message reaches the desk it was assigned to.

`python -m workbench.bench desks [--db URL] [--desks 20] [--rate 10] [--duration 60] [--json]`

What runs (no Qt; the desks spread over `--processes` processes, each desk on threads of its own;
the feed in a process of its own, as a team's one feed runs):

* N desk clients, each built by `open_workspace(url, live=True)` exactly as a desk is: its own
  connection pool, its own listener thread (LISTEN on a dedicated psycopg connection), hub and
  heartbeat. Each subscribes to its hub like the window's bridge does and, on every change to a
  conversation, re-reads it on a worker thread: if it is assigned to the desk's agent, the messages
  after the last one it read. A message is *visible* when that read returns it.
* In the same run, each desk also polls like a desk without notifications would: every second it
  re-reads its lists (`ReceptionService.desk_lists`) and the new messages of its chats whose last
  message moved. That is the baseline (`polling_*`).
* A feed, like the simulator: new buyers at `--rate` per second for `--duration` seconds, each
  arriving (`ReceptionService.customer_arrives`), routed to a desk's agent by the reception bot's 分流
  (`ReceptionBot.new_customer` → `RoutingService.route` → the guarded assignment
  `ConversationRepository.assign_waiting`), then writing a first message and, two seconds later, a
  second one (`ReceptionService.customer_says`).

Latency is from the moment the feed's `customer_says` returned (its transaction committed; the
NOTIFY went with it) to the moment the assigned desk read the message back (both taken with the
system-wide monotonic clock, so the two processes compare): it includes the
server's delivery of the NOTIFY, the listener thread, the hub, the desk's queue and its read. It
excludes painting (no window). `double_assigned` counts buyers that two desks each read as assigned
to themselves; `lost`, messages the assigned desk never read by the end (after a grace period).
Without `--db` a throwaway PostgreSQL cluster is started from the server binaries in
/usr/lib/postgresql/*/bin (as the postgres user when run as root) and removed afterwards; with `--db`
a database of the run's own is created on that server and dropped afterwards.
"""

from __future__ import annotations

import glob
import heapq
import multiprocessing
import os
import queue
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLLOW_UP_S = 2.0  # a buyer's second message comes this long after the first
POLL_S = 1.0  # the baseline's polling period
GRACE_S = 3.0  # after the feed: how long the desks may take before a message counts as lost
MAX_CONNECTIONS = 400  # of the throwaway cluster (each desk holds about four)
OPENINGS = ("在吗？", "你好，想问下这件有货吗", "请问什么时候发货", "这个尺码怎么选", "能便宜点吗")
FOLLOW_UPS = ("我身高165体重110斤", "好的谢谢", "那发什么快递", "可以开发票吗", "颜色会不会有色差")


class BenchError(Exception):
    """Something the run needs is missing; the message says what."""


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


# -- the server ----------------------------------------------------------------------------------------


def _server_bin() -> Path:
    def version(folder: str) -> list[int]:
        return [int(x) for x in Path(folder).parent.name.split(".") if x.isdigit()]

    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise BenchError(
        "PostgreSQL server programs (initdb, pg_ctl) were not found in /usr/lib/postgresql/*/bin or on PATH. "
        "Install the server (Debian/Ubuntu: apt-get install postgresql) or pass --db URL of a running server, "
        "e.g. --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """A PostgreSQL cluster in a temp dir on a free loopback port; yields its maintenance URL."""
    bin_dir = _server_bin()
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="workbench-bench-pg-"))
    data, log = folder / "data", folder / "server.log"
    port = _free_port()

    def run(args: list[str]) -> None:
        if as_root:  # initdb refuses root: the server runs as the postgres user, as in .ci/run
            if shutil.which("su") is None:
                raise BenchError("running as root needs `su` and the postgres user to start a PostgreSQL server")
            command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(args)]
        else:
            command = args
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BenchError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    try:
        if as_root:
            shutil.chown(folder, "postgres", "postgres")
        run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections={MAX_CONNECTIONS}"
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", options, "start"])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        try:
            run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def own_database(server_url: str) -> Iterator[str]:
    """A database of this run's own on the server at `server_url`, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise BenchError(f"could not create a database on {make_url(server_url).render_as_string()}: {exc}") from exc
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# -- the shop --------------------------------------------------------------------------------------------


def prepare_shop(url: str, desks: int, buyers: int) -> tuple[list[str], list[int]]:
    """The demo shop with one sub-account per desk (the only agents 在线, 分流 on, round robin) and a
    customer per buyer; returns the desks' usernames and the buyers' customer ids."""
    from workbench.composition import open_workspace
    from workbench.domain.customers import Customer
    from workbench.domain.routing import RoutingConfig, RoutingStrategy
    from workbench.domain.shops import AgentStatus
    from workbench.services.routing import AccountForm
    from workbench.storage.repositories.customers import CustomerRepository

    ws = open_workspace(url)
    try:
        for account in ws.routing.accounts():
            ws.routing.set_status(account.id, AgentStatus.OFFLINE)
        names = []
        for i in range(desks):
            name = f"desk{i + 1:02d}"
            ws.routing.create_account(AccountForm(username=name, display_name=f"客服{i + 1:02d}", capacity=50))
            names.append(name)
        ws.routing.save_config(
            RoutingConfig(enabled=True, strategy=RoutingStrategy.ROUND_ROBIN, by_group=False, auto_suspend=False)
        )
        with ws.db.session() as s:
            repo = CustomerRepository(s)
            ids = [repo.add(ws.shop.id, Customer(id=0, nick=f"压测买家{i:05d}")).id for i in range(buyers)]
        return names, ids
    finally:
        ws.close()


# -- a desk ------------------------------------------------------------------------------------------------


class DeskClient:
    """One desk without a window: the workspace a desk opens, a reader that follows its hub as the
    window's controller does, and a poller for the baseline."""

    def __init__(self, url: str, username: str, poll_phase: float) -> None:
        from workbench.composition import open_workspace

        self.ws = open_workspace(url, username=username, live=True, seed_demo=False)
        self.agent_id = self.ws.agent.id
        self.seen: dict[int, float] = {}  # message id → when the notified desk read it
        self.polled: dict[int, float] = {}  # message id → when the polling desk read it
        self.mine: set[int] = set()  # conversations this desk read as assigned to itself
        self._newest: dict[int, int] = {}  # conversation → newest message id read (notified path)
        self._poll_newest: dict[int, int] = {}
        self._poll_marks: dict[int, tuple[Any, ...]] = {}
        self._queue: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._poll_phase = poll_phase
        self.errors: list[BaseException] = []
        self.ws.hub.subscribe(self._heard)
        self._threads = [
            threading.Thread(target=self._read_loop, name=f"{username}-reader", daemon=True),
            threading.Thread(target=self._poll_loop, name=f"{username}-poller", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _heard(self, change: Any) -> None:  # on the listener thread: hand over, as the UI bridge does
        from workbench.services.notifications import Topic

        if change.remote and change.topic is Topic.CONVERSATIONS and change.key is not None:
            self._queue.put(change.key)

    def _read_loop(self) -> None:
        from workbench.domain.conversations import Sender
        from workbench.domain.errors import DomainError

        reception = self.ws.reception
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = {first}
            while True:  # a burst is read once per conversation
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    return
                batch.add(more)
            for conv_id in sorted(batch):
                try:
                    try:
                        conv = reception.get(conv_id)
                    except DomainError as refused:  # a colleague's chat: this desk may not read it
                        if refused.code == "conversation.forbidden":
                            continue
                        raise
                    if conv is None or conv.agent_id != self.agent_id:
                        continue
                    self.mine.add(conv_id)
                    messages = reception.messages(conv_id, after_id=self._newest.get(conv_id, 0))
                except Exception as exc:
                    self.errors.append(exc)
                    continue
                now = time.monotonic()
                for message in messages:
                    if message.sender is Sender.CUSTOMER:
                        self.seen.setdefault(message.id, now)
                    self._newest[conv_id] = max(self._newest.get(conv_id, 0), message.id)

    def _poll_loop(self) -> None:
        from workbench.domain.conversations import Sender

        reception = self.ws.reception
        if self._stop.wait(self._poll_phase):
            return
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                lists = reception.desk_lists(self.agent_id)
                for conv in lists.waiting + lists.active:
                    if conv.agent_id != self.agent_id:
                        continue
                    mark = (conv.last_message_at, conv.unread, conv.last_message)
                    if self._poll_marks.get(conv.id) == mark:
                        continue
                    self._poll_marks[conv.id] = mark
                    messages = reception.messages(conv.id, after_id=self._poll_newest.get(conv.id, 0))
                    now = time.monotonic()
                    for message in messages:
                        if message.sender is Sender.CUSTOMER:
                            self.polled.setdefault(message.id, now)
                        self._poll_newest[conv.id] = max(self._poll_newest.get(conv.id, 0), message.id)
            except Exception as exc:
                self.errors.append(exc)
            self._stop.wait(max(0.0, POLL_S - (time.monotonic() - started)))

    def close(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for thread in self._threads:
            thread.join(10)
        self.ws.close()


# -- the feed ------------------------------------------------------------------------------------------------


def feed(url: str, customers: list[int], rate: float, duration: float, seed: int = 7) -> dict[str, Any]:
    """New buyers at `rate` per second for `duration` seconds, written through the services the
    simulator uses; returns what was written: message id → (commit time, conversation, assigned agent)."""
    from workbench.composition import open_workspace
    from workbench.services.bot import ReceptionBot

    rng = random.Random(seed)
    ws = open_workspace(url, seed_demo=False)
    bot = ReceptionBot(ws.db, ws.shop.id, ws.clock, random.Random(rng.getrandbits(64)))  # 分流, no KB: no bot chats
    written: dict[int, tuple[float, int, int | None]] = {}
    assigned: dict[int, int | None] = {}
    buyers = min(len(customers), int(rate * duration))
    start = time.monotonic() + 0.5
    due: list[tuple[float, int, int]] = [(start + i / rate, 0, i) for i in range(buyers)]  # (at, 0 arrive/1 follow, …)
    heapq.heapify(due)
    behind = 0.0
    try:
        while due:
            at, kind, ref = heapq.heappop(due)
            wait = at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                behind = max(behind, -wait)
            if kind == 0:
                opening = rng.choice(OPENINGS)
                # As the simulator does: the chat, its routing and the first message in one transaction.
                with ws.db.session() as s:
                    conv, _ = ws.reception.arrive_in(s, customers[ref])
                    routed = bot.new_customer(s, conv.id, opening)
                    message = ws.reception.customer_says_in(s, conv.id, opening)
                assigned[conv.id] = routed.agent.id if routed.agent is not None else None
                heapq.heappush(due, (at + FOLLOW_UP_S, 1, conv.id))
                conv_id = conv.id
            else:
                conv_id = ref
                message = ws.reception.customer_says(conv_id, rng.choice(FOLLOW_UPS))
            written[message.id] = (time.monotonic(), conv_id, assigned[conv_id])
        elapsed = time.monotonic() - start
    finally:
        ws.close()
    return {"written": written, "buyers": buyers, "elapsed_s": elapsed, "behind_s": behind}


def _feed_main(url: str, customers: list[int], rate: float, duration: float, out: Any) -> None:
    try:
        out.send(("ok", feed(url, customers, rate, duration)))
    except BaseException as exc:
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()


def _feed_process(url: str, customers: list[int], rate: float, duration: float) -> dict[str, Any]:
    """The feed in a process of its own (a team runs one feed, apart from the desks)."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_feed_main, args=(url, customers, rate, duration, send), name="workbench-feed")
    process.start()
    send.close()
    try:
        status, payload = receive.recv()
    except EOFError as exc:
        raise BenchError(f"the feed process died (exit code {process.exitcode})") from exc
    finally:
        process.join(30)
    if status != "ok":
        raise BenchError(f"the feed failed: {payload}")
    return dict(payload)


# -- the run ---------------------------------------------------------------------------------------------------


def run(
    desks: int = 20, rate: float = 10.0, duration: float = 60.0, db: str | None = None, processes: int = 4
) -> dict[str, Any]:
    if desks < 1 or rate <= 0 or duration <= 0 or processes < 1:
        raise BenchError("--desks, --rate, --duration and --processes must be positive")
    processes = min(processes, desks)
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise BenchError("psycopg is not installed: pip install 'psycopg[binary]' (the postgres extra)") from exc
    server = throwaway_cluster() if db is None else _given(db)
    with server as server_url, own_database(server_url) as url:
        return _run_on(url, desks, rate, duration, "throwaway cluster" if db is None else "given server", processes)


@contextmanager
def _given(url: str) -> Iterator[str]:
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "postgresql":
        raise BenchError("--db must be a PostgreSQL URL, e.g. postgresql+psycopg://user@host:5432/postgres")
    yield url


@dataclass
class DeskResult:
    """What one desk read, sent back by its host process."""

    agent_id: int
    seen: dict[int, float]
    polled: dict[int, float]
    mine: set[int]
    errors: list[str]


def _host_main(url: str, names: list[str], phases: list[float], conn: Any) -> None:
    """A process hosting some of the desks (each still with its own workspace, listener and threads)
    until told to stop; then their results go back."""
    clients: list[DeskClient] = []
    try:
        for name, phase in zip(names, phases, strict=True):
            clients.append(DeskClient(url, name, poll_phase=phase))
        conn.send(("ready", [c.agent_id for c in clients]))
        conn.recv()  # "stop"
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    finally:
        for client in clients:
            client.close()
    conn.send(
        (
            "done",
            [DeskResult(c.agent_id, c.seen, c.polled, c.mine, [repr(e) for e in c.errors]) for c in clients],
        )
    )


def _run_on(url: str, desks: int, rate: float, duration: float, server: str, processes: int) -> dict[str, Any]:
    names, customers = prepare_shop(url, desks, int(rate * duration) + 1)
    rng = random.Random(11)
    phases = [rng.uniform(0, POLL_S) for _ in names]
    context = multiprocessing.get_context("spawn")
    hosts: list[tuple[Any, Any]] = []
    results: list[DeskResult] = []
    try:
        for index in range(processes):
            mine = list(range(index, desks, processes))
            parent, child = context.Pipe()
            process = context.Process(
                target=_host_main,
                args=(url, [names[i] for i in mine], [phases[i] for i in mine], child),
                name=f"workbench-desks-{index}",
            )
            process.start()
            child.close()
            hosts.append((process, parent))
        for _process, conn in hosts:
            status, payload = conn.recv()
            if status != "ready":
                raise BenchError(f"a desk process failed to open its desks: {payload}")
        time.sleep(1.0)  # every listener and poller is under way
        fed = _feed_process(url, customers, rate, duration)
        written: dict[int, tuple[float, int, int | None]] = fed["written"]
        time.sleep(GRACE_S)  # late messages may still arrive; after this they count as lost
    finally:
        for process, conn in hosts:
            try:
                conn.send("stop")
                status, payload = conn.recv()
                if status == "done":
                    results.extend(payload)
            except (EOFError, OSError):
                pass
            process.join(30)
    by_agent = {r.agent_id: r for r in results}
    if len(by_agent) != desks:
        raise BenchError(f"only {len(by_agent)} of {desks} desks reported back")
    latencies, polling, lost, polling_lost, unassigned = [], [], 0, 0, 0
    for message_id, (committed, _conv, agent) in written.items():
        if agent is None or agent not in by_agent:
            unassigned += 1
            continue
        client = by_agent[agent]
        if message_id in client.seen:
            latencies.append((client.seen[message_id] - committed) * 1000.0)
        else:
            lost += 1
        if message_id in client.polled:
            polling.append((client.polled[message_id] - committed) * 1000.0)
        else:
            polling_lost += 1
    owners: dict[int, int] = {}
    for client in results:
        for conv_id in client.mine:
            owners[conv_id] = owners.get(conv_id, 0) + 1
    errors = sum(len(c.errors) for c in results)
    return {
        "desks": desks,
        "p50_ms": round(_percentile(latencies, 0.50), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1),
        "double_assigned": sum(1 for n in owners.values() if n > 1),
        "lost": lost,
        "polling_p95_ms": round(_percentile(polling, 0.95), 1),
        "polling_p50_ms": round(_percentile(polling, 0.50), 1),
        "p99_ms": round(_percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
        "polling_lost": polling_lost,
        "messages": len(written),
        "buyers": fed["buyers"],
        "unassigned": unassigned,
        "rate_per_s": rate,
        "duration_s": duration,
        "feed_elapsed_s": round(fed["elapsed_s"], 1),
        "feed_behind_max_s": round(fed["behind_s"], 3),
        "desk_errors": errors,
        "desk_processes": processes,
        "server": server,
        "measures": "feed commit -> assigned desk hub event -> message read back (no painting); "
        "polling: 1 s list re-read in the same run",
    }
