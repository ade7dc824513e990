"""Statistics of consented submissions for the reviewer's statistics page and exports.

Every figure is read from columns that ``Submission.fields_from`` copied off
``scoring.score()``; nothing here evaluates a rule. Two passes over the
(filtered) table compute everything: one aggregate query with conditional
counts and bit sums, and one ``GROUP BY (age, onset_age)`` whose frequency
table gives exact medians and quartiles in Python.

Quartiles use linear interpolation between order statistics (Python's
``statistics.quantiles(method="inclusive")``, numpy's default), so the median
of an even count is the mean of the two middle values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum

from screening import scoring
from screening.instrument import LIMIT_ACTIVITIES, LIMIT_SCALES, codes_of

# The smallest group an export of aggregates may show (k-anonymity threshold).
K_MIN = 5

CATEGORIES = tuple(c.value for c in scoring.Category)
PATTERNS = tuple(p.value for p in scoring.Pattern)
SIDES = codes_of("side")
SEXES = codes_of("sex")
ONSET_BANDS = (
    "infancy",
    "childhood",
    "adolescence",
    "early_adulthood",
    "late_adulthood",
    "unknown",
)
FLAG_CODES = tuple(rule.code for rule in scoring.FLAG_RULES)
CRITERIA_IDS = scoring.CRITERIA_IDS

ONSET_BIN_YEARS = 5
DURATION_BIN_YEARS = 2


@dataclass(frozen=True)
class Distribution:
    """Summary of a whole-number variable from its frequency table."""

    n: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: int | None
    maximum: int | None
    histogram: tuple[tuple[str, int], ...]

    @classmethod
    def from_counts(cls, counts: Counter[int], bin_years: int) -> Distribution:
        """Exact summary of values given as ``{value: how many}``.

        >>> d = Distribution.from_counts(Counter({20: 1, 22: 2, 30: 1}), 5)
        >>> (d.n, d.mean, d.median, d.q1, d.q3)
        (4, 23.5, 22.0, 21.5, 24.0)
        """
        n = sum(counts.values())
        if n == 0:
            return cls(0, None, None, None, None, None, None, ())
        values = sorted(counts)
        total = sum(value * k for value, k in counts.items())
        bins: Counter[int] = Counter()
        for value, k in counts.items():
            bins[value // bin_years * bin_years] += k
        low, high = min(bins), max(bins)
        histogram = tuple(
            (f"{start}-{start + bin_years - 1}", bins.get(start, 0))
            for start in range(low, high + 1, bin_years)
        )
        return cls(
            n=n,
            mean=total / n,
            median=_quantile(counts, values, n, 0.5),
            q1=_quantile(counts, values, n, 0.25),
            q3=_quantile(counts, values, n, 0.75),
            minimum=values[0],
            maximum=values[-1],
            histogram=histogram,
        )


def _nth(counts: Counter[int], values: list[int], index: int) -> int:
    """The value at 0-based position ``index`` of the sorted, expanded data."""
    seen = 0
    for value in values:
        seen += counts[value]
        if index < seen:
            return value
    raise IndexError(index)


def _quantile(counts: Counter[int], values: list[int], n: int, p: float) -> float:
    position = (n - 1) * p
    below = int(position)
    fraction = position - below
    low = _nth(counts, values, below)
    if fraction == 0:
        return float(low)
    high = _nth(counts, values, below + 1)
    return low + (high - low) * fraction


@dataclass(frozen=True)
class LimitCell:
    limited: int
    answered: int

    @property
    def share(self) -> float | None:
        return self.limited / self.answered if self.answered else None


@dataclass(frozen=True)
class Statistics:
    n: int
    by_category: dict[str, int]
    by_pattern: dict[str, int]
    by_side: dict[str, int]
    by_sex: dict[str, int]
    by_onset_band: dict[str, int]
    criteria_supported: dict[str, int]
    flags: dict[str, int]
    onset_age: Distribution
    duration: Distribution
    current_age: Distribution
    # limits[activity][scale] for scale in ("worst", "typical")
    limits: dict[str, dict[str, LimitCell]] = field(default_factory=dict)


def _bit_sum(column: str, bit: int) -> Sum:
    """How many rows have ``bit`` set in ``column``: (column & bit) / bit is 0 or 1."""
    return Sum(F(column).bitand(bit) / bit)


def compute(queryset: QuerySet) -> Statistics:
    """All figures of the statistics page for the submissions in ``queryset``.

    The caller passes a queryset already restricted to consented submissions.
    """
    aggregates: dict[str, object] = {"n": Count("pk")}
    for name, column, values in (
        ("category", "category", CATEGORIES),
        ("pattern", "pattern", PATTERNS),
        ("side", "side", SIDES),
        ("sex", "sex", SEXES),
        ("band", "onset_band", ONSET_BANDS),
    ):
        for value in values:
            aggregates[f"{name}__{value}"] = Count("pk", filter=Q(**{column: value}))
    for i, cid in enumerate(CRITERIA_IDS):
        aggregates[f"criterion__{cid}"] = _bit_sum("criteria_mask", 1 << i)
    for i, code in enumerate(FLAG_CODES):
        aggregates[f"flag__{code}"] = _bit_sum("flag_mask", 1 << i)
    activities = len(LIMIT_ACTIVITIES)
    for scale in LIMIT_SCALES:
        for i, activity in enumerate(LIMIT_ACTIVITIES):
            column = f"limits_{scale}"
            aggregates[f"lim__{scale}__{activity}"] = _bit_sum(column, 1 << i)
            aggregates[f"ans__{scale}__{activity}"] = _bit_sum(column, 1 << (i + activities))
    row = queryset.order_by().aggregate(**aggregates)

    def part(prefix: str, keys: Iterable[str]) -> dict[str, int]:
        return {key: int(row[f"{prefix}__{key}"] or 0) for key in keys}

    onset: Counter[int] = Counter()
    duration: Counter[int] = Counter()
    current: Counter[int] = Counter()
    pairs = (
        queryset.order_by()
        .filter(age__isnull=False, onset_age__isnull=False)
        .values_list("age", "onset_age")
        .annotate(k=Count("pk"))
    )
    for age, onset_age, k in pairs:
        onset[onset_age] += k
        duration[age - onset_age] += k
        current[age] += k

    limits = {
        activity: {
            scale: LimitCell(
                int(row[f"lim__{scale}__{activity}"] or 0),
                int(row[f"ans__{scale}__{activity}"] or 0),
            )
            for scale in LIMIT_SCALES
        }
        for activity in LIMIT_ACTIVITIES
    }
    return Statistics(
        n=int(row["n"]),
        by_category=part("category", CATEGORIES),
        by_pattern=part("pattern", PATTERNS),
        by_side=part("side", SIDES),
        by_sex=part("sex", SEXES),
        by_onset_band=part("band", ONSET_BANDS),
        criteria_supported=part("criterion", CRITERIA_IDS),
        flags=part("flag", FLAG_CODES),
        onset_age=Distribution.from_counts(onset, ONSET_BIN_YEARS),
        duration=Distribution.from_counts(duration, DURATION_BIN_YEARS),
        current_age=Distribution.from_counts(current, ONSET_BIN_YEARS),
        limits=limits,
    )


def suppressed(count: int, k: int = K_MIN) -> str:
    """A count as exported in aggregates: groups of 1 to k-1 are hidden.

    >>> [suppressed(n) for n in (0, 1, 4, 5, 120)]
    ['0', '<5', '<5', '5', '120']
    """
    return f"<{k}" if 0 < count < k else str(count)


def aggregate_rows(stats: Statistics) -> list[tuple[str, str, str]]:
    """(table, group, count) rows of an aggregate export, small groups suppressed.

    Only counts of runners are exported, never a per-runner value; the
    distributions are exported as histograms whose bins obey the same rule.
    """
    rows: list[tuple[str, str, str]] = [("all", "submissions", suppressed(stats.n))]
    for table, counts in (
        ("category", stats.by_category),
        ("pattern", stats.by_pattern),
        ("side", stats.by_side),
        ("sex", stats.by_sex),
        ("onset_band", stats.by_onset_band),
        ("criterion_supported", stats.criteria_supported),
        ("flag", stats.flags),
    ):
        rows.extend((table, key, suppressed(value)) for key, value in counts.items())
    for table, dist in (("onset_age", stats.onset_age), ("duration_years", stats.duration)):
        rows.extend((table, label, suppressed(value)) for label, value in dist.histogram)
    for activity, scales in stats.limits.items():
        for scale, cell in scales.items():
            rows.append(("limited", f"{scale}_{activity}", suppressed(cell.limited)))
            rows.append(("answered", f"{scale}_{activity}", suppressed(cell.answered)))
    return rows
