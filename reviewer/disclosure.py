"""The one small-cell rule for every table, chart and download of the reviewer's workspace.

Pure functions, no Django. A count of 1 to ``K - 1`` runners is never shown
(primary suppression), and a hidden count can never be got back by
subtraction from a total that is shown (complementary suppression): in every
row and every column of a table, margins included, either no entry is hidden
or at least two are. Ordered variables (histograms) first have their sparse
tails merged into wider bins, so that one runner aged 71 hides one tail bin,
not the whole histogram. Exact minimum, maximum and quartiles are given only
when at least ``K`` runners have that very value.

The statistics page, the cross-tab and comparison pages, their charts, CSV and
SVG downloads, and the aggregate export all call these functions; ``None``
stands for a hidden count wherever one is returned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The smallest group any table may show.
K = 5

# What a download writes, and a page shows, for a hidden count.
HIDDEN = "suppressed"


def _small(count: int, k: int) -> bool:
    return 0 < count < k


@dataclass(frozen=True)
class Protected:
    """A table after suppression: interior cells and margins, ``None`` where hidden."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


def protect(rows: Sequence[Sequence[int]], k: int = K) -> Protected:
    """Suppress a table of counts and its margins under the one rule.

    Every entry of 1 to k-1 is hidden; then, while any row or column (margins
    included) has exactly one hidden entry, the smallest shown entry of that
    line is hidden too (a non-zero one if there is one), so that no hidden
    entry is the difference of shown ones.

    >>> t = protect([[20, 3], [10, 30]])
    >>> t.cells, t.row_totals, t.column_totals, t.total
    ([[None, None], [None, None]], [23, 40], [30, 33], 63)
    >>> protect([[20, 0], [10, 30]]).cells
    [[20, 0], [10, 30]]
    """
    height = len(rows)
    width = len(rows[0]) if rows else 0
    # The grid with margins: row `height` holds the column totals, column `width`
    # the row totals, and the corner the grand total.
    grid = [[*row, sum(row)] for row in rows]
    grid.append([sum(grid[i][j] for i in range(height)) for j in range(width + 1)])
    hidden = [[_small(value, k) for value in line] for line in grid]
    lines = [[(i, j) for j in range(width + 1)] for i in range(height + 1)] + [
        [(i, j) for i in range(height + 1)] for j in range(width + 1)
    ]
    changed = any(any(line) for line in hidden)
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            shown = [(grid[i][j] == 0, grid[i][j], i, j) for i, j in line if not hidden[i][j]]
            if not shown:
                continue
            _, _, i, j = min(shown)  # the smallest non-zero entry, else a zero
            hidden[i][j] = True
            changed = True

    def entry(i: int, j: int) -> int | None:
        return None if hidden[i][j] else grid[i][j]

    return Protected(
        cells=[[entry(i, j) for j in range(width)] for i in range(height)],
        row_totals=[entry(i, width) for i in range(height)],
        column_totals=[entry(height, j) for j in range(width)],
        total=entry(height, width),
    )


def suppress_table(rows: Sequence[Sequence[int]], k: int = K) -> list[list[int | None]]:
    """The cells of a table of counts, shown beside its row and column totals, suppressed.

    >>> suppress_table([[12, 2, 9], [30, 15, 40]])
    [[12, None, None], [30, None, None]]
    >>> suppress_table([[12, 6, 9], [30, 15, 40]])
    [[12, 6, 9], [30, 15, 40]]
    """
    return protect(rows, k).cells


def suppress_counts(counts: Sequence[int], k: int = K) -> list[int | None]:
    """One variable's counts that add up to a total that is shown (a partition of n).

    >>> suppress_counts([20, 3, 9, 0])
    [20, None, None, 0]
    >>> suppress_counts([20, 9])
    [20, 9]
    """
    return protect([list(counts)], k).cells[0]


def suppress_subset(count: int, base: int, k: int = K) -> int | None:
    """How many of ``base`` runners have something (a flag), the others being a group too.

    >>> [suppress_subset(n, 100) for n in (0, 3, 50, 95, 96, 100)]
    [0, None, 50, 95, None, 100]
    """
    return suppress_counts([count, base - count], k)[0]


@dataclass(frozen=True)
class Bin:
    """Whole numbers ``start`` to ``end`` inclusive, and how many runners fall in it."""

    start: int
    end: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}"


