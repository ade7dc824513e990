"""The anonymous export profile: coarse quasi-identifiers, then k-anonymity.

A club-mate knows a runner's age, sex, how long they have run, their weekly
distance and roughly when they filled in the screen. Those five facts are the
quasi-identifiers. The anonymous profile gives each of them as a band (age
and years running in 5-year bands, weekly km in 25 km bands, the month
instead of the day) and then makes sure every combination of the five that
leaves the system is shared by at least ``K`` rows.

Rows whose combination is rarer are generalised step by step (the year
instead of the month, then wider bands) and, if still rarer than ``K`` at the
last step, left out. Each step groups only the rows still waiting, so in the
file every combination, whatever its step, is shared by at least ``K`` rows.
All rows with the same starting combination share one fate, so the plan can
be made from counts before a single row is written.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

K = 5

# The quasi-identifier columns of the anonymous export, in file order.
QUASI_IDENTIFIERS = (
    "age_band",
    "sex",
    "running_years_band",
    "weekly_km_band",
    "created_period",
)


@dataclass(frozen=True)
class Step:
    """One level of generalisation: band widths, and the date as month or year."""

    age_years: int
    running_years: int
    weekly_km: int
    period: str  # "month" or "year"


# The first step is the profile's own banding; the later ones widen it.
STEPS = (
    Step(age_years=5, running_years=5, weekly_km=25, period="month"),
    Step(age_years=5, running_years=5, weekly_km=25, period="year"),
    Step(age_years=10, running_years=10, weekly_km=50, period="year"),
    Step(age_years=20, running_years=20, weekly_km=100, period="year"),
)


def band(value: int | None, width: int) -> str:
    """``value`` as a band of ``width`` starting at a multiple of it; "" when unknown.

    >>> [band(v, 5) for v in (0, 4, 37, None)]
    ['0-4', '0-4', '35-39', '']
    >>> band(180, 25), band(180, 100)
    ('175-199', '100-199')
    """
    if value is None:
        return ""
    start = value // width * width
    return f"{start}-{start + width - 1}"


def period(day: datetime.date, unit: str) -> str:
    """The month ("2026-07") or the year ("2026") of a day.

    >>> period(datetime.date(2026, 7, 14), "month"), period(datetime.date(2026, 7, 14), "year")
    ('2026-07', '2026')
    """
    # Not strftime: this runs twice per exported row, and strftime costs five times as much.
    return f"{day.year:04d}-{day.month:02d}" if unit == "month" else f"{day.year:04d}"


# (age, sex, running years, weekly km, day): the exact facts as stored.
Facts = tuple[int | None, str, int | None, int | None, datetime.date]
Key = tuple[str, str, str, str, str]


def quasi_key(facts: Facts, step: Step) -> Key:
    """The five quasi-identifiers of a row at one step, in QUASI_IDENTIFIERS order.

    >>> quasi_key((37, "female", 12, 63, datetime.date(2026, 7, 14)), STEPS[0])
    ('35-39', 'female', '10-14', '50-74', '2026-07')
    >>> quasi_key((37, "female", 12, None, datetime.date(2026, 7, 14)), STEPS[2])
    ('30-39', 'female', '10-19', '', '2026')
    """
    age, sex, running_years, weekly_km, day = facts
    return (
        band(age, step.age_years),
        sex,
        band(running_years, step.running_years),
        band(weekly_km, step.weekly_km),
        period(day, step.period),
    )


@dataclass
class Plan:
    """Which step each starting combination is written at (None: left out)."""

    step_of: dict[Key, int | None] = field(default_factory=dict)
    rows_at_step: list[int] = field(default_factory=lambda: [0] * len(STEPS))
    rows_left_out: int = 0

    @property
    def rows_kept(self) -> int:
        return sum(self.rows_at_step)

    def written_for(self, start: Key) -> tuple[int, Key] | None:
        """The step and the written quasi-identifiers of the rows whose first-step key
        is ``start``, or None if they are left out."""
        step = self.step_of.get(start)
        if step is None:
            return None
        return step, _widen(start, STEPS[step])

    def key_for(self, facts: Facts) -> tuple[int, Key] | None:
        """The step and the written quasi-identifiers of a row, or None if it is left out."""
        step = self.step_of.get(quasi_key(facts, STEPS[0]))
        if step is None:
            return None
        return step, quasi_key(facts, STEPS[step])

    def summary(self) -> dict[str, object]:
        """What the data package says about the rule and how many rows it touched."""
        return {
            "k": K,
            "quasi_identifiers": list(QUASI_IDENTIFIERS),
            "rows_kept": self.rows_kept,
            "rows_kept_as_first_banded": self.rows_at_step[0],
            "rows_generalised_further": sum(self.rows_at_step[1:]),
            "rows_at_each_step": list(self.rows_at_step),
            "rows_left_out": self.rows_left_out,
            "steps": [
                {
                    "age_band_years": s.age_years,
                    "running_years_band_years": s.running_years,
                    "weekly_km_band_km": s.weekly_km,
                    "created_period": s.period,
                }
                for s in STEPS
            ],
        }


def make_plan(rows: Iterable[Facts]) -> Plan:
    """The plan for a set of rows: each rare combination generalised, then left out.

    Five runners of the same month and bands are kept as they are; five alike
    but each alone in their month are kept with the year instead, and a lone
    one of another year is left out:

    >>> day = datetime.date
    >>> common = [(30, "male", 10, 50, day(2026, 3, d)) for d in range(1, 6)]
    >>> rare = [(30, "male", 10, 50, day(2026, m, 1)) for m in (5, 6, 7, 8, 9)]
    >>> lone = [(30, "male", 10, 50, day(2024, 1, 1))]
    >>> plan = make_plan(common + rare + lone)
    >>> plan.rows_at_step, plan.rows_left_out
    ([5, 5, 0, 0], 1)
    >>> plan.key_for(rare[0])
    (1, ('30-34', 'male', '10-14', '50-74', '2026'))
    >>> plan.key_for(lone[0]) is None
    True
    """
    return plan_from_counts(Counter(quasi_key(facts, STEPS[0]) for facts in rows))


def plan_from_counts(first: Mapping[Key, int]) -> Plan:
    """The plan for rows counted by their first-step key (see :func:`make_plan`).

    All rows that share a first-step key share one fate, so a database's
    GROUP BY of the keys is all the plan needs, not the rows themselves.
    """
    plan = Plan()
    # The starting combinations still waiting, with their row counts.
    waiting = dict(first)
    for index, step in enumerate(STEPS):
        groups: dict[Key, list[Key]] = {}
        for start in waiting:
            groups.setdefault(_widen(start, step), []).append(start)
        still_waiting: dict[Key, int] = {}
        for starts in groups.values():
            size = sum(waiting[s] for s in starts)
            if size >= K:
                for s in starts:
                    plan.step_of[s] = index
                plan.rows_at_step[index] += size
            else:
                still_waiting.update({s: waiting[s] for s in starts})
        waiting = still_waiting
    for start, count in waiting.items():
        plan.step_of[start] = None
        plan.rows_left_out += count
    return plan


def _widen(start: Key, step: Step) -> Key:
    """A first-step key at a later step (bands widen on multiples, so this is exact).

    >>> _widen(('35-39', 'female', '10-14', '50-74', '2026-07'), STEPS[2])
    ('30-39', 'female', '10-19', '50-99', '2026')
    """
    age, sex, running_years, weekly_km, month = start
    return (
        _rebanded(age, step.age_years),
        sex,
        _rebanded(running_years, step.running_years),
        _rebanded(weekly_km, step.weekly_km),
        month if step.period == "month" else month[:4],
    )


def _rebanded(first_band: str, width: int) -> str:
    if not first_band:
        return ""
    return band(int(first_band.split("-")[0]), width)
