"""Submission files: a student's work on one exercise, handed to the teacher without a shared server,
and the teacher's batch grading of a folder of them.

A submission is one JSON file (UTF-8)::

    {"format": "workbench-submission", "version": 1, "class_key": false,
     "body": {"student": {...}, "exercise": "p4-t1", "made_at": "...", "result": {...},
              "record": {...}, "configuration": {...}},
     "hmac": "<hex>"}

`hmac` is HMAC-SHA256 over the body's canonical JSON (sorted keys, no spaces). The key is
`PROGRAM_KEY`, which ships inside the program, combined with the class key when the teacher set one
(`--class-key`, or the class key in the teacher console) and gave it to the class.

What this protects against, honestly: casual edits. A student who opens the file in a text editor and
changes a score, an explanation or whose work it is (name, 学号) gets the file refused, naming it.
It does not stop a determined student: the program's key is in the program's source, so anyone who
reads it can compute a valid hash for any content; with a class key they must also know that key,
which every student of the class was given to make their own submissions. The file proves nothing
about who made it; it makes tampering deliberate, not accidental or casual. On a shared server the
teacher reads the students' work from the database instead, and none of this is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.domain.exercises import ExerciseResult, ItemResult, Student
from workbench.services.lab_record import LabRecord
from workbench.services.sheets import save_workbook, xlsx_cell

FORMAT = "workbench-submission"
VERSION = 1
SUFFIX = ".wbsub"  # the file name a desk suggests: <学号>-<exercise><SUFFIX>
NOT_SUBMISSIONS = frozenset({".xlsx", ".xls", ".csv", ".pdf", ".part"})  # grades and records kept beside them
MAX_FILE_BYTES = 20 * 1024 * 1024  # a submission is a few hundred KB; anything huge is not one

# Ships with the program (see the module's docstring for what that means).
PROGRAM_KEY = b"workbench-classroom-submission-v1:3f9c1e7a5b2d4860a1c7e9f2b4d6a8c0"


class SubmissionError(ValueError):
    """A file that is not a valid submission; the message names the file and says why."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path.name}: {why}")
        self.path = path
        self.why = why


@dataclass(frozen=True, slots=True)
class Submission:
    student: Student
    exercise: str
    result: ExerciseResult
    made_at: datetime
    record: LabRecord | None = None
    configuration: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None  # the file it was read from


def clean_number(number: str) -> str:
    """A 学号 as compared between files (full-width digits and stray spaces do not make two students)."""
    return unicodedata.normalize("NFKC", number).strip()


def _key(class_key: str | None) -> bytes:
    if not class_key:
        return PROGRAM_KEY
    return hmac.new(PROGRAM_KEY, b"class:" + class_key.strip().encode("utf-8"), hashlib.sha256).digest()


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sign(body: Mapping[str, Any], class_key: str | None) -> str:
    return hmac.new(_key(class_key), _canonical(body), hashlib.sha256).hexdigest()


def result_json(result: ExerciseResult) -> dict[str, Any]:
    """`ExerciseResult.as_json()` with each item's evidence and the time of the check."""
    data: dict[str, Any] = result.as_json()
    data["checked_at"] = result.checked_at.isoformat(timespec="seconds")
    evidence = {item.id: list(item.evidence) for item in result.items}
    data["items"] = [{**item, "evidence": evidence[str(item["id"])]} for item in data["items"]]
    return data


def result_from_json(data: Mapping[str, Any]) -> ExerciseResult:
    items = tuple(
        ItemResult(
            id=str(i["id"]),
            title=str(i["title"]),
            points=int(i["points"]),
            max=int(i["max"]),
            passed=bool(i["passed"]),
            why=str(i["why"]),
            evidence=tuple(str(e) for e in i.get("evidence", ())),
        )
        for i in data["items"]
    )
    return ExerciseResult(str(data["exercise"]), items, datetime.fromisoformat(str(data["checked_at"])))


def write_submission(
    path: Path,
    *,
    student: Student,
    result: ExerciseResult,
    made_at: datetime,
    record: LabRecord | None = None,
    configuration: Mapping[str, Any] | None = None,
    class_key: str | None = None,
) -> Submission:
    """Write the submission file (through a temp file that replaces `path` only when complete)."""
    body: dict[str, Any] = {
        "student": {"name": student.name, "number": student.number, "class_name": student.class_name},
        "exercise": result.exercise,
        "made_at": made_at.isoformat(timespec="seconds"),
        "result": result_json(result),
        "record": record.as_json() if record is not None else None,
        "configuration": dict(configuration or {}),
    }
    body = json.loads(json.dumps(body, ensure_ascii=False, default=str))  # exactly what a reader will see
    document = {"format": FORMAT, "version": VERSION, "class_key": bool(class_key), "body": body}
    document["hmac"] = _sign(body, class_key)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _submission(body, path)


