"""Industry packs (行业包) in a shop's KB: subscribe, upgrade keeping the shop's edits, unsubscribe."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Permission
from workbench.domain.kb import KbEntry
from workbench.domain.packs import (
    NOT_INSTALLED,
    ChangeKind,
    Pack,
    PackChange,
    PackReport,
    Subscription,
    latest_packs,
    load_pack,
    pack_versions,
    plan_subscribe,
    plan_unsubscribe,
    plan_upgrade,
    version_key,
)
from workbench.services.access import require
from workbench.services.clock import Clock, system_clock
from workbench.services.kb_admin import KbChange
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.kb_admin import KbAdminRepository


@dataclass(frozen=True, slots=True)
class PackStatus:
    """A shipped pack as the 行业包 tab lists it."""

    pack: Pack  # the newest shipped version
    versions: tuple[str, ...]  # every shipped version, oldest first
    subscription: Subscription | None

    @property
    def upgradable(self) -> bool:
        sub = self.subscription
        return sub is not None and version_key(sub.version) < version_key(self.pack.version)


@dataclass(frozen=True, slots=True)
class PackResult:
    report: PackReport
    change: KbChange


class PackService:
    """The catalogue is everybody's; subscribing, upgrading and unsubscribing need `Permission.MANAGE_KB`."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def catalog(self) -> list[PackStatus]:
        with self.db.session() as s:
            subs = {sub.pack_id: sub for sub in KbAdminRepository(s).subscriptions(self.shop_id)}
        return [PackStatus(p, tuple(pack_versions(p.id)), subs.get(p.id)) for p in latest_packs()]

    def _pack(self, pack_id: str, version: str | None) -> Pack:
        try:
            return load_pack(pack_id, version)
        except KeyError as exc:
            raise DomainError("pack.unknown", pack_id=pack_id, version=version or "") from exc

    def subscribe(self, pack_id: str, version: str | None = None) -> PackResult:
        """Install a pack's entries (the newest version unless `version`); questions the KB already
        has are skipped, not duplicated."""
        pack = self._pack(pack_id, version)
        now = self.clock()
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            if repo.subscription_id(self.shop_id, pack_id) is not None:
                raise DomainError("pack.subscribed", pack_id=pack_id)
            repo.ensure_standard_categories(self.shop_id)
            sub_id = repo.subscribe(self.shop_id, pack.id, pack.version, now)
            changes = self._apply(repo, sub_id, pack, plan_subscribe(pack, repo.questions(self.shop_id)))
            report = PackReport(pack.id, pack.name, "", pack.version, tuple(changes))
            return PackResult(report, self._kb_change(repo, changes))

    def upgrade(self, pack_id: str, version: str | None = None) -> PackResult:
        """Move to a newer version: untouched entries take the new content, new ones are added, the
        shop's edits are kept (reported as conflicts when the pack changed them too)."""
        pack = self._pack(pack_id, version)
        now = self.clock()
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            sub_id = repo.subscription_id(self.shop_id, pack_id)
            current = repo.subscription_version(self.shop_id, pack_id)
            if sub_id is None or current is None:
                raise DomainError("pack.not_subscribed", pack_id=pack_id)
            if version_key(pack.version) <= version_key(current):
                raise DomainError("pack.not_newer", pack_id=pack_id, version=pack.version, current=current)
            installed = repo.installed(sub_id)
            own_questions = self._own_questions(repo, installed_ids={i.entry_id for i in installed})
            changes = self._apply(repo, sub_id, pack, plan_upgrade(installed, pack, own_questions))
            keys = {e.key for e in pack.entries}
            for gone in installed:  # entries the shop deleted and the pack dropped: nothing left to track
                if gone.entry_id is None and gone.key not in keys:
                    repo.unlink(sub_id, gone.key)
            repo.set_subscription_version(sub_id, pack.version, now)
            report = PackReport(pack.id, pack.name, current, pack.version, tuple(changes))
            return PackResult(report, self._kb_change(repo, changes))

    def unsubscribe(self, pack_id: str) -> PackResult:
        """Remove the pack's untouched entries; the ones the shop edited stay as its own."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            sub_id = repo.subscription_id(self.shop_id, pack_id)
            current = repo.subscription_version(self.shop_id, pack_id)
            if sub_id is None or current is None:
                raise DomainError("pack.not_subscribed", pack_id=pack_id)
            changes = plan_unsubscribe(repo.installed(sub_id))
            for c in changes:
                if c.entry_id is None:
                    continue
                if c.kind is ChangeKind.REMOVED:
                    repo.delete_entry(self.shop_id, c.entry_id)
                else:
                    repo.set_custom(c.entry_id, True)
            repo.unsubscribe(sub_id)
            name = self._name(pack_id)
            report = PackReport(pack_id, name, current, "", tuple(changes))
            return PackResult(report, self._kb_change(repo, changes))

    @staticmethod
    def _name(pack_id: str) -> str:
        try:
            return load_pack(pack_id).name
        except KeyError:
            return pack_id

    def _own_questions(self, repo: KbAdminRepository, installed_ids: set[int | None]) -> list[str]:
        """Questions of entries that are not this pack's (a new pack entry must not duplicate them)."""
        today = self.clock().date()
        return [e.question for e in repo.entries(self.shop_id, today) if e.id not in installed_ids]

    def _apply(self, repo: KbAdminRepository, sub_id: int, pack: Pack, plan: Sequence[PackChange]) -> list[PackChange]:
        """Carry out a subscribe or upgrade plan; the changes with the ids of added entries filled in."""
        now = self.clock()
        done: list[PackChange] = []
        for c in plan:
            e = c.pack_entry
            match c.kind:
                case ChangeKind.ADDED:
                    assert e is not None
                    entry_id = repo.add_entry(self.shop_id, e.draft(), now, custom=False)
                    repo.unlink(sub_id, e.key)  # it may have been skipped before
                    repo.link(sub_id, e.key, entry_id, pack.version, e.fingerprint())
                    c = PackChange(c.kind, c.key, c.question, entry_id, e, c.conflict)
                case ChangeKind.UPDATED:
                    assert e is not None and c.entry_id is not None
                    draft = replace(e.draft(), enabled=self._enabled(repo, c.entry_id))
                    repo.update_entry(self.shop_id, c.entry_id, draft, now)
                    repo.update_link(sub_id, c.key, pack.version, e.fingerprint())
                case ChangeKind.UNCHANGED | ChangeKind.KEPT_EDITED:
                    assert e is not None
                    repo.update_link(sub_id, c.key, pack.version, e.fingerprint())
                case ChangeKind.SKIPPED_DELETED:
                    assert e is not None
                    repo.update_link(sub_id, c.key, pack.version, e.fingerprint())
                case ChangeKind.SKIPPED_EXISTING:
                    repo.link(sub_id, c.key, None, pack.version, NOT_INSTALLED)  # known, not installed
                case ChangeKind.REMOVED:
                    assert c.entry_id is not None
                    repo.delete_entry(self.shop_id, c.entry_id)
                    repo.unlink(sub_id, c.key)
                case ChangeKind.KEPT_DETACHED:
                    assert c.entry_id is not None
                    repo.set_custom(c.entry_id, True)
                    repo.unlink(sub_id, c.key)
            done.append(c)
        return done

    def _enabled(self, repo: KbAdminRepository, entry_id: int) -> bool:
        entry = repo.entry(self.shop_id, entry_id, self.clock().date())
        return entry.enabled if entry is not None else True

    def _kb_change(self, repo: KbAdminRepository, changes: Sequence[PackChange]) -> KbChange:
        """What the write did, for the live matcher and the lists; other desks re-read the whole KB
        (a pack touches many entries, and its subscription shows in the packs tab)."""
        self.db.notify(repo.s, Topic.KB)
        today = self.clock().date()
        touched = [
            c.entry_id
            for c in changes
            if c.entry_id is not None and c.kind in (ChangeKind.ADDED, ChangeKind.UPDATED, ChangeKind.KEPT_DETACHED)
        ]
        removed = tuple(c.entry_id for c in changes if c.kind is ChangeKind.REMOVED and c.entry_id is not None)
        entries = tuple(repo.entries(self.shop_id, today, touched))
        upserts: tuple[KbEntry, ...] = tuple(e.live(today) for e in entries)
        return KbChange(upserts=upserts, removed=removed, entries=entries)
