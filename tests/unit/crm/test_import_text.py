"""Imported nicks obey the domain's text rule: bidi controls are dropped and the text is NFC; a
character no database can keep (NUL, other C0 controls, lone surrogates) refuses the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.crm.conftest import Known, clock
from tests.unit.crm.test_crm_io import HEADER, write_csv
from workbench.domain.crm import ImportFailed, MergePolicy
from workbench.services.crm_io import CrmImportExport
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository


def test_an_imported_nick_is_cleaned(db: Database, known: Known, tmp_path: Path) -> None:
    io = CrmImportExport(db, known.shop_id, clock)
    blank = [""] * (len(HEADER) - 1)
    path = write_csv(tmp_path / "c.csv", [HEADER, ["新客_\u202e甲", *blank], ["e\u0301\u2066丙", *blank]])
    plan = io.plan_customers(path)
    assert io.apply_customers(plan, MergePolicy.SKIP).created == 2
    with db.session() as s:
        repo = CustomerRepository(s)
        assert repo.by_nick(known.shop_id, "新客_甲") is not None
        assert repo.by_nick(known.shop_id, "\u00e9丙") is not None


def test_a_nick_with_a_control_character_refuses_its_line(db: Database, known: Known, tmp_path: Path) -> None:
    io = CrmImportExport(db, known.shop_id, clock)
    blank = [""] * (len(HEADER) - 1)
    path = write_csv(tmp_path / "c.csv", [HEADER, ["新客\x00甲", *blank], ["好客\x1b乙", *blank], ["丙", *blank]])
    with pytest.raises(ImportFailed) as info:
        io.plan_customers(path)
    assert [(i.line, i.code) for i in info.value.issues] == [(2, "import.text"), (3, "import.text")]
