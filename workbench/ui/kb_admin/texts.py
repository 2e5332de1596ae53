"""Translated texts for the knowledge editor: issue and error codes, field names, match reasons,
pack change kinds, outcome kinds and the standard category names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

from workbench.domain.bot import HandoffReason
from workbench.domain.errors import DomainError
from workbench.domain.kb import STANDARD_CATEGORIES
from workbench.domain.kb_admin import Issue, IssueField, KbValidationError
from workbench.domain.packs import ChangeKind
from workbench.kb.matcher import OutcomeKind
from workbench.ui.errors import error_text
from workbench.ui.labels import Labels


def _category_texts() -> dict[str, str]:
    """The seven standard categories (STANDARD_CATEGORIES) in the UI language."""
    return {
        STANDARD_CATEGORIES[0]: QCoreApplication.translate("KbTexts", "聊天互动"),
        STANDARD_CATEGORIES[1]: QCoreApplication.translate("KbTexts", "商品问题"),
        STANDARD_CATEGORIES[2]: QCoreApplication.translate("KbTexts", "活动优惠"),
        STANDARD_CATEGORIES[3]: QCoreApplication.translate("KbTexts", "购买操作"),
        STANDARD_CATEGORIES[4]: QCoreApplication.translate("KbTexts", "物流问题"),
        STANDARD_CATEGORIES[5]: QCoreApplication.translate("KbTexts", "售后问题"),
        STANDARD_CATEGORIES[6]: QCoreApplication.translate("KbTexts", "更多问题"),
    }


category_label = Labels(_category_texts, fallback=str)  # the shop's own categories show as named


def _field_texts() -> dict[IssueField, str]:
    return {
        IssueField.CATEGORY: QCoreApplication.translate("KbTexts", "问题类型"),
        IssueField.QUESTION: QCoreApplication.translate("KbTexts", "标准问题"),
        IssueField.PHRASING: QCoreApplication.translate("KbTexts", "问法"),
        IssueField.CORE_WORDS: QCoreApplication.translate("KbTexts", "核心词"),
        IssueField.ANSWER: QCoreApplication.translate("KbTexts", "答案"),
        IssueField.VALIDITY: QCoreApplication.translate("KbTexts", "生效时间"),
        IssueField.KIND: QCoreApplication.translate("KbTexts", "问法类型"),
        IssueField.NEGATIVE: QCoreApplication.translate("KbTexts", "反向问法"),
        IssueField.ENABLED: QCoreApplication.translate("KbTexts", "启用"),
        IssueField.NEEDS_HUMAN: QCoreApplication.translate("KbTexts", "需要人工"),
        IssueField.FILE: QCoreApplication.translate("KbTexts", "文件"),
        IssueField.NAME: QCoreApplication.translate("KbTexts", "分类名"),
    }


field_label = Labels(_field_texts)


def code_text(code: str, params: Mapping[str, Any]) -> str:
    """The sentence for an issue or error code; unknown codes fall back to the shared error texts."""
    p = {k: v for k, v in params.items()}
    match code:
        case "kb.category.empty":
            return QCoreApplication.translate("KbTexts", "请选择问题类型")
        case "kb.category.unknown":
            return QCoreApplication.translate("KbTexts", "分类「{name}」不存在").format(**p)
        case "kb.category.standard":
            return QCoreApplication.translate("KbTexts", "「{name}」是标准分类，不能重命名或删除").format(**p)
        case "kb.category.name_empty":
            return QCoreApplication.translate("KbTexts", "分类名不能为空")
        case "kb.category.name_too_long":
            return QCoreApplication.translate("KbTexts", "分类名最多 {limit} 个字").format(**p)
        case "kb.category.name_taken":
            return QCoreApplication.translate("KbTexts", "已经有名为「{name}」的分类").format(**p)
        case "kb.question.empty":
            return QCoreApplication.translate("KbTexts", "标准问题不能为空")
        case "kb.question.too_long":
            return QCoreApplication.translate("KbTexts", "标准问题最多 {limit} 个字").format(**p)
        case "kb.question.duplicate":
            return QCoreApplication.translate("KbTexts", "已经有标准问题为「{text}」的知识").format(**p)
        case "kb.phrasing.empty":
            return QCoreApplication.translate("KbTexts", "问法不能为空")
        case "kb.phrasing.too_long":
            return QCoreApplication.translate("KbTexts", "问法最多 {limit} 个字").format(**p)
        case "kb.phrasing.duplicate":
            return QCoreApplication.translate("KbTexts", "问法「{text}」重复了").format(**p)
        case "kb.phrasing.is_question":
            return QCoreApplication.translate("KbTexts", "问法「{text}」和标准问题一样").format(**p)
        case "kb.core.too_many":
            return QCoreApplication.translate("KbTexts", "核心词最多选 {limit} 个").format(**p)
        case "kb.core.not_in_phrasing":
            return QCoreApplication.translate("KbTexts", "核心词「{word}」不在问法中").format(**p)
        case "kb.answer.none":
            return QCoreApplication.translate("KbTexts", "至少需要一条答案")
        case "kb.answer.empty":
            return QCoreApplication.translate("KbTexts", "答案不能为空")
        case "kb.answer.too_long":
            return QCoreApplication.translate("KbTexts", "答案最多 {limit} 个字").format(**p)
        case "kb.answer.too_many":
            return QCoreApplication.translate("KbTexts", "最多 {limit} 条答案").format(**p)
        case "kb.answer.window_order":
            return QCoreApplication.translate("KbTexts", "生效结束日期早于开始日期")
        case "kb.entry.missing":
            return QCoreApplication.translate("KbTexts", "这条知识已经被删除了")
        case "kb.import.unreadable":
            p["reason"] = os_reason_text(str(p.get("os", "")), str(p.get("reason", "")))
            return QCoreApplication.translate("KbTexts", "无法读取文件：{reason}").format(**p)
        case "kb.import.too_big":
            return QCoreApplication.translate("KbTexts", "文件太大（最多 {limit_mb} MB）").format(**p)
        case "kb.import.too_many":
            return QCoreApplication.translate("KbTexts", "行数太多（最多 {limit} 行）").format(**p)
        case "kb.import.line_too_long":
            return QCoreApplication.translate("KbTexts", "第 {line} 行太长").format(**p)
        case "kb.import.bad_text":
            return QCoreApplication.translate("KbTexts", "「{value}」含有控制字符或无效字符").format(**p)
        case "kb.import.date_range":
            return QCoreApplication.translate("KbTexts", "日期「{value}」应在 1990-01-01 到 2100-12-31 之间").format(
                **p
            )
        case "import.cancelled":
            return QCoreApplication.translate("KbTexts", "已取消，没有导入任何内容")
        case "kb.import.encoding":
            return QCoreApplication.translate("KbTexts", "无法识别文件编码，请另存为 UTF-8 编码的 CSV 或 XLSX")
        case "kb.import.format":
            return QCoreApplication.translate("KbTexts", "不支持「{suffix}」文件，请使用 CSV 或 XLSX").format(**p)
        case "kb.import.empty":
            return QCoreApplication.translate("KbTexts", "文件是空的")
        case "kb.import.unknown_column":
            return QCoreApplication.translate("KbTexts", "不认识的列「{column}」").format(**p)
        case "kb.import.duplicate_column":
            return QCoreApplication.translate("KbTexts", "列「{column}」出现了两次").format(**p)
        case "kb.import.missing_column":
            return QCoreApplication.translate("KbTexts", "缺少列「{column}」").format(**p)
        case "kb.import.bad_yes_no":
            return QCoreApplication.translate("KbTexts", "「{value}」应填“是”或“否”").format(**p)
        case "kb.import.bad_date":
            return QCoreApplication.translate("KbTexts", "日期「{value}」格式不对，应为 2024-11-01").format(**p)
        case "kb.import.inconsistent":
            return QCoreApplication.translate("KbTexts", "「{value}」与第 {first} 行不一致").format(**p)
        case "kb.import.bad_kind":
            return QCoreApplication.translate("KbTexts", "「{value}」应为“相似问法”或“关键词”").format(**p)
        case "kb.import.core_without_phrasing":
            return QCoreApplication.translate("KbTexts", "填了核心词，但这一行没有问法")
        case "kb.import.window_without_answer":
            return QCoreApplication.translate("KbTexts", "填了生效时间，但这一行没有答案")
        case "kb.import.no_entries":
            return QCoreApplication.translate("KbTexts", "文件里没有知识")
        case "kb.import.no_questions":
            return QCoreApplication.translate("KbTexts", "文件里没有问题")
        case "pack.unknown":
            return QCoreApplication.translate("KbTexts", "找不到行业包 {pack_id} {version}").format(**p)
        case "pack.subscribed":
            return QCoreApplication.translate("KbTexts", "已经订阅了这个行业包")
        case "pack.not_subscribed":
            return QCoreApplication.translate("KbTexts", "还没有订阅这个行业包")
        case "pack.not_newer":
            return QCoreApplication.translate("KbTexts", "版本 {version} 不比当前的 {current} 新").format(**p)
    return error_text(DomainError(code, **p))


def issue_text(issue: Issue) -> str:
    """One issue as a sentence; with its field, and its row when it came from a file."""
    message = code_text(issue.code, issue.params)
    if issue.line:
        if issue.field is IssueField.FILE:
            return QCoreApplication.translate("KbTexts", "第 {line} 行：{message}").format(
                line=issue.line, message=message
            )
        return QCoreApplication.translate("KbTexts", "第 {line} 行，{column}：{message}").format(
            line=issue.line, column=field_label(issue.field), message=message
        )
    return message


def os_reason_text(kind: str, fallback: str) -> str:
    """The common file errors in the UI language rather than the system's English."""
    if kind == "denied":
        return QCoreApplication.translate("KbTexts", "文件正被其他程序使用或没有权限，如在 Excel 中打开了请先关闭")
    if kind == "missing":
        return QCoreApplication.translate("KbTexts", "文件或文件夹不存在")
    return fallback


