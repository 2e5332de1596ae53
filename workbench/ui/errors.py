"""Turns domain and storage error codes into translated, user-facing text."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.domain.errors import DomainError
from workbench.paths import DataDirError
from workbench.services.backups import BackupError
from workbench.storage.errors import DatabaseError, is_corruption, storage_failure


def storage_problem_text(code: str) -> str:
    """What the main window's status bar says while writes fail, and what the desk does about it."""
    match code:
        case "db.disk_full":
            return QCoreApplication.translate(
                "errors", "磁盘已满：新消息和修改无法保存。模拟客户已暂停，腾出磁盘空间后自动继续。"
            )
        case "db.connection_lost":
            return QCoreApplication.translate(
                "errors", "数据库连接中断：新消息和修改无法保存。模拟客户已暂停，连接恢复后自动继续。"
            )
        case "db.read_only":
            return QCoreApplication.translate(
                "errors", "数据库变为只读：新消息和修改无法保存。模拟客户已暂停，恢复写入权限后自动继续。"
            )
        case "db.io_error":
            return QCoreApplication.translate("errors", "磁盘读写出错：新消息和修改无法保存。模拟客户已暂停。")
    return QCoreApplication.translate("errors", "数据库无法写入：新消息和修改无法保存。模拟客户已暂停。")


def _storage_error_text(code: str) -> str:
    """One failed action (a reply not sent, an edit not saved) while writes fail."""
    match code:
        case "db.disk_full":
            return QCoreApplication.translate("errors", "磁盘已满，没有保存。请腾出磁盘空间后重试。")
        case "db.connection_lost":
            return QCoreApplication.translate("errors", "数据库连接中断，没有保存。连接恢复后请重试。")
        case "db.read_only":
            return QCoreApplication.translate("errors", "数据库是只读的，没有保存。")
    return QCoreApplication.translate("errors", "磁盘读写出错，没有保存。")


