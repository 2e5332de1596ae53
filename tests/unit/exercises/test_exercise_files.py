"""The exercise files: every shipped one validates; a broken one is refused with `FILE: field: why`."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from workbench.domain.exercises import ItemKind
from workbench.services.exercise_checks import CHECKS
from workbench.services.exercises import ExerciseFileError, load_exercises, read_exercise_file


def shipped(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("workbench.assets.exercises").joinpath(name).read_text(encoding="utf-8")
    )
    return data


def test_every_shipped_exercise_file_validates_and_names_known_checks() -> None:
    exercises = load_exercises()
    assert [e.id for e in exercises] == sorted(e.id for e in exercises)
    assert "p4-t1" in {e.id for e in exercises}
    for exercise in exercises:
        assert exercise.steps and exercise.rubric
        for item in exercise.rubric:
            assert (item.kind is ItemKind.AUTO) == (item.check in CHECKS)
    names = [p.name for p in resources.files("workbench.assets.exercises").iterdir() if p.name.endswith(".json")]
    assert "schema.json" in names
    assert len(names) - 1 == len(exercises)


def test_project4_task1_follows_the_textbooks_rubric_table() -> None:
    exercise = next(e for e in load_exercises() if e.id == "p4-t1")
    table = [(i.category, i.title, i.points, i.kind) for i in exercise.rubric]
    assert table == [
        ("技术考评", "完成专业欢迎语配置", 20, ItemKind.AUTO),
        ("技术考评", "完成专业问答知识配置", 40, ItemKind.AUTO),
        ("技术考评", "完成账号分流及全自动模式设置", 20, ItemKind.AUTO),
        ("非技术考评", "态度: 学习态度是否端正", 5, ItemKind.TEACHER),
        ("非技术考评", "纪律: 遵守纪律", 5, ItemKind.TEACHER),
        ("非技术考评", "协作: 有交流、团队合作", 5, ItemKind.TEACHER),
        ("非技术考评", "文明: 保持安静,清理场所", 5, ItemKind.TEACHER),
    ]
    assert exercise.max_points == 100
    q1, q3 = exercise.quiz
    assert (q1.choices, q1.answer, q1.auto_marked) == (("3", "4", "5", "6"), (2,), True)
    assert not q3.auto_marked  # 简答题: the teacher marks it


def test_a_file_read_from_disk_is_the_same_exercise(tmp_path: Path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(shipped("p4-t1.json"), ensure_ascii=False), encoding="utf-8")
    assert read_exercise_file(path) == next(e for e in load_exercises() if e.id == "p4-t1")


def _broken(change: Any) -> dict[str, Any]:
    data = shipped("p4-t1.json")
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("title"), "bad.json: title: 必须是非空文本 (a non-empty string)"),
        (lambda d: d.update(seed="1"), "bad.json: seed: 必须是不小于 0 的整数 (an integer >= 0)"),
        (lambda d: d.update(steps=[]), "bad.json: steps: 必须是非空的文本列表 (a non-empty list of strings)"),
        (lambda d: d["steps"].append(""), "bad.json: steps[10]: 必须是非空文本 (a non-empty string)"),
        (
            lambda d: d.update(scenarios=["when_ship", "no_such"]),
            "bad.json: scenarios[1]: 没有这个场景 (no scenario 'no_such')",
        ),
        (
            lambda d: d["rubric"][1].update(points=0),
            "bad.json: rubric[1].points: 必须是不小于 1 的整数 (an integer >= 1)",
        ),
        (
            lambda d: d["rubric"][0].update(kind="robot"),
            "bad.json: rubric[0].kind: 必须是 auto 或 teacher (auto or teacher)",
        ),
        (
            lambda d: d["rubric"][2].update(params={"min_cards": 0}),
            "bad.json: rubric[2].params: 不需要参数 (no params expected: min_cards)",
        ),
        (
            lambda d: d["rubric"][0].update(params={"min_cards": 0}),
            "bad.json: rubric[0].params: min_cards 必须是正整数 (a positive integer)",
        ),
        (
            lambda d: d["rubric"][3].update(check="welcome_config"),
            "bad.json: rubric[3].check: 教师评分项没有检查 (a TEACHER item has no check)",
        ),
        (lambda d: d["rubric"][4].update(id="attitude"), "bad.json: rubric[4].id: 重复的 id (duplicate id 'attitude')"),
        (
            lambda d: d["quiz"][0].update(answer=[4]),
            "bad.json: quiz[0].answer[0]: 没有第 4 个选项 (no choice 4; there are 4)",
        ),
        (lambda d: d.update(colour="red"), "bad.json: colour: 未知字段 (unknown field)"),
        (lambda d: d["rubric"][0].update(weight=2), "bad.json: rubric[0].weight: 未知字段 (unknown field)"),
    ],
)
def test_a_broken_file_is_refused_with_the_file_the_field_and_why(tmp_path: Path, change: Any, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(change), ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExerciseFileError) as caught:
        read_exercise_file(path)
    assert str(caught.value) == message


def test_an_unknown_check_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_broken(lambda d: d["rubric"][0].update(check="magic"))), encoding="utf-8")
    with pytest.raises(ExerciseFileError, match=r"^bad.json: rubric\[0\].check: .*welcome_config"):
        read_exercise_file(path)


def test_a_file_that_is_not_json_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"id": "x",\n  oops}', encoding="utf-8")
    with pytest.raises(ExerciseFileError, match=r"^bad.json: \(line 2\): 不是有效的 JSON"):
        read_exercise_file(path)


def _matches(schema: dict[str, Any], value: Any, defs: dict[str, Any]) -> list[str]:
    """A small JSON Schema reader for the keywords schema.json uses (no jsonschema package here)."""
    if "$ref" in schema:
        return _matches(defs[schema["$ref"].rsplit("/", 1)[1]], value, defs)
    problems: list[str] = []
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        python = {"object": dict, "array": list, "string": str, "null": type(None), "integer": int}
        if not any(isinstance(value, python[n]) and not isinstance(value, bool) for n in names):
            return [f"{value!r} is not {kinds}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{value!r} != {schema['const']!r}")
    if isinstance(value, str) and len(value) < schema.get("minLength", 0):
        problems.append("too short")
    if isinstance(value, int) and value < schema.get("minimum", value):
        problems.append("too small")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            problems.append("too few items")
        for element in value:
            problems += _matches(schema.get("items", {}), element, defs)
    if isinstance(value, dict):
        problems += [f"missing {k}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            problems += [f"extra {k}" for k in value if k not in props]
        for key, element in value.items():
            if key in props:
                problems += _matches(props[key], element, defs)
    if "not" in schema and not _matches(schema["not"], value, defs):
        problems.append(f"{value!r} matches a forbidden form")
    if "if" in schema:
        branch = "then" if not _matches(schema["if"], value, defs) else "else"
        if branch in schema:
            problems += _matches(schema[branch], value, defs)
    return problems


def test_every_shipped_exercise_file_matches_the_teachers_schema() -> None:
    schema = shipped("schema.json")
    files = [p.name for p in resources.files("workbench.assets.exercises").iterdir() if p.name.endswith(".json")]
    for name in files:
        if name != "schema.json":
            assert _matches(schema, shipped(name), schema["$defs"]) == [], name
    broken = _broken(lambda d: d["rubric"][3].update(check="welcome_config"))
    assert _matches(schema, broken, schema["$defs"]) != []  # the schema does see a broken file
