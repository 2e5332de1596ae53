"""课后作业: the auto-marked questions as one item; open questions wait for the teacher."""

from __future__ import annotations

import pytest

from workbench.domain.errors import DomainError
from workbench.services.workspace import Workspace


def test_the_quiz_is_marked_from_the_chosen_answers(ws: Workspace) -> None:
    right = ws.exercises.mark_quiz("p4-t1", {"q1": (2,)})
    assert (right.id, right.points, right.max, right.passed) == ("quiz", 5, 5, True)
    assert right.why == "q1 ✓ (C) · 简答题 1 道待教师评定"
    wrong = ws.exercises.mark_quiz("p4-t1", {"q1": (0, 2)})
    assert (wrong.points, wrong.passed, wrong.why) == (0, False, "q1 ✗ (AC) · 简答题 1 道待教师评定")
    assert ws.exercises.mark_quiz("p4-t1", {}).why == "q1 ✗ (未答) · 简答题 1 道待教师评定"


def test_check_marks_the_quiz_answers_it_is_given(ws: Workspace) -> None:
    result = ws.exercises.check("p4-t1", quiz_answers={"q1": (2,)})
    assert result.items[-1].id == "quiz" and result.items[-1].points == 5


def test_an_unknown_exercise_is_a_domain_error(ws: Workspace) -> None:
    with pytest.raises(DomainError) as caught:
        ws.exercises.check("p9-t9")
    assert caught.value.code == "exercise.unknown"