def error_text(exc: BaseException) -> str:
    """A sentence the user can act on; unknown errors keep their technical text for the log."""
    storage = storage_failure(exc)
    if storage is not None:  # a full disk, a lost connection: whatever the action was
        return _storage_error_text(storage)
    if isinstance(exc, DomainError):
        p = exc.params
        match exc.code:
            case "text.invalid":
                return QCoreApplication.translate(
                    "errors", "文字中有无法保存的无效字符（常见于损坏的复制粘贴），请删除后重新输入。"
                )
            case "message.empty":
                return QCoreApplication.translate("errors", "不能发送空白消息。")
            case "message.too_long":
                return QCoreApplication.translate(
                    "errors", "消息太长：{length} 字，最多 {limit} 字。请分几条发送。"
                ).format(**p)
            case "conversation.ended":
                return QCoreApplication.translate("errors", "该会话已结束，不能再发送消息。")
            case "conversation.missing":
                return QCoreApplication.translate("errors", "找不到该会话，可能已被删除。")
            case "conversation.taken":
                if p.get("agent"):
                    return QCoreApplication.translate("errors", "{agent}已经接入了这位买家，你的接入没有生效。").format(
                        **p
                    )
                return QCoreApplication.translate("errors", "这位买家已被其他客服接入，你的接入没有生效。")
            case "conversation.changed":
                return QCoreApplication.translate(
                    "errors", "这个会话刚被其他客服接入或转交，没有做任何更改。列表已刷新，请看清后再试。"
                )
            case "conversation.forbidden":
                return QCoreApplication.translate(
                    "errors", "你没有权限查看或处理这个会话：只能处理自己的会话和无人接入的待接待会话。"
                )
            case "transfer.target_missing":
                return QCoreApplication.translate("errors", "找不到要转交的同事，可能已被删除。")
            case "transfer.target_offline":
                return QCoreApplication.translate("errors", "{agent}已离线，不能转交给TA。").format(**p)
            case "transfer.target_simulated":
                return QCoreApplication.translate("errors", "{agent}是模拟同事，不能接收转交。").format(**p)
            case "transfer.same_agent":
                return QCoreApplication.translate("errors", "会话已经在{agent}那里了。").format(**p)
            case "transfer.group_missing":
                return QCoreApplication.translate("errors", "找不到这个接待组，可能已被删除。")
            case "transfer.note_too_long":
                return QCoreApplication.translate("errors", "转交备注最多 {limit} 字（现在 {length} 字）。").format(**p)
            case "rating.already_invited":
                return QCoreApplication.translate("errors", "已经邀请过这位买家评价了，每个会话只邀请一次。")
            case "tag.empty":
                return QCoreApplication.translate("errors", "标签名不能为空。")
            case "tag.too_long":
                return QCoreApplication.translate("errors", "标签名最多 {limit} 个字。").format(**p)
            case "tag.official":
                return QCoreApplication.translate("errors", "官方标签（信用等级、88VIP）为只读，不能手动修改。")
            case "note.empty":
                return QCoreApplication.translate("errors", "备注不能为空。")
            case "note.too_long":
                return QCoreApplication.translate("errors", "备注最多 {limit} 个字。").format(**p)
            case "customer.missing":
                return QCoreApplication.translate("errors", "找不到该客户。")
            case "order.missing":
                return QCoreApplication.translate("errors", "找不到该订单，可能已被删除。")
            case "order.address_locked":
                return QCoreApplication.translate("errors", "订单已是「{state}」，发货后不能再修改收货地址。").format(
                    **p
                )
            case "order.address_empty":
                return QCoreApplication.translate("errors", "收货地址不能为空。")
            case "order.address_too_long":
                return QCoreApplication.translate("errors", "收货地址太长：{length} 字，最多 {limit} 字。").format(**p)
            case "order.memo_too_long":
                return QCoreApplication.translate("errors", "卖家备注太长：{length} 字，最多 {limit} 字。").format(**p)
            case "order.flag_invalid":
                return QCoreApplication.translate("errors", "旗帜颜色无效：{flag}。").format(**p)
            case "phrase.text_empty":
                return QCoreApplication.translate("errors", "短语内容不能为空。")
            case "phrase.text_too_long":
                return QCoreApplication.translate("errors", "短语内容太长：{length} 字，最多 {limit} 字。").format(**p)
            case "phrase.group_too_long":
                return QCoreApplication.translate("errors", "分组名太长：{length} 字，最多 {limit} 字。").format(**p)
            case "phrase.shortcode_invalid":
                return QCoreApplication.translate("errors", "快捷编码只能用英文字母和数字。")
            case "phrase.shortcode_too_long":
                return QCoreApplication.translate("errors", "快捷编码太长：{length} 个字符，最多 {limit} 个。").format(
                    **p
                )
            case "phrase.shortcode_taken":
                return QCoreApplication.translate("errors", "快捷编码 /{shortcode} 已被另一条短语使用。").format(**p)
            case "phrase.missing":
                return QCoreApplication.translate("errors", "找不到该短语，可能已被删除。")
            case "phrase.no_agent":
                return QCoreApplication.translate("errors", "未登录客服账号，不能保存个人短语。")
            case "permission.denied":
                return permission_denied_text(str(p.get("permission", "")))
            case "login.failed":
                text = QCoreApplication.translate("errors", "账号或密码不正确。")
                if p.get("delay"):
                    text += QCoreApplication.translate("errors", "连续输错多次，请 {delay} 秒后再试。").format(**p)
                return text
            case "login.throttled":
                return QCoreApplication.translate("errors", "连续输错多次，请 {seconds} 秒后再试。").format(**p)
            case "login.required":
                return QCoreApplication.translate("errors", "请先登录。")
            case "agent.missing":
                return QCoreApplication.translate("errors", "找不到这个账号，可能已被删除。")
            case "exercise.class_key_too_long":
                return QCoreApplication.translate("errors", "班级密钥最多 {limit} 个字符。").format(**p)
            case "account.last_owner":
                return QCoreApplication.translate("errors", "店铺至少要保留一个主账号。")
            case "password.too_short":
                return QCoreApplication.translate("errors", "密码至少 {limit} 个字符。").format(**p)
            case "password.too_long":
                return QCoreApplication.translate("errors", "密码最多 {limit} 个字符。").format(**p)
            case "password.spaces":
                return QCoreApplication.translate("errors", "密码的开头和结尾不能是空格，也不能包含控制字符。")
            case "password.too_simple":
                return QCoreApplication.translate("errors", "密码太简单：请至少用 3 个不同的字符。")
            case "password.is_username":
                return QCoreApplication.translate("errors", "密码不能与账号名相同。")
        return QCoreApplication.translate("errors", "操作未完成：{code}").format(code=exc.code)
    if isinstance(exc, DatabaseError):
        match exc.code:
            case "db.too_new":
                return QCoreApplication.translate(
                    "errors",
                    "这个数据库由更新版本的工作台创建（版本 {rev}），当前程序无法识别。"
                    "为避免损坏数据，程序不会修改它。请升级工作台后再打开。",
                ).format(rev=exc.detail)
            case "db.unreachable":
                return QCoreApplication.translate("errors", "无法打开数据库：{detail}").format(detail=exc.detail)
            case "db.bad_url":
                return QCoreApplication.translate("errors", "数据库地址无效：{detail}").format(detail=exc.detail)
            case "db.corrupt":
                return corrupt_database_text(exc.detail)
            case "db.migration_failed":
                return QCoreApplication.translate("errors", "数据库升级失败，数据未被修改：{detail}").format(
                    detail=exc.detail
                )
        return QCoreApplication.translate("errors", "数据库错误：{detail}").format(detail=exc.detail)
    if isinstance(exc, BackupError):
        return backup_error_text(exc)
    if isinstance(exc, DataDirError):
        return QCoreApplication.translate(
            "errors", "数据目录不可写：{path}（{reason}）。请选择一个可写的目录（--data-dir）。"
        ).format(path=exc.path, reason=exc.reason)
    if is_corruption(exc):  # a damaged file found while working (past the checks at start-up)
        return corrupt_database_text("")
    return QCoreApplication.translate("errors", "发生错误：{error}").format(error=str(exc) or type(exc).__name__)


