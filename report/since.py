"""The PDF's "Since the first screening": the latest follow-up beside the screening.

Read off the stored follow-up (answers and result as issued), never re-scored:
the course, walking and running now, who examined and what they found, tests
and treatments, and the typical-day grid then and now side by side, each
change marked with a sign and a word so that it reads in black and white.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from screening import followup, followup_questions, questions
from screening.instrument import LIMIT_ACTIVITIES

# Printed beside each change: a sign and a word, never colour alone.
CHANGE_MARKS = {"better": "▲ better", "same": "= same", "worse": "▼ worse"}


def _answer(answers: Mapping[str, Any], item_id: str) -> str:
    value = answers.get(item_id)
    return followup_questions.answer_text(item_id, value) if value is not None else ""


def since_context(screening: Mapping[str, Any], followups: Sequence[Any]) -> dict[str, Any] | None:
    """The section's content from the latest of ``followups`` (objects with ``number``,
    ``created_on``, ``answers`` and ``issued_result``), or None when there is none."""
    if not followups:
        return None
    latest = max(followups, key=lambda item: item.number)
    answers, issued = latest.answers, latest.issued_result
    changes = issued["change_limits"]["by_activity"]
    grid = []
    for activity in LIMIT_ACTIVITIES:
        item_id = f"typical_{activity}"
        then, now = screening.get(item_id), answers.get(item_id)
        if then is None and now is None:
            continue
        grid.append(
            {
                "activity": str(questions.label(item_id)),
                "then": str(questions.code_label(item_id, then)) if then else "–",
                "now": str(questions.code_label(item_id, now)) if now else "–",
                "change": CHANGE_MARKS.get(changes.get(activity, ""), ""),
            }
        )
    rows = [
        (str(followup_questions.label(item_id)), _answer(answers, item_id))
        for item_id in (
            "fu_running",
            "fu_seen",
            "fu_tests",
            "fu_treatments",
            "fu_helped",
        )
        if answers.get(item_id) is not None
    ]
    explanations = issued["explanations"]
    return {
        "number": latest.number,
        "count": len(followups),
        "day": latest.created_on,
        "course": explanations["course"],
        "walking": explanations["change_walking"],
        "walking_mark": CHANGE_MARKS[issued["change_walking"]],
        "outcome": explanations["outcome"],
        "flags": [
            {"title": flag["title"], "tests": flag["tests"], "severity": flag["severity"]}
            for flag in issued["flags"]
        ],
        "rows": rows,
        "grid": grid,
        "limits_text": explanations["change_limits"],
        "own_words": answers.get("fu_own_words", ""),
        "instrument": f"{followup.INSTRUMENT} {followup.INSTRUMENT_VERSION}",
    }


def followups_json(followups: Sequence[Any]) -> list[dict[str, Any]]:
    """Each follow-up's answers and result as issued, for screening.json."""
    return [
        {
            "number": item.number,
            "date": item.created_on.isoformat(),
            "answers": dict(item.answers),
            "result": dict(item.issued_result),
        }
        for item in sorted(followups, key=lambda item: item.number)
    ]