def read_submission(path: Path, class_key: str | None = None) -> Submission:
    """The submission in `path`, or SubmissionError naming the file: unreadable, not a submission,
    from a newer program, or changed since it was written (its keyed hash does not match)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise SubmissionError(path, "文件太大，不是提交文件 (too large to be a submission)")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SubmissionError(path, f"无法读取 (cannot be read: {exc.strerror or exc})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SubmissionError(path, "不是提交文件 (not a submission file: not JSON)") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SubmissionError(path, "不是提交文件 (not a submission file)")
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise SubmissionError(path, "由更新版本的程序导出，请升级 (written by a newer program)")
    body, signature = document.get("body"), document.get("hmac")
    if not isinstance(body, dict) or not isinstance(signature, str):
        raise SubmissionError(path, "不是提交文件 (not a submission file: no body or hash)")
    if not hmac.compare_digest(_sign(body, class_key), signature):
        if document.get("class_key") and not class_key:
            why = "用班级密钥导出，请输入班级密钥 (signed with a class key: give the class key)"
        else:
            why = "文件在导出后被修改过，已拒绝 (changed after it was exported: its keyed hash does not match)"
        raise SubmissionError(path, why)
    try:
        return _submission(body, path)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SubmissionError(path, f"内容不完整 (incomplete submission: {exc})") from exc


def _submission(body: Mapping[str, Any], path: Path) -> Submission:
    student = body["student"]
    record = body.get("record")
    return Submission(
        student=Student(str(student["name"]), str(student["number"]), str(student.get("class_name", ""))),
        exercise=str(body["exercise"]),
        result=result_from_json(body["result"]),
        made_at=datetime.fromisoformat(str(body["made_at"])),
        record=LabRecord.from_json(record) if record else None,
        configuration=dict(body.get("configuration") or {}),
        path=path,
    )


def grade_folder(
    folder: Path, class_key: str | None = None, *, errors: list[SubmissionError] | None = None
) -> list[Submission]:
    """Every file in `folder` (not its subfolders; hidden files, spreadsheets and PDFs — the grades and
    records a teacher keeps beside them — aside), one per student and exercise: when a
    student handed in several, the latest (by export time, then file name) wins. A bad file is
    skipped and added to `errors` (SubmissionError, naming the file) when given. Sorted by exercise
    and 学号."""
    latest: dict[tuple[str, str], Submission] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        if path.suffix.lower() in NOT_SUBMISSIONS:
            continue
        try:
            submission = read_submission(path, class_key)
        except SubmissionError as exc:
            if errors is not None:
                errors.append(exc)
            continue
        key = (submission.exercise, clean_number(submission.student.number))
        kept = latest.get(key)
        if kept is None or submission.made_at >= kept.made_at:
            latest[key] = submission
    return sorted(latest.values(), key=lambda s: (s.exercise, clean_number(s.student.number)))


def write_grades_xlsx(submissions: Iterable[Submission], path: Path) -> int:
    """The grades: one sheet per exercise, one row per student — 学号, 姓名, 班级, each rubric item's
    points, 总分 (and 满分) — every text cell written as text (a name like ``=1+2`` stays a name).
    Returns the number of student rows."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    def bold(cell: Any) -> None:
        cell.font = Font(bold=True)

    by_exercise: dict[str, list[Submission]] = {}
    for s in submissions:
        by_exercise.setdefault(s.exercise, []).append(s)
    book = Workbook(write_only=True)
    count = 0
    if not by_exercise:
        sheet = book.create_sheet("成绩")
        sheet.append([xlsx_cell(sheet, v, bold) for v in ("学号", "姓名", "班级", "总分")])
    for exercise, group in sorted(by_exercise.items()):
        sheet = book.create_sheet(_sheet_title(exercise))
        items: dict[str, str] = {}
        for s in group:
            for item in s.result.items:
                items.setdefault(item.id, f"{item.title} ({item.max})")
        sheet.append([xlsx_cell(sheet, v, bold) for v in ("学号", "姓名", "班级", *items.values(), "总分", "满分")])
        for s in sorted(group, key=lambda s: clean_number(s.student.number)):
            points = {item.id: item.points for item in s.result.items}
            sheet.append(
                [xlsx_cell(sheet, v) for v in (clean_number(s.student.number), s.student.name, s.student.class_name)]
                + [points.get(item_id) for item_id in items]
                + [s.result.total, s.result.max]
            )
            count += 1
    save_workbook(book, path)
    return count


def _sheet_title(exercise: str) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\)."""
    title = "".join("_" if c in "[]:*?/\\" else c for c in exercise)[:31]
    return title or "成绩"
