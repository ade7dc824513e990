"""The one small-cell rule (reviewer/disclosure.py): worked examples and invariants."""

from __future__ import annotations

import doctest
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer import disclosure
from reviewer.disclosure import Bin, K, merge_tail_bins, protect, suppress_table


def test_the_docstring_examples_hold():
    failures, tried = doctest.testmod(disclosure)
    assert tried > 10
    assert failures == 0


def grid(protected: disclosure.Protected) -> list[list[int | None]]:
    """The table with its margins, as protect() sees it."""
    return [
        *(
            [*cells, total]
            for cells, total in zip(protected.cells, protected.row_totals, strict=True)
        ),
        [*protected.column_totals, protected.total],
    ]


def lines(full: list[list[int | None]]) -> list[list[int | None]]:
    return [*full, *(list(column) for column in zip(*full, strict=True))]


tables = st.integers(1, 4).flatmap(
    lambda width: st.lists(
        st.lists(st.integers(0, 40), min_size=width, max_size=width), min_size=1, max_size=4
    )
)


@given(tables)
def test_no_count_of_1_to_4_is_ever_shown_margins_included(rows):
    for line in grid(protect(rows)):
        assert all(value is None or value == 0 or value >= K for value in line)


@given(tables)
def test_no_row_or_column_has_exactly_one_suppressed_entry(rows):
    """A single hidden entry in a line would be its total minus the shown entries."""
    for line in lines(grid(protect(rows))):
        assert sum(value is None for value in line) != 1


@given(tables)
def test_what_is_shown_is_the_true_count(rows):
    protected = protect(rows)
    for shown_row, true_row in zip(protected.cells, rows, strict=True):
        for shown, true in zip(shown_row, true_row, strict=True):
            assert shown is None or shown == true


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=2), min_size=2, max_size=2))
def test_no_hidden_cell_of_a_2x2_table_is_pinned_by_what_is_shown(rows):
    """Every 2x2 table of non-negative counts (up to the grand total, which is more than
    an outsider knows when it is hidden) agreeing with all shown entries, cells and
    margins: each hidden cell must take at least two values among them."""
    protected = protect(rows)
    shown = grid(protected)
    hidden = [(i, j) for i in range(2) for j in range(2) if protected.cells[i][j] is None]
    if not hidden:
        return
    top = sum(map(sum, rows))

    def agrees(i: int, j: int, value: int) -> bool:
        return shown[i][j] is None or shown[i][j] == value

    values: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    span = range(top + 1)
    for a, b in itertools.product(span, span):
        if not (agrees(0, 0, a) and agrees(0, 1, b) and agrees(0, 2, a + b)):
            continue
        for c, d in itertools.product(span, span):
            if not (agrees(1, 0, c) and agrees(1, 1, d) and agrees(1, 2, c + d)):
                continue
            if not (agrees(2, 0, a + c) and agrees(2, 1, b + d) and agrees(2, 2, a + b + c + d)):
                continue
            table = [[a, b], [c, d]]
            for i, j in hidden:
                values[(i, j)].add(table[i][j])
    for cell, possible in values.items():
        assert len(possible) >= 2, (rows, cell)


def test_suppress_table_is_the_interior_of_protect():
    rows = [[12, 2, 9], [30, 15, 40]]
    assert suppress_table(rows) == protect(rows).cells
    assert suppress_table(rows) == [[12, None, None], [30, None, None]]


def test_one_runner_in_a_tail_merges_a_bin_instead_of_blanking_the_histogram():
    """The issue's case: 19 onset bins, one of which holds a single runner aged 14."""
    bins = [Bin(start, start + 4, 0) for start in range(5, 100, 5)]
    counts = {10: 1, 15: 40, 20: 60, 25: 30, 30: 12, 35: 8, 40: 6}
    bins = [Bin(b.start, b.end, counts.get(b.start, 0)) for b in bins]
    shown = disclosure.protected_histogram(bins)
    hidden = [label for label, count in shown if count is None]
    assert shown[0] == ("5-19", 41)  # 1 + 40 runners, the single one merged in
    assert hidden == []
    assert sum(count for _, count in shown if count) == 157


@given(st.lists(st.integers(0, 30), min_size=1, max_size=20))
def test_merged_bins_keep_every_runner_and_tails_of_at_least_k(counts):
    bins = [Bin(5 * i, 5 * i + 4, c) for i, c in enumerate(counts)]
    merged = merge_tail_bins(bins)
    assert sum(b.count for b in merged) == sum(counts)
    assert merged[0].start == 0 and merged[-1].end == bins[-1].end
    assert all(a.end + 1 == b.start for a, b in itertools.pairwise(merged))
    if sum(counts) >= K:
        assert merged[0].count >= K and merged[-1].count >= K


def test_exact_quartiles_and_range_only_when_5_runners_share_the_value():
    counts = {20: 6, 22: 2, 30: 7}
    assert disclosure.shared_value(20, counts) == 20
    assert disclosure.shared_value(22, counts) is None
    assert disclosure.shared_value(30, counts) == 30
    assert disclosure.shared_value(25.0, counts) is None  # between 22 (2) and 30
