"""Statistics of consented submissions for the reviewer's statistics page and exports.

Every figure is read from columns that ``Submission.fields_from`` copied off
``scoring.score()``; nothing here evaluates a rule. The database counts rows
per combination of a few small columns (see ``GROUPINGS``); Python adds the
groups up, reads bits out of the masks, and gets exact medians and quartiles
from the frequency table of (age, onset age).

Quartiles use linear interpolation between order statistics (Python's
``statistics.quantiles(method="inclusive")``, numpy's default), so the median
of an even count is the mean of the two middle values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, QuerySet, Value
from django.db.models.functions import Concat

from reviewer import disclosure
from reviewer.filters import NOT_ANSWERED, NOT_ANSWERED_LABEL, Variable
from screening import closed_answers, scoring, versions
from screening.instrument import ITEMS, LIMIT_ACTIVITIES, LIMIT_SCALES, codes_of
from screening.models import DEFINITION_FIELDS

# The smallest group an export of aggregates may show (k-anonymity threshold).
K_MIN = 5

CATEGORIES = tuple(c.value for c in scoring.Category)
INSTRUMENT_VERSIONS = versions.VERSIONS
PATTERNS = tuple(p.value for p in scoring.Pattern)
SIDES = codes_of("side")
SEXES = codes_of("sex")
# Sex is optional (stored as ""): counted under this key, so the sex table adds up to n.
SEX_NOT_ANSWERED = "not_answered"
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
VERDICTS = tuple(v.value for v in scoring.Verdict)
STATUSES = tuple(s.value for s in scoring.Status)
COMPONENT_IDS = DEFINITION_FIELDS[1:]

ONSET_BIN_YEARS = 5
DURATION_BIN_YEARS = 2
# Every value the instrument allows, for the aggregate export's fixed histograms.
ONSET_AGE_RANGE = (ITEMS["onset_age"].min or 0, ITEMS["onset_age"].max or 100)
DURATION_RANGE = (0, (ITEMS["age"].max or 100) - (ITEMS["onset_age"].min or 0))


def bin_label(start: int, width: int) -> str:
    """A histogram bin as the statistics page and the aggregate export name it: "20-24"."""
    return f"{start}-{start + width - 1}"


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
            (bin_label(start, bin_years), bins.get(start, 0))
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
    by_instrument_version: dict[str, int]
    criteria_supported: dict[str, int]
    flags: dict[str, int]
    onset_age: Distribution
    duration: Distribution
    current_age: Distribution
    # The working definition as issued: runners per verdict, and per status of each
    # component (d1-d7).
    by_verdict: dict[str, int] = field(default_factory=dict)
    components: dict[str, dict[str, int]] = field(default_factory=dict)
    # Frequency tables {value: runners} behind the distributions (for the rule on
    # exact minimum, maximum and quartiles).
    onset_counts: dict[int, int] = field(default_factory=dict)
    duration_counts: dict[int, int] = field(default_factory=dict)
    current_counts: dict[int, int] = field(default_factory=dict)
    # limits[activity][scale] for scale in ("worst", "typical")
    limits: dict[str, dict[str, LimitCell]] = field(default_factory=dict)


# The groupings counted in one pass: each is a tuple of columns.
GROUPINGS: tuple[tuple[str, ...], ...] = (
    ("category", "pattern", "side", "sex", "onset_band", "instrument_version"),
    ("criteria_mask",),
    ("flag_mask",),
    ("limits_worst",),
    ("limits_typical",),
    ("age", "onset_age"),
    DEFINITION_FIELDS,
)
GROUP_COLUMNS = tuple(column for grouping in GROUPINGS for column in grouping)


GROUPING_ARGUMENTS = 31


def grouped_counts(
    queryset: QuerySet, groupings: tuple[tuple[str, ...], ...] = GROUPINGS
) -> list[Counter[tuple[Any, ...]]]:
    """For each of ``groupings``, how many rows have each combination of its columns.

    A column may be a field or an alias annotated on ``queryset``.

    On PostgreSQL one ``GROUP BY GROUPING SETS`` query reads the table once
    (an index-only scan of the covering index from migration 0004); other
    databases run one ``GROUP BY`` per grouping.
    """
    base = queryset.order_by()
    counts: list[Counter[tuple[Any, ...]]] = [Counter() for _ in groupings]
    if connection.vendor == "postgresql" and sum(map(len, groupings)) > GROUPING_ARGUMENTS:
        # PostgreSQL's GROUPING() takes at most 31 arguments: a few passes.
        done = 0
        while done < len(groupings):
            batch: list[tuple[str, ...]] = []
            while done + len(batch) < len(groupings) and (
                sum(map(len, batch)) + len(groupings[done + len(batch)]) <= GROUPING_ARGUMENTS
            ):
                batch.append(groupings[done + len(batch)])
            counts[done : done + len(batch)] = grouped_counts(queryset, tuple(batch))
            done += len(batch)
        return counts
    if connection.vendor != "postgresql" or len(groupings) == 1:
        for i, grouping in enumerate(groupings):
            rows = base.values_list(*grouping).annotate(k=Count("pk")).order_by()
            for *key, k in rows:
                counts[i][tuple(_hashable(v) for v in key)] += k
        return counts
    columns = tuple(column for grouping in groupings for column in grouping)
    inner, params = base.values_list(*columns).query.sql_with_params()
    names = [f"c{j}" for j in range(len(columns))]
    offsets = []
    position = 0
    for grouping in groupings:
        offsets.append(range(position, position + len(grouping)))
        position += len(grouping)
    sets = ", ".join("(" + ", ".join(names[j] for j in span) + ")" for span in offsets)
    # GROUPING(...) has one bit per column, set when the column is not grouped
    # on in that row; it tells the sets apart even where a value is NULL.
    sql = (
        f"SELECT {', '.join(names)}, GROUPING({', '.join(names)}), COUNT(*) "
        f"FROM ({inner}) AS filtered ({', '.join(names)}) GROUP BY GROUPING SETS ({sets})"
    )
    width = len(names)
    masks = {
        sum(1 << (width - 1 - j) for j in range(width) if j not in span): i
        for i, span in enumerate(offsets)
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            *values, grouping_bits, k = row
            i = masks[grouping_bits]
            counts[i][tuple(_hashable(values[j]) for j in offsets[i])] += k
    return counts


def _hashable(value: Any) -> Any:
    """A JSON list read back from the database (a multi answer) as a tuple."""
    return tuple(value) if isinstance(value, list) else value


def _bit_counts(counts: Counter[tuple[Any, ...]], bits: int) -> list[int]:
    """How many rows have each of the first ``bits`` bits set, from counts per mask value."""
    totals = [0] * bits
    for (mask,), k in counts.items():
        for i in range(bits):
            if mask and mask >> i & 1:
                totals[i] += k
    return totals


def compute(queryset: QuerySet) -> Statistics:
    """All figures of the statistics page for the submissions in ``queryset``.

    The caller passes a queryset already restricted to consented submissions.
    Every figure is a sum over grouped counts, so the database reads the rows
    once and Python only adds up a few thousand groups.
    """
    demographics, criteria, flag_masks, worst, typical, ages, definition = grouped_counts(queryset)
    by_column: dict[str, Counter[str]] = {c: Counter() for c in GROUPINGS[0]}
    for key, k in demographics.items():
        for column, value in zip(GROUPINGS[0], key, strict=True):
            by_column[column][value] += k
    n = sum(demographics.values())

    def part(column: str, keys: Iterable[str]) -> dict[str, int]:
        return {key: by_column[column][key] for key in keys}

    onset: Counter[int] = Counter()
    duration: Counter[int] = Counter()
    current: Counter[int] = Counter()
    for (age, onset_age), k in ages.items():
        if age is None or onset_age is None:
            continue
        onset[onset_age] += k
        duration[age - onset_age] += k
        current[age] += k

    activities = len(LIMIT_ACTIVITIES)
    scale_bits = {
        "worst": _bit_counts(worst, 2 * activities),
        "typical": _bit_counts(typical, 2 * activities),
    }
    limits = {
        activity: {
            scale: LimitCell(scale_bits[scale][i], scale_bits[scale][i + activities])
            for scale in LIMIT_SCALES
        }
        for i, activity in enumerate(LIMIT_ACTIVITIES)
    }
    by_definition: dict[str, Counter[str]] = {c: Counter() for c in DEFINITION_FIELDS}
    for key, k in definition.items():
        for column, value in zip(DEFINITION_FIELDS, key, strict=True):
            by_definition[column][value] += k
    criterion_totals = _bit_counts(criteria, len(CRITERIA_IDS))
    flag_totals = _bit_counts(flag_masks, len(FLAG_CODES))
    return Statistics(
        n=n,
        by_category=part("category", CATEGORIES),
        by_pattern=part("pattern", PATTERNS),
        by_side=part("side", SIDES),
        by_sex={**part("sex", SEXES), SEX_NOT_ANSWERED: by_column["sex"][""]},
        by_onset_band=part("onset_band", ONSET_BANDS),
        by_instrument_version=part("instrument_version", INSTRUMENT_VERSIONS),
        criteria_supported=dict(zip(CRITERIA_IDS, criterion_totals, strict=True)),
        flags=dict(zip(FLAG_CODES, flag_totals, strict=True)),
        onset_age=Distribution.from_counts(onset, ONSET_BIN_YEARS),
        duration=Distribution.from_counts(duration, DURATION_BIN_YEARS),
        current_age=Distribution.from_counts(current, ONSET_BIN_YEARS),
        by_verdict={v: by_definition["verdict"][v] for v in VERDICTS},
        components={
            cid: {status: by_definition[cid][status] for status in STATUSES}
            for cid in COMPONENT_IDS
        },
        onset_counts=dict(onset),
        duration_counts=dict(duration),
        current_counts=dict(current),
        limits=limits,
    )


# What an aggregate export shows instead of a count it must not give away.
SUPPRESSED = "suppressed"


def _small(count: int, k: int) -> bool:
    return 0 < count < k


def suppressed(count: int, k: int = K_MIN) -> str:
    """A count shown on its own (the number of submissions): groups of 1 to k-1 hidden.

    >>> [suppressed(n) for n in (0, 1, 4, 5, 120)]
    ['0', 'suppressed', 'suppressed', '5', '120']
    """
    return SUPPRESSED if _small(count, k) else str(count)


def suppressed_partition(counts: Mapping[str, int], k: int = K_MIN) -> list[tuple[str, str]]:
    """A table that puts every runner in exactly one cell, so that its cells add up to n.

    If any cell holds 1 to k-1 runners, every cell but the largest is shown as
    "suppressed", empty ones too: n minus the largest is then all anyone can
    know of them, shared among cells that could each hold from 0 up to it. If
    that would still pin a cell (one cell hidden, or every hidden cell as large
    as the largest), or the largest is itself small, or the cells outside it hold
    1 to k-1 runners together, it is hidden as well.

    >>> suppressed_partition({"a": 20, "b": 3, "c": 9, "d": 0})
    [('a', '20'), ('b', 'suppressed'), ('c', 'suppressed'), ('d', 'suppressed')]
    >>> suppressed_partition({"a": 20, "b": 9})
    [('a', '20'), ('b', '9')]
    """
    if not any(_small(count, k) for count in counts.values()):
        return [(key, str(count)) for key, count in counts.items()]
    largest = max(counts, key=lambda key: counts[key])
    rest = [count for key, count in counts.items() if key != largest]
    keep_largest = (
        counts[largest] >= k
        and not _small(sum(rest), k)  # n minus the largest would be a small group
        and len(rest) >= 2
        and sum(rest) < len(rest) * counts[largest]
    )
    return [
        (key, str(count) if keep_largest and key == largest else SUPPRESSED)
        for key, count in counts.items()
    ]


def suppressed_subset(count: int, base: int, k: int = K_MIN) -> str:
    """How many of ``base`` runners have something (a flag, say), the rest being a group too.

    >>> [suppressed_subset(n, 100) for n in (0, 3, 50, 95, 96, 100)]
    ['0', 'suppressed', '50', '95', 'suppressed', '100']
    """
    return SUPPRESSED if _small(count, k) or _small(base - count, k) else str(count)


def aggregate_rows(stats: Statistics) -> list[tuple[str, str, str]]:
    """(table, group, count) rows of an aggregate export, small groups suppressed.

    Only counts of runners are exported, never a per-runner value; the
    distributions are exported as histograms whose bins obey the same rule.
    A group of 1-4 must not come back by subtraction either: tables that split
    every runner hide more cells with it (suppressed_partition), and a count out
    of a known number is hidden when the rest is 1-4 (suppressed_subset).
    """
    rows: list[tuple[str, str, str]] = [("all", "submissions", suppressed(stats.n))]
    for table, counts in (
        ("category", stats.by_category),
        ("pattern", stats.by_pattern),
        ("side", stats.by_side),
        ("sex", stats.by_sex),
        ("onset_band", stats.by_onset_band),
        ("instrument_version", stats.by_instrument_version),
    ):
        rows.extend((table, key, shown) for key, shown in suppressed_partition(counts))
    # The categories follow from the flags (urgent_care is "any urgent flag", and so
    # on): with categories hidden, exact flag counts could give them back.
    categories_hidden = any(row[0] == "category" and row[2] == SUPPRESSED for row in rows)
    for key, value in stats.criteria_supported.items():
        rows.append(("criterion_supported", key, suppressed_subset(value, stats.n)))
    for key, value in stats.flags.items():
        shown = SUPPRESSED if categories_hidden and value else suppressed_subset(value, stats.n)
        rows.append(("flag", key, shown))
    for table, dist, (low, high), width in (
        ("onset_age", stats.onset_age, ONSET_AGE_RANGE, ONSET_BIN_YEARS),
        ("duration_years", stats.duration, DURATION_RANGE, DURATION_BIN_YEARS),
    ):
        rows.extend(
            (table, label, shown)
            for label, shown in suppressed_partition(fixed_bins(dist.histogram, low, high, width))
        )
    for activity, scales in stats.limits.items():
        for scale, cell in scales.items():
            answered = suppressed_subset(cell.answered, stats.n)
            # Out of a hidden number, an exact count would narrow that number down.
            limited = (
                SUPPRESSED
                if answered == SUPPRESSED and cell.limited
                else suppressed_subset(cell.limited, cell.answered)
            )
            rows.append(("limited", f"{scale}_{activity}", limited))
            rows.append(("answered", f"{scale}_{activity}", answered))
    return rows


def fixed_bins(
    histogram: Iterable[tuple[str, int]], low: int, high: int, width: int
) -> dict[str, int]:
    """A histogram over every bin the instrument allows, not only from the lowest filled
    bin to the highest: those two would otherwise be known to hold someone.

    >>> fixed_bins([("20-24", 3)], 15, 29, 5)
    {'15-19': 0, '20-24': 3, '25-29': 0}
    """
    counts = dict(histogram)
    labels = (bin_label(start, width) for start in range(low // width * width, high + 1, width))
    return {label: counts.get(label, 0) for label in labels}


# --- cross-tabs and comparisons over the closed variables ---------------------------------


@dataclass(frozen=True)
class Tabulated:
    """Counts of one variable (``rows``) by another (``columns``), every runner in one cell."""

    rows: tuple[tuple[str, str], ...]  # (code, label)
    columns: tuple[tuple[str, str], ...]
    counts: list[list[int]]


def _categories(variable: Variable, seen: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The variable's choices, then any other code found (an earlier version's), in order."""
    known = variable.all_choices
    codes = {code for code, _ in known}
    extra = sorted({code for code in seen if code not in codes})
    return (
        *known,
        *((code, NOT_ANSWERED_LABEL if code == NOT_ANSWERED else code) for code in extra),
    )


