"""Official tags (88VIP, the 信用等级 tiers and levels, tags the library flags official) are the
platform's: no agent adds or removes them by hand. One rule (``domain.crm.is_official_tag``) decides,
and every service enforces it.

The cases below are the ones the program used to disagree on: the sidebar service flagged only stored
official tags (so 3钻 or 88VIP typed into the sidebar became custom tags), the CRM service and dialogs
judged only names (so a library tag flagged official could be renamed to or typed in), and the
widgets compared with the customer's own credit level only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.crm.conftest import Known, clock
from tests.unit.crm.test_crm_io import HEADER, write_csv
from workbench.domain.crm import ImportFailed, Selection, TagUsage, check_tag_assignable, is_official_tag
from workbench.domain.customers import Tag
from workbench.domain.errors import DomainError
from workbench.services.crm import CrmService
from workbench.services.crm_io import CrmImportExport
from workbench.services.customers import CustomerService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

# -- the rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "88VIP",
        "88vip",  # letter case does not make it the shop's own
        " 88 VIP ",
        "钻",  # a bare tier, as the list filters by it
        "心",
        "冠",
        "金冠",
        "3钻",  # a level another customer has: the sidebar used to accept it
        "1心",
        "5冠",
        "2金冠",
        "3 钻",
    ],
)
def test_platform_names_are_official(name: str) -> None:
    assert is_official_tag(name)
    assert is_official_tag(Tag(id=7, name=name))  # even a stored row the library forgot to flag
    with pytest.raises(DomainError) as info:
        check_tag_assignable(name)
    assert (info.value.code, info.value.field) == ("tag.official", "tag")
    assert info.value.params["name"] == " ".join(name.split())


@pytest.mark.parametrize("name", ["老客户", "钻石", "金卡", "VIP", "88", "钻石会员", "三钻", "爱砍价"])
def test_shop_names_are_custom(name: str) -> None:
    """Member levels (钻石), words near the platform's (三钻, VIP) are the shop's to use."""
    assert not is_official_tag(name)
    assert not is_official_tag(Tag(id=7, name=name))
    check_tag_assignable(name)  # no error


def test_the_library_flag_makes_any_name_official() -> None:
    flagged = Tag(id=9, name="天猫认证", official=True)
    assert is_official_tag(flagged)
    assert not is_official_tag("天猫认证")  # the bare name alone says nothing about the library
    assert is_official_tag(TagUsage(0, "钻", "#d48806", "", True, 12))
    assert not is_official_tag(TagUsage(3, "老客户", "#1677ff", "", False, 5))
    with pytest.raises(DomainError) as info:
        check_tag_assignable(flagged)
    assert info.value.params["name"] == "天猫认证"


# -- the services enforce it ------------------------------------------------------------------------


def _flagged(db: Database, known: Known, name: str = "天猫认证") -> Tag:
    with db.session() as s:
        return CustomerRepository(s).ensure_tag(known.shop_id, name, official=True)


def _library(db: Database, known: Known) -> set[str]:
    with db.session() as s:
        return {t.name for t in CustomerRepository(s).all_tags(known.shop_id)}


@sqlite_only
@pytest.mark.parametrize("name", ["3钻", "88VIP", "钻", "88vip"])
def test_sidebar_service_refuses_official_names_and_creates_no_tag(db: Database, known: Known, name: str) -> None:
    """CustomerService.add_tag used to create a custom tag named 3钻 or 88VIP and put it on the customer."""
    customers = CustomerService(db, known.shop_id, clock)
    customer_id = next(iter(known.customers))
    before = customers.profile(customer_id).tags
    with pytest.raises(DomainError) as info:
        customers.add_tag(customer_id, name)
    assert info.value.code == "tag.official"
    assert customers.profile(customer_id).tags == before
    assert name not in _library(db, known)


@sqlite_only
def test_sidebar_service_refuses_adding_and_removing_a_flagged_tag(db: Database, known: Known) -> None:
    customers = CustomerService(db, known.shop_id, clock)
    customer_id = next(iter(known.customers))
    flagged = _flagged(db, known)
    with pytest.raises(DomainError) as info:
        customers.add_tag(customer_id, "天猫认证")
    assert info.value.code == "tag.official"
    with db.session() as s:  # the platform set it
        CustomerRepository(s).add_tag(customer_id, flagged.id, clock())
    with pytest.raises(DomainError) as info:
        customers.remove_tag(customer_id, flagged.id)
    assert info.value.code == "tag.official"
    assert flagged.id in {t.id for t in customers.profile(customer_id).tags}


@sqlite_only
def test_crm_service_refuses_official_tags_in_every_tag_operation(db: Database, known: Known) -> None:
    crm = CrmService(db, known.shop_id, clock)
    someone = Selection.of(list(known.customers)[:2])
    flagged = _flagged(db, known)
    refusals = {
        "create 88vip": lambda: crm.create_tag("88vip"),  # the name check used to be case-sensitive
        "create 3 钻": lambda: crm.create_tag("3 钻"),
        "rename to 1心": lambda: crm.update_tag(known.tags["老客户"], name="1心"),
        "bulk-tag a flagged tag": lambda: crm.bulk_tag(someone, "天猫认证"),
        "bulk-untag a flagged tag": lambda: crm.bulk_untag(someone, flagged.id),
        "recolour a flagged tag": lambda: crm.update_tag(flagged.id, color="#000000"),
        "merge into a flagged tag": lambda: crm.merge_tags([known.tags["老客户"]], flagged.id),
        "delete a flagged tag": lambda: crm.delete_tag(flagged.id),
    }
    for what, call in refusals.items():
        with pytest.raises(DomainError) as info:
            call()
        assert info.value.code == "tag.official", what
    assert _library(db, known) >= {"老客户", "天猫认证"}
    assert not {"88vip", "3 钻", "1心"} & _library(db, known)


@sqlite_only
def test_import_refuses_a_tag_the_library_flags_official(db: Database, known: Known, tmp_path: Path) -> None:
    """The import judged only names, so a flagged library tag could be put on customers from a file."""
    _flagged(db, known)
    io = CrmImportExport(db, known.shop_id, clock)
    path = write_csv(
        tmp_path / "c.csv",
        [HEADER, ["新客_丙", "", "", "", "", "", "", "天猫认证", ""], ["新客_丁", "", "", "", "", "", "", "3钻", ""]],
    )
    with pytest.raises(ImportFailed) as failed:
        io.plan_customers(path)
    assert [(i.line, i.code) for i in failed.value.issues] == [(3, "import.tag_official")]  # 3钻: by name
    ok = write_csv(tmp_path / "ok.csv", [HEADER, ["新客_丙", "", "", "", "", "", "", "天猫认证", ""]])
    with pytest.raises(ImportFailed) as failed:
        io.plan_customers(ok)
    assert [(i.line, i.code, i.value) for i in failed.value.issues] == [(2, "import.tag_official", "天猫认证")]