def failure_text(exc: BaseException) -> str:
    """A failed KB operation as text for a status line or a message box."""
    if isinstance(exc, (PermissionError, FileNotFoundError)):  # writing an export or the template
        kind = "denied" if isinstance(exc, PermissionError) else "missing"
        return QCoreApplication.translate("KbTexts", "无法写入文件：{reason}").format(
            reason=os_reason_text(kind, str(exc))
        )
    if isinstance(exc, KbValidationError):
        return "\n".join(issue_text(i) for i in exc.issues)
    if isinstance(exc, DomainError):
        return code_text(exc.code, exc.params)
    return error_text(exc)


def reason_text(reason: str) -> str:
    """A matcher reason code (same, synonym:啥时候=什么时候, core:发货, …) as a phrase."""
    kind, _, value = reason.partition(":")
    match kind:
        case "same":
            return QCoreApplication.translate("KbTexts", "与问法一字不差")
        case "synonym":
            typed, _, canon = value.partition("=")
            return QCoreApplication.translate("KbTexts", "同义词：「{typed}」=「{canon}」").format(
                typed=typed, canon=canon
            )
        case "related":
            a, _, b = value.partition("~")
            return QCoreApplication.translate("KbTexts", "相关词：「{a}」≈「{b}」").format(a=a, b=b)
        case "core":
            return QCoreApplication.translate("KbTexts", "核心词都出现了：{words}").format(
                words="、".join(value.split(","))
            )
        case "fuzzy":
            return QCoreApplication.translate("KbTexts", "字面相似度 {value}").format(value=value)
        case "keyword":
            return QCoreApplication.translate("KbTexts", "关键词规则命中：{words}").format(
                words=" + ".join(value.split("+"))
            )
        case "ignored":
            return QCoreApplication.translate("KbTexts", "忽略了语气词：{words}").format(
                words="、".join(value.split(","))
            )
        case "clause":
            return QCoreApplication.translate("KbTexts", "长消息里的这一句：{clause}").format(clause=value)
        case "homophone":
            pairs = "、".join(f"「{a}」→「{b}」" for a, _, b in (p.partition("=") for p in value.split(",")))
            return QCoreApplication.translate("KbTexts", "按同音字纠正：{pairs}").format(pairs=pairs)
    return reason