def crosstab(queryset: QuerySet, rows: Variable, columns: Variable) -> Tabulated:
    """How many submissions have each pair of values of two single-valued variables.

    One GROUP BY over the two values (each a column, a band of one, or a key of
    the answers JSON); a missing answer is counted as "Not answered", so that
    the table adds up to n.
    """
    (table,) = crosstabs(queryset, rows, [columns])
    return table


def crosstabs(queryset: QuerySet, rows: Variable, columns: list[Variable]) -> list[Tabulated]:
    """One cross-tab of ``rows`` by each of ``columns``, all in one pass over the rows."""
    aliases = {f"_c{i}": column.expression() for i, column in enumerate(columns)}
    annotated = queryset.annotate(_row=rows.expression(), **aliases)
    counted = grouped_counts(annotated, tuple(("_row", alias) for alias in aliases))
    made = []
    for column_variable, pairs in zip(columns, counted, strict=True):
        cells: Counter[tuple[str, str]] = Counter()
        for (row_raw, column_raw), k in pairs.items():
            cells[(rows.value_of(row_raw)[0], column_variable.value_of(column_raw)[0])] += k
        row_choices = _categories(rows, (r for r, _ in cells))
        column_choices = _categories(column_variable, (c for _, c in cells))
        made.append(
            Tabulated(
                rows=row_choices,
                columns=column_choices,
                counts=[[cells[(r, c)] for c, _ in column_choices] for r, _ in row_choices],
            )
        )
    return made


