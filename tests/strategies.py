"""Hypothesis strategies over instrument v2, built from ``instrument.ITEMS``.

``valid_answers(v1.ITEMS)`` draws answers of the frozen version 1 instead, for
the tests that keep version 1 results readable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from screening.instrument import EXCLUSIVE_CODES, ITEMS, TEXT_MAX_LENGTH, Item, Kind


def value_for(item: Item) -> st.SearchStrategy[Any]:
    # Compared by code (==), so that the frozen v1 items, whose Kind is v1's own
    # enum, are drawn as well.
    if item.kind == Kind.INT:
        assert item.min is not None and item.max is not None
        return st.integers(item.min, item.max)
    if item.kind == Kind.ENUM:
        return st.sampled_from(item.codes)
    if item.kind == Kind.TEXT:
        return st.text(max_size=200)
    plain = [code for code in item.codes if code not in EXCLUSIVE_CODES]
    exclusive = [code for code in item.codes if code in EXCLUSIVE_CODES]
    options = [st.lists(st.sampled_from(plain), min_size=1, unique=True)] if plain else []
    options += [st.just([code]) for code in exclusive]
    return st.one_of(options)


@st.composite
def valid_answers(draw: st.DrawFn, items: Mapping[str, Item] = ITEMS) -> dict[str, Any]:
    """Random answers that ``instrument.validate`` accepts (not necessarily cleaned)."""
    answers: dict[str, Any] = {}
    for item_id, item in items.items():
        if item.required or draw(st.booleans()):
            answers[item_id] = draw(value_for(item))
    if answers["onset_age"] > answers["age"]:
        answers["onset_age"] = draw(st.integers(ITEMS["onset_age"].min or 5, answers["age"]))
    return answers


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@st.composite
def invalid_answers(draw: st.DrawFn) -> Any:
    """Answers with at least one defect of a kind the validator must name."""
    answers = draw(valid_answers())
    defect = draw(
        st.sampled_from(
            [
                "unknown",
                "type",
                "code",
                "range",
                "missing",
                "mixed",
                "dup",
                "onset",
                "long",
                "shape",
                "replaced",
            ]
        )
    )
    if defect == "replaced":
        # An item of version 1 that version 2 replaced, with any of its old codes.
        answers["diagnosis_explains"] = draw(st.sampled_from(["no", "partly", "yes"]))
        return answers
    if defect == "shape":
        return draw(st.one_of(JSON_SCALARS, st.lists(ANY_JSON, max_size=3)))
    if defect == "unknown":
        answers[draw(st.text(min_size=1).filter(lambda key: key not in ITEMS))] = draw(ANY_JSON)
    elif defect == "type":
        item_id = draw(st.sampled_from(sorted(ITEMS)))
        answers[item_id] = draw(
            st.one_of(
                st.booleans(),
                st.floats(allow_nan=False),
                st.dictionaries(st.text(), st.text(), min_size=1),
            )
        )
    elif defect == "code":
        item_id = draw(st.sampled_from([i for i, it in ITEMS.items() if it.codes]))
        bad = draw(st.text(min_size=1).filter(lambda code: code not in ITEMS[item_id].codes))
        answers[item_id] = [bad] if ITEMS[item_id].kind is Kind.MULTI else bad
    elif defect == "range":
        item_id = draw(st.sampled_from([i for i, it in ITEMS.items() if it.kind is Kind.INT]))
        item = ITEMS[item_id]
        assert item.min is not None and item.max is not None
        answers[item_id] = draw(
            st.integers(max_value=item.min - 1) | st.integers(min_value=item.max + 1)
        )
    elif defect == "missing":
        del answers[draw(st.sampled_from([i for i, it in ITEMS.items() if it.required]))]
    elif defect == "mixed":
        item_id = draw(
            st.sampled_from(["sensations", "gait_signs", "tricks", "other_activity_triggers"])
        )
        codes = ITEMS[item_id].codes
        exclusive = next(code for code in codes if code in EXCLUSIVE_CODES)
        answers[item_id] = [exclusive, codes[0]]
    elif defect == "dup":
        item_id = draw(st.sampled_from([i for i, it in ITEMS.items() if it.kind is Kind.MULTI]))
        answers[item_id] = [ITEMS[item_id].codes[0]] * 2
    elif defect == "onset":
        answers["age"] = draw(st.integers(12, 99))
        answers["onset_age"] = draw(st.integers(answers["age"] + 1, 100))
    else:
        answers[draw(st.sampled_from(["own_words", "what_helped"]))] = "x" * (TEXT_MAX_LENGTH + 1)
    return answers
