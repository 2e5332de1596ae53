"""Imported nicks obey the domain's text rule: no NUL, control or bidi character gets into a nick."""

from __future__ import annotations

from pathlib import Path

from tests.unit.crm.conftest import Known, clock
from tests.unit.crm.test_crm_io import HEADER, write_csv
from workbench.domain.crm import MergePolicy
from workbench.services.crm_io import CrmImportExport
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository


def test_an_imported_nick_is_cleaned(db: Database, known: Known, tmp_path: Path) -> None:
    io = CrmImportExport(db, known.shop_id, clock)
    blank = [""] * (len(HEADER) - 1)
    path = write_csv(tmp_path / "c.csv", [HEADER, ["新客\x00_\u202e甲\x1b", *blank], ["e\u0301\u2066丙", *blank]])
    plan = io.plan_customers(path)
    assert io.apply_customers(plan, MergePolicy.SKIP).created == 2
    with db.session() as s:
        repo = CustomerRepository(s)
        assert repo.by_nick(known.shop_id, "新客_甲") is not None
        assert repo.by_nick(known.shop_id, "\u00e9丙") is not None