@dataclass(frozen=True)
class Profile:
    """One group's counts for every variable: {key: [(code, label, runners)]}, and n."""

    n: int
    tables: dict[str, list[tuple[str, str, int]]]


def profile(queryset: QuerySet, variables: Iterable[Variable]) -> Profile:
    """Runners per value of each variable (a multi item: runners whose list holds each code).

    On PostgreSQL each row is read once (:func:`_streamed_counts`); elsewhere,
    or when a row's closed answers are not as wide as the layout, one GROUP BY
    per variable (:func:`_grouped_codes`). A runner who left an item out is
    counted under "Not answered", so a single-valued table adds up to n.
    """
    chosen = list(variables)
    n, raw = _streamed_counts(queryset, chosen) or _grouped_codes(queryset, chosen)
    tables: dict[str, list[tuple[str, str, int]]] = {}
    for variable in chosen:
        per_code = raw[variable.key]
        seen = (c for c, k in per_code.items() if k and not (variable.multi and c == NOT_ANSWERED))
        choices = _categories(variable, seen)
        rows = [(code, label, per_code[code]) for code, label in choices]
        if variable.multi:
            rows.append((NOT_ANSWERED, "Not answered", per_code[NOT_ANSWERED]))
        tables[variable.key] = rows
    return Profile(n=n, tables=tables)


