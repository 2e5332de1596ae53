"""Turns domain and storage error codes into translated, user-facing text."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.errors import DomainError
from workbench.paths import DataDirError
from workbench.storage.errors import DatabaseError


def _t(text: str) -> str:
    return QCoreApplication.translate("errors", text)


def error_text(exc: BaseException) -> str:
    """A sentence the user can act on; unknown errors keep their technical text for the log."""
    if isinstance(exc, DomainError):
        p = exc.params
        match exc.code:
            case "message.empty":
                return _t("不能发送空白消息。")
            case "message.too_long":
                return _t("消息太长：{length} 字，最多 {limit} 字。请分几条发送。").format(**p)
            case "conversation.ended":
                return _t("该会话已结束，不能再发送消息。")
            case "conversation.missing":
                return _t("找不到该会话，可能已被删除。")
            case "tag.empty":
                return _t("标签名不能为空。")
            case "tag.too_long":
                return _t("标签名最多 {limit} 个字。").format(**p)
            case "tag.official":
                return _t("官方标签（信用等级、88VIP）为只读，不能手动修改。")
            case "note.empty":
                return _t("备注不能为空。")
            case "note.too_long":
                return _t("备注最多 {limit} 个字。").format(**p)
            case "customer.missing":
                return _t("找不到该客户。")
        return _t("操作未完成：{code}").format(code=exc.code)
    if isinstance(exc, DatabaseError):
        match exc.code:
            case "db.too_new":
                return _t(
                    "这个数据库由更新版本的工作台创建（版本 {rev}），当前程序无法识别。"
                    "为避免损坏数据，程序不会修改它。请升级工作台后再打开。"
                ).format(rev=exc.detail)
            case "db.unreachable":
                return _t("无法打开数据库：{detail}").format(detail=exc.detail)
            case "db.bad_url":
                return _t("数据库地址无效：{detail}").format(detail=exc.detail)
            case "db.migration_failed":
                return _t("数据库升级失败，数据未被修改：{detail}").format(detail=exc.detail)
        return _t("数据库错误：{detail}").format(detail=exc.detail)
    if isinstance(exc, DataDirError):
        return _t("数据目录不可写：{path}（{reason}）。请选择一个可写的目录（--data-dir）。").format(
            path=exc.path, reason=exc.reason
        )
    return _t("发生错误：{error}").format(error=str(exc) or type(exc).__name__)