def _outcome_texts() -> dict[OutcomeKind, str]:
    return {
        OutcomeKind.DIRECT: QCoreApplication.translate("KbTexts", "直接回答"),
        OutcomeKind.CLARIFY: QCoreApplication.translate("KbTexts", "反问：你可能想问"),
        OutcomeKind.FALLBACK: QCoreApplication.translate("KbTexts", "未能回答（转人工或兜底回复）"),
    }


outcome_label = Labels(_outcome_texts)


def _change_texts() -> dict[ChangeKind, str]:
    return {
        ChangeKind.ADDED: QCoreApplication.translate("KbTexts", "新增"),
        ChangeKind.UPDATED: QCoreApplication.translate("KbTexts", "已更新"),
        ChangeKind.UNCHANGED: QCoreApplication.translate("KbTexts", "无变化"),
        ChangeKind.KEPT_EDITED: QCoreApplication.translate("KbTexts", "保留店铺修改"),
        ChangeKind.REMOVED: QCoreApplication.translate("KbTexts", "已移除"),
        ChangeKind.KEPT_DETACHED: QCoreApplication.translate("KbTexts", "保留为自定义问题"),
        ChangeKind.SKIPPED_DELETED: QCoreApplication.translate("KbTexts", "跳过（店铺已删除）"),
        ChangeKind.SKIPPED_EXISTING: QCoreApplication.translate("KbTexts", "跳过（已有同样的问题）"),
    }


change_label = Labels(_change_texts)


def handoff_text(reason: HandoffReason, detail: str) -> str:
    """Why the live bot hands this message to a human (the transfer rule that fired)."""
    match reason:
        case HandoffReason.KEYWORD:
            return QCoreApplication.translate("KbTexts", "转人工规则：消息含转人工关键词「{word}」").format(word=detail)
        case HandoffReason.EMOTION:
            return QCoreApplication.translate("KbTexts", "转人工规则：检测到买家负面情绪（{words}）").format(
                words=detail or "—"
            )
        case HandoffReason.REPEAT:
            return QCoreApplication.translate("KbTexts", "转人工规则：买家重复询问同一问题「{question}」").format(
                question=detail
            )
        case HandoffReason.MISSES:
            return QCoreApplication.translate("KbTexts", "转人工规则：连续 {n} 条消息未能识别").format(n=detail)
        case HandoffReason.NEEDS_HUMAN:
            return QCoreApplication.translate("KbTexts", "转人工规则：知识「{question}」标记为需要人工").format(
                question=detail
            )
    return str(reason)