def _grouped_codes(
    queryset: QuerySet, chosen: list[Variable]
) -> tuple[int, dict[str, Counter[str]]]:
    """Runners per code of each variable, one GROUP BY per variable (SQLite's small tables)."""
    aliases = {v.key: f"_v{i}" for i, v in enumerate(chosen)}
    annotated = queryset.annotate(**{aliases[v.key]: v.expression() for v in chosen})
    counted = grouped_counts(annotated, tuple((aliases[v.key],) for v in chosen))
    n = sum(counted[0].values()) if counted else queryset.count()
    raw: dict[str, Counter[str]] = {v.key: Counter() for v in chosen}
    for variable, counts in zip(chosen, counted, strict=True):
        for (value,), k in counts.items():
            for code in variable.value_of(value):
                raw[variable.key][code] += k
    return n, raw


class _NotFixedWidth(Exception):
    """A row's closed answers are not as wide as today's layout (never filled, or an old layout)."""


# Bytes of closed facts counted per batch by _streamed_counts (about 30,000 rows).
STREAM_BYTES = 4 * 1024 * 1024


def _streamed_counts(
    queryset: QuerySet, chosen: list[Variable]
) -> tuple[int, dict[str, Counter[str]]] | None:
    """Runners per code of each variable, reading each row once (PostgreSQL; None
    elsewhere, or when a row is not as wide as the layout).

    A GROUP BY per variable costs a pass over the rows each, and grouping sets
    over eighty variables cost as much as eighty passes. Instead each row is
    read once as fixed-width text: its closed answers, then one character per
    other variable (:meth:`Variable.char_expression`). A batch of rows is one
    bytes object, so the characters at one place in every row are a strided
    slice, and ``bytes.count`` counts each code there at C speed.
    """
    if connection.vendor != "postgresql":
        return None
    width = closed_answers.WIDTH
    others = [v for v in chosen if not v.is_answer]
    # At each place in a row: which characters to count, for which variable and code.
    places: dict[int, list[tuple[int, str, str]]] = {}
    for variable in chosen:
        if variable.is_answer:
            slot = variable.slot
            start = slot.start - 1
            marks = [(start, closed_answers.MISSING, NOT_ANSWERED)]
            if variable.multi:
                marks += [
                    (start + i, closed_answers.HELD, code) for i, code in enumerate(slot.codes)
                ]
            else:
                marks += [(start, slot.char(code), code) for code in slot.codes]
        else:
            at = width + others.index(variable)
            marks = [(at, closed_answers.MISSING, NOT_ANSWERED)] + [
                (at, closed_answers.ALPHABET[i], code) for i, code in enumerate(variable.codes)
            ]
        for at, mark, code in marks:
            places.setdefault(at, []).append((ord(mark), variable.key, code))
    stride = width + len(others)
    line = stride + 1  # COPY ends each row with a newline; the characters need no escaping
    facts = Concat(
        "closed_answers",
        *(v.char_expression() for v in others),
        Value(""),
        output_field=CharField(),
    )
    rows = queryset.order_by().annotate(_facts=facts).values_list("_facts", flat=True)
    sql, params = rows.query.sql_with_params()
    raw: dict[str, Counter[str]] = {v.key: Counter() for v in chosen}

    def count(block: bytes) -> int:
        lines = len(block) // line
        if len(block) % line or block[stride::line] != b"\n" * lines:
            raise _NotFixedWidth
        for at, marks in places.items():
            column = block[at::line]
            for mark, key, code in marks:
                raw[key][code] += column.count(mark)
        return lines

    n = 0
    pending = bytearray()
    try:
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy,
        ):
            for data in copy:
                pending += data
                if len(pending) >= STREAM_BYTES:
                    whole = len(pending) - len(pending) % line
                    n += count(bytes(pending[:whole]))
                    del pending[:whole]
        if pending:
            n += count(bytes(pending))
    except _NotFixedWidth:
        return None
    return n, raw