def fixed_bins(counts: Mapping[int, int], low: int, high: int, width: int) -> list[Bin]:
    """Bins of ``width`` over every value from ``low`` to ``high``, not only the filled ones
    (the lowest and highest filled bin would give the minimum and maximum away).

    >>> [(b.label, b.count) for b in fixed_bins({21: 2, 23: 1, 31: 4}, 15, 34, 5)]
    [('15-19', 0), ('20-24', 3), ('25-29', 0), ('30-34', 4)]
    """
    first = low // width * width
    return [
        Bin(
            start,
            start + width - 1,
            sum(n for v, n in counts.items() if start <= v < start + width),
        )
        for start in range(first, high + 1, width)
    ]


def merge_tail_bins(bins: Sequence[Bin], k: int = K) -> list[Bin]:
    """Merge the bins at each end of an ordered variable until each tail holds ``k`` or more.

    Bins are merged from the lowest upwards until the merged bin holds at least
    k runners, and likewise from the highest downwards; the bins between stay as
    they are (and are then suppressed like any table). Fewer than k runners in
    all give one bin.

    >>> merged = merge_tail_bins([Bin(5, 9, 0), Bin(10, 14, 1), Bin(15, 19, 6),
    ...                           Bin(20, 24, 9), Bin(25, 29, 2), Bin(30, 34, 1)])
    >>> [(b.label, b.count) for b in merged]
    [('5-19', 7), ('20-34', 12)]
    >>> [(b.label, b.count) for b in merge_tail_bins([Bin(0, 4, 8), Bin(5, 9, 3), Bin(10, 14, 9)])]
    [('0-4', 8), ('5-9', 3), ('10-14', 9)]
    """
    if not bins:
        return []
    low = 0
    running = bins[0].count
    while running < k and low + 1 < len(bins):
        low += 1
        running += bins[low].count
    high = len(bins) - 1
    running = bins[high].count
    while running < k and high - 1 > low:
        high -= 1
        running += bins[high].count
    if running < k or high <= low:
        # The runners above the lower tail are too few to stand alone: one bin.
        return [_joined(bins)]
    return [_joined(bins[: low + 1]), *bins[low + 1 : high], _joined(bins[high:])]


def _joined(bins: Sequence[Bin]) -> Bin:
    return Bin(bins[0].start, bins[-1].end, sum(b.count for b in bins))


def protected_histogram(bins: Sequence[Bin], k: int = K) -> list[tuple[str, int | None]]:
    """Tails merged, then the bins suppressed as a partition of the runners who answered.

    >>> protected_histogram([Bin(5, 9, 1), Bin(10, 14, 9), Bin(15, 19, 3), Bin(20, 24, 12)])
    [('5-14', None), ('15-19', None), ('20-24', 12)]
    """
    merged = merge_tail_bins(bins, k)
    shown = suppress_counts([b.count for b in merged], k)
    return [(b.label, count) for b, count in zip(merged, shown, strict=True)]


def shared_value(value: float | None, counts: Mapping[int, int], k: int = K) -> float | None:
    """A minimum, maximum or quartile, given only when at least k runners have that value.

    A quartile that falls between two values (linear interpolation) is given
    only when at least k runners have each of the two.

    >>> counts = {20: 6, 22: 2, 30: 7}
    >>> [shared_value(v, counts) for v in (20, 22, 25.0, 30)]
    [20, None, None, 30]
    >>> shared_value(25.0, {20: 5, 30: 5})
    25.0
    """
    if value is None:
        return None
    below = max((v for v in counts if v <= value and counts[v]), default=None)
    above = min((v for v in counts if v >= value and counts[v]), default=None)
    if below is None or above is None:
        return None
    if counts[below] < k or counts[above] < k:
        return None
    return value


def shown(count: int | None) -> str:
    """A count as a page or a download writes it.

    >>> [shown(c) for c in (None, 0, 1234)]
    ['suppressed', '0', '1234']
    """
    return HIDDEN if count is None else str(count)


def row_percent(count: int | None, total: int | None) -> str:
    """A cell's share of its row, given only when both are shown.

    >>> [row_percent(a, b) for a, b in ((5, 20), (None, 20), (5, None), (0, 0))]
    ['25.0%', '', '', '']
    """
    if count is None or not total:
        return ""
    return f"{100 * count / total:.1f}%"
