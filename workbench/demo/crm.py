"""Customer management in the demo shop: tag colours and groups, preferences, care templates,
follow-up rules, customer groups, statistics and a few follow-ups — written inside the demo seeding
transaction, so the demo shop is seeded all or nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from workbench.demo.content import DemoShop
from workbench.domain.crm import (
    CustomerExtras,
    CustomerFilter,
    FollowUpOutcome,
    FollowUpRule,
    FollowUpSource,
    FollowUpStatus,
    GroupKind,
    RfmSettings,
    RuleTrigger,
    Segment,
    Selection,
    render_care,
)
from workbench.services.crm_followups import schedule_by_rules
from workbench.storage.repositories.care_templates import CareTemplateRepository
from workbench.storage.repositories.customer_groups import CustomerGroupRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.followup_rules import FollowUpRuleRepository
from workbench.storage.repositories.followups import FollowUpRepository
from workbench.storage.repositories.import_export import ImportExportRepository
from workbench.storage.repositories.tags import TagRepository

# Tag library: name → (group, colour). Customers' tags come from the demo generator.
TAG_LIBRARY: dict[str, tuple[str, str]] = {
    "老客户": ("价值", "#52c41a"),
    "晒图达人": ("价值", "#13c2c2"),
    "老客户推荐": ("价值", "#389e0d"),
    "爱砍价": ("沟通", "#fa8c16"),
    "尺码纠结": ("沟通", "#eb2f96"),
    "退货较多": ("风险", "#f5222d"),
    "差评记录": ("风险", "#cf1322"),
    "大码": ("偏好", "#722ed1"),
    "小个子": ("偏好", "#9254de"),
    "偏爱连衣裙": ("偏好", "#c41d7f"),
    "喜欢宽松款": ("偏好", "#2f54eb"),
    "上班族": ("人群", "#1677ff"),
    "宝妈": ("人群", "#d4380d"),
    "学生党": ("人群", "#faad14"),
    "送礼": ("人群", "#a0d911"),
    "已回访": ("服务", "#08979c"),
    "待召回": ("服务", "#d46b08"),
}

TEMPLATES: tuple[tuple[str, str], ...] = (
    (
        "签收关怀",
        "亲爱的{买家昵称}，您的订单{订单号}已经签收啦～{商品}穿着还合适吗？"
        "尺码、面料有任何问题随时找我们，{店铺}祝您生活愉快！",
    ),
    (
        "流失召回",
        "{买家昵称}您好，好久不见～{店铺}上新了一批当季新款，老客户专享满300减40，期待您回来逛逛！",
    ),
    (
        "积分提醒",
        "尊敬的{会员等级}{买家昵称}，您当前有{积分}积分，下单时可抵扣现金，别让积分过期哦～",
    ),
    (
        "新客欢迎",
        "{买家昵称}您好，感谢第一次选择{店铺}！收藏店铺可以第一时间收到上新和专属优惠，有问题随时找我们～",
    ),
)

STATIC_GROUP_MEMBERS = ("lily_0521", "小鹿乱撞77")


def demo_customer_ids(s: Session, shop_id: int, demo: DemoShop) -> dict[str, int]:
    """The demo's customers in the shop: nick → id (those that exist)."""
    by_nick = ImportExportRepository(s).customers_by_nick(shop_id, [c.nick for c in demo.customers])
    return {nick: cid for nick, (cid, _phone) in by_nick.items()}


def seed_crm(s: Session, shop_id: int, demo: DemoShop) -> None:
    """Customer-management content for the demo shop, in the caller's session."""
    ids = demo_customer_ids(s, shop_id, demo)
    CustomerRepository(s).add_extras_many(
        {
            ids[c.nick]: CustomerExtras(
                style="宽松" if "喜欢宽松款" in c.tags else "",
                size=c.preferred_size,
                height_cm=c.height_cm,
                weight_jin=c.weight_jin,
                birthday=c.birthday,
            )
            for c in demo.customers
            if c.preferred_size or c.height_cm or c.weight_jin or c.birthday
        }
    )
    seed_crm_work(s, shop_id, demo, ids)


def seed_crm_work(s: Session, shop_id: int, demo: DemoShop, ids: dict[str, int]) -> None:
    """The customer management a student practises on (项目4 任务3): the tag library, care templates,
    follow-up rules, RFM settings, customer groups and 回访. Also what a lab reset puts back."""
    now = demo.now
    customers = CustomerRepository(s)
    tags = TagRepository(s)
    templates = CareTemplateRepository(s)
    rules = FollowUpRuleRepository(s)
    stats = CustomerStatsRepository(s)
    groups = CustomerGroupRepository(s)
    followups = FollowUpRepository(s)
    for name, (group, color) in TAG_LIBRARY.items():
        tag = customers.ensure_tag(shop_id, name, color, group)
        tags.update_tag(shop_id, tag.id, color=color, group=group)
    care_templates = {name: templates.save_template(shop_id, None, name, text) for name, text in TEMPLATES}
    signed_care, win_back = care_templates["签收关怀"], care_templates["流失召回"]
    rules.save_rule(shop_id, FollowUpRule(0, "签收后回访", RuleTrigger.SIGNED, 1, 3, signed_care.id, True))
    rules.save_rule(shop_id, FollowUpRule(0, "流失预警召回", RuleTrigger.AT_RISK, 0, 30, win_back.id, True))
    settings = RfmSettings()
    stats.save_settings(shop_id, settings)
    stats.rebuild(shop_id, now)

    groups.create_group(shop_id, "高价值老客户", GroupKind.FILTER, CustomerFilter(segments=(Segment.HIGH_VALUE,)), now)
    groups.create_group(shop_id, "流失预警", GroupKind.FILTER, CustomerFilter(segments=(Segment.AT_RISK,)), now)
    groups.create_group(
        shop_id, "金卡及以上", GroupKind.FILTER, CustomerFilter(levels=("金卡", "钻石")), now, note="会员日专属券"
    )
    vip = groups.create_group(shop_id, "重点维护", GroupKind.STATIC, CustomerFilter(), now, note="店长亲自跟进")
    groups.add_members(shop_id, vip.id, Selection.of([ids[n] for n in STATIC_GROUP_MEMBERS if n in ids]), now)

    schedule_by_rules(s, shop_id, now)
    # A little history: earlier care visits with their outcomes.
    outcomes = (FollowUpOutcome.SATISFIED, FollowUpOutcome.REPURCHASE, FollowUpOutcome.NO_REPLY)
    for i, c in enumerate(demo.customers[2:5]):
        sent = now - timedelta(days=20 - i, hours=3)
        values = templates.care_values(ids[c.nick], None)
        values["店铺"] = demo.shop.name
        followups.add_followup(
            shop_id,
            customer_id=ids[c.nick],
            template_id=signed_care.id,
            source=FollowUpSource.MANUAL.value,
            reason=signed_care.name,
            due_at=sent,
            status=FollowUpStatus.DONE.value,
            message=render_care(signed_care.text, values),
            sent_at=sent,
            outcome=outcomes[i].value,
            outcome_note="",
            done_at=sent + timedelta(hours=5),
            agent=demo.agents[0].display_name,
            created_at=sent - timedelta(days=1),
        )