# --- the one rule (reviewer.disclosure) on every figure ------------------------------------


def disclosed(figures: Statistics) -> dict[tuple[str, str], int | None]:
    """Every count of the statistics page under the one rule, keyed by (table, group).

    The statistics page and its aggregate download read this, so that they show
    the same numbers: tables that put every runner in one row (a partition of n)
    are suppressed as such, counts out of n (a criterion, a flag, a limitation
    answered) as a pair with the rest, the limited among those who answered as a
    pair with the others who answered, and histograms over every bin the
    instrument allows with their sparse ends merged first. The triage result
    follows from the flags, so with any triage count hidden every non-zero flag
    count is hidden too. ``None`` is a hidden count.
    """
    n = figures.n
    shown: dict[tuple[str, str], int | None] = {
        ("all", "submissions"): disclosure.suppress_counts([n])[0]
    }

    def partition(table: str, counts: Mapping[str, int]) -> None:
        for key, value in zip(
            counts, disclosure.suppress_counts(list(counts.values())), strict=True
        ):
            shown[(table, key)] = value

    partition("verdict", figures.by_verdict)
    for cid, statuses in figures.components.items():
        partition(cid, statuses)
    partition("category", figures.by_category)
    partition("pattern", figures.by_pattern)
    partition("side", figures.by_side)
    partition("sex", figures.by_sex)
    partition("onset_band", figures.by_onset_band)
    partition("instrument_version", figures.by_instrument_version)
    categories_hidden = any(
        value is None for (table, _), value in shown.items() if table == "category"
    )
    for key, value in figures.criteria_supported.items():
        shown[("criterion_supported", key)] = disclosure.suppress_subset(value, n)
    for key, value in figures.flags.items():
        flag = disclosure.suppress_subset(value, n)
        shown[("flag", key)] = None if categories_hidden and value else flag
    for table, counts, (low, high), width in (
        ("onset_age", figures.onset_counts, ONSET_AGE_RANGE, ONSET_BIN_YEARS),
        ("duration_years", figures.duration_counts, DURATION_RANGE, DURATION_BIN_YEARS),
    ):
        bins = disclosure.fixed_bins(counts, low, high, width)
        for label, value in disclosure.protected_histogram(bins):
            shown[(table, label)] = value
    for activity, scales in figures.limits.items():
        for scale, cell in scales.items():
            answered = disclosure.suppress_subset(cell.answered, n)
            limited = (
                None
                if answered is None and cell.limited
                else disclosure.suppress_subset(cell.limited, cell.answered)
            )
            shown[("limited", f"{scale}_{activity}")] = limited
            shown[("answered", f"{scale}_{activity}")] = answered
    return shown


def disclosed_rows(figures: Statistics) -> list[tuple[str, str, str]]:
    """(table, group, count) rows of an aggregate download: the statistics page's numbers.

    For the aggregate CSV (``reviewer.exports.aggregate_csv``): the same figures,
    under the same rule, as the page shows; a hidden count reads "suppressed".
    """
    return [
        (table, group, disclosure.shown(value))
        for (table, group), value in disclosed(figures).items()
    ]
