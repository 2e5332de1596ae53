"""Settings are read defensively: whatever the file holds, loading never raises and always yields
settings the program can use, each unusable value replaced by its default and reported."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.settings import (
    MAX_SETTINGS_BYTES,
    Settings,
    check_setting,
    read_settings,
    save_settings,
    settings_problems,
)

FIELD_NAMES = [f.name for f in fields(Settings)]


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("simulator_rate_per_min", -1, "out_of_range"),
        ("simulator_rate_per_min", -1.0, "out_of_range"),
        ("simulator_rate_per_min", math.nan, "not_finite"),
        ("simulator_rate_per_min", math.inf, "not_finite"),
        ("simulator_rate_per_min", 10**400, "out_of_range"),  # float() of it would overflow
        ("simulator_speed", 0, "out_of_range"),
        ("simulator_speed", "fast", "wrong_type"),
        ("suggestions_shown", 0, "out_of_range"),
        ("suggestions_shown", True, "wrong_type"),  # a bool is no number, though Python says it is an int
        ("suggestions_shown", 2.5, "wrong_type"),
        ("font_size", 1000, "out_of_range"),
        ("language", "fr", "not_a_choice"),
        ("language", None, "wrong_type"),
        ("enter_sends", 1, "wrong_type"),
        ("db_url", ["sqlite://"], "wrong_type"),
        ("db_url", "x" * 5000, "too_long"),
        ("backups_kept", 0, "out_of_range"),
    ],
)
def test_an_unusable_value_falls_back_to_its_default_and_is_reported(
    tmp_path: Path, key: str, value: object, reason: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({key: value, "last_username": "kf1"}, allow_nan=True), encoding="utf-8")
    loaded = read_settings(path)
    assert getattr(loaded.settings, key) == getattr(Settings(), key)
    assert [(p.key, p.reason) for p in loaded.problems] == [(key, reason)]
    problem = loaded.problems[0]
    assert problem.default == json.dumps(getattr(Settings(), key), ensure_ascii=False)
    assert loaded.settings.last_username == "kf1"  # the usable neighbour is kept


def test_json_numbers_convert_to_the_settings_type(tmp_path: Path) -> None:
    loaded = read_settings(_write(tmp_path / "s.json", {"simulator_rate_per_min": 2, "font_size": 12.0}))
    assert loaded.problems == ()
    assert loaded.settings.simulator_rate_per_min == 2.0 and isinstance(loaded.settings.simulator_rate_per_min, float)
    assert loaded.settings.font_size == 12 and isinstance(loaded.settings.font_size, int)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "unreadable"),
        (b"\xff\xfe{}", "unreadable"),  # not UTF-8
        (b"[" * 100_000 + b"]" * 100_000, "unreadable"),  # nesting deeper than the parser's recursion
        (b"[1, 2]", "not_an_object"),
        (b"null", "not_an_object"),
        (b'{"a": "' + b"x" * (MAX_SETTINGS_BYTES + 10) + b'"}', "too_large"),
    ],
)
def test_an_unusable_file_gives_the_defaults_and_says_why(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = read_settings(path)
    assert loaded.settings == Settings()
    assert [(p.key, p.reason) for p in loaded.problems] == [("", reason)]


def test_a_missing_file_gives_the_defaults_without_complaint(tmp_path: Path) -> None:
    assert read_settings(tmp_path / "none.json").problems == ()


def test_a_byte_order_mark_is_no_error(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"language": "en"}).encode())
    loaded = read_settings(path)
    assert loaded.problems == () and loaded.settings.language == "en"


def test_unknown_keys_are_ignored_quietly(tmp_path: Path) -> None:
    loaded = read_settings(_write(tmp_path / "s.json", {"from_a_newer_version": [1], "language": "en"}))
    assert loaded.problems == () and loaded.settings.language == "en"


def test_saved_settings_read_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    mine = Settings(language="en", simulator_rate_per_min=0.1, font_size=32, backups_kept=3)
    save_settings(path, mine)
    assert read_settings(path) == type(read_settings(path))(mine, ())


def test_the_defaults_are_valid() -> None:
    assert settings_problems(Settings()) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
settings_like = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=12), json_values, max_size=14)
any_json = json_values | settings_like


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=any_json)
def test_fuzz_any_json_loads_into_valid_settings(tmp_path: Path, data: object) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    loaded = read_settings(path)  # never raises
    assert settings_problems(loaded.settings) == []
    if isinstance(data, dict):
        for name in FIELD_NAMES:
            if name not in data:
                assert getattr(loaded.settings, name) == getattr(Settings(), name)
                continue
            value, reason = check_setting(name, data[name])
            reported = {p.key for p in loaded.problems}
            # a usable value is taken as is; an unusable one is replaced by the default and reported
            assert (name in reported) == (reason is not None)
            assert getattr(loaded.settings, name) == (getattr(Settings(), name) if reason else value)
    else:
        assert loaded.settings == Settings() and len(loaded.problems) == 1
    # what was loaded saves and reads back without a problem
    save_settings(path, loaded.settings)
    again = read_settings(path)
    assert again.problems == () and asdict(again.settings) == asdict(loaded.settings)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200))
def test_fuzz_any_bytes_load_into_valid_settings(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = read_settings(path)
    assert settings_problems(loaded.settings) == []


def test_the_single_seat_student_is_kept_and_an_overlong_one_refused(tmp_path: Path) -> None:
    """实训 without a server: name, 学号 and class are entered once and read back; a value no form
    could have written (too long, not text) falls back to empty and is reported."""
    from workbench.settings import Settings, read_settings, save_settings

    path = tmp_path / "settings.json"
    save_settings(path, Settings(student_name="李明", student_number="2026001", student_class="电商2班"))
    loaded = read_settings(path)
    assert (loaded.settings.student_name, loaded.settings.student_number, loaded.settings.student_class) == (
        "李明",
        "2026001",
        "电商2班",
    )
    path.write_text(json.dumps({"student_name": "李" * 65, "student_number": 2026001}), encoding="utf-8")
    loaded = read_settings(path)
    assert loaded.settings.student_name == "" and loaded.settings.student_number == ""
    assert {(p.key, p.reason) for p in loaded.problems} == {
        ("student_name", "too_long"),
        ("student_number", "wrong_type"),
    }