def permission_denied_text(permission: str) -> str:
    """A refused change, naming what the user's account may not do."""
    match permission:
        case "configure_bot":
            what = QCoreApplication.translate("errors", "修改店小蜜设置")
        case "manage_kb":
            what = QCoreApplication.translate("errors", "修改知识库")
        case "manage_users":
            what = QCoreApplication.translate("errors", "管理这个账号")
        case "supervise":
            what = QCoreApplication.translate("errors", "查看全店会话或接管、改派会话")
        case _:
            what = permission
    return QCoreApplication.translate("errors", "你的账号没有权限{what}。如需修改，请联系主账号、主管或教师。").format(
        what=what
    )


def corrupt_database_text(path: str) -> str:
    """What happened to a damaged SQLite file and what to do: restore the newest backup."""
    what = (
        QCoreApplication.translate("errors", "数据库文件已损坏，无法读取：{path}").format(path=path)
        if path
        else QCoreApplication.translate("errors", "数据库文件已损坏，无法读取。")
    )
    return (
        what
        + "\n\n"
        + QCoreApplication.translate(
            "errors",
            "请从备份恢复：点「从备份恢复…」（在这条提示中，或在「设置」中），选择最新的备份，"
            "然后重新启动工作台。损坏的文件会改名保留在原处，不会被删除。\n"
            "如果还没有备份，请关闭工作台，把这个文件移到别处保存，下次启动时会新建一个数据库。",
        )
    )


def backup_error_text(exc: BackupError) -> str:
    match exc.code:
        case "backup.unavailable":
            return QCoreApplication.translate(
                "errors",
                "数据库在服务器上（PostgreSQL），备份由服务器负责（例如用 pg_dump 定期备份），不在工作台中进行。",
            )
        case "backup.no_database":
            return QCoreApplication.translate("errors", "还没有数据库文件，无需备份。")
        case "backup.failed":
            return QCoreApplication.translate(
                "errors", "无法备份数据库：{detail}。请检查磁盘空间和 backups 文件夹的写入权限。"
            ).format(detail=exc.detail)
        case "backup.source_damaged":
            return QCoreApplication.translate(
                "errors",
                "数据库文件已损坏，这次备份没有保存（以免替换掉完好的旧备份）。请从最新的备份恢复。（{detail}）",
            ).format(detail=exc.detail)
        case "backup.missing":
            return QCoreApplication.translate("errors", "找不到这个备份：{detail}").format(detail=exc.detail)
        case "backup.damaged":
            return QCoreApplication.translate(
                "errors", "这个备份已损坏，不能用于恢复，请选择另一个备份。（{detail}）"
            ).format(detail=exc.detail)
        case "backup.not_workbench":
            return QCoreApplication.translate("errors", "这个文件不是工作台的数据库备份。")
        case "backup.too_new":
            return QCoreApplication.translate(
                "errors", "这个备份来自更新版本的工作台（版本 {rev}），当前程序无法使用。请升级工作台后再恢复。"
            ).format(rev=exc.detail)
    return QCoreApplication.translate("errors", "备份出错：{code}").format(code=exc.code)
