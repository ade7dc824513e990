"""Create N synthetic consented submissions for demos and benchmarks.

Each submission's answers are drawn item by item with plausible frequencies
(mostly runners whose story fits the working definition, some with warning
signs or another likely cause). About ``V1_SHARE`` of them stand in for rows
taken under instrument version 1 (``diagnosis_explains``, no version 2
items); the rest answer version 2. Each is cleaned with its own version's
``validate(drop_hidden(...))`` (``versions.instrument_for``) and scored by
that version's ``score()`` through ``Submission.fields_from(answers,
instrument_version=...)``: nothing is computed here that scoring owns. The
same ``--seed`` gives the same rows, versions included.

Speed: two worker processes draw and score rows, the parent streams them into
PostgreSQL with ``COPY`` (1,000,000 rows in well under three minutes on the
development machine); on SQLite rows go in with ``bulk_create``.

References stay unique without a lookup per row: row ``id`` n gets the
reference that a fixed bijection of 40-bit numbers gives for n, so the seeded
rows never collide with each other; the chance of meeting a runner's random
reference is about one in a million per million rows.
"""

from __future__ import annotations

import datetime
import json
import multiprocessing
import random
import time
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from screening import versions
from screening.instrument import LIMIT_ACTIVITIES, TESTS, codes_of
from screening.models import DEFINITION_FIELDS, REFERENCE_ALPHABET, Submission

CHUNK = 5_000
# On PostgreSQL at most this many distinct answer sets are drawn and scored;
# larger runs give each to several rows (own id, reference, date), which keeps
# 1,000,000 rows within three minutes on two cores.
DISTINCT = 100_000
# Loads of at least this many rows into a smaller table rebuild the plain indexes after.
BULK_INDEX_REBUILD = 50_000
# Odd multiplier and offset of the 40-bit bijection behind seeded references.
_MULTIPLIER = 0x9E3779B97 | 1
_OFFSET = 0x5DEECE66D
_MASK = (1 << 40) - 1
SPREAD_DAYS = 4 * 365
CONSENT_VERSION = "1"
# The share of seeded rows that stand in for submissions taken under version 1.
V1_SHARE = 0.15


def reference_for(number: int) -> str:
    """A distinct 8-character reference for each number below 2**40.

    >>> len({reference_for(n) for n in range(10_000)})
    10000
    """
    value = (number * _MULTIPLIER + _OFFSET) & _MASK
    chars = []
    for _ in range(8):
        chars.append(REFERENCE_ALPHABET[value & 31])
        value >>= 5
    return "".join(chars)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _some(rng: random.Random, codes: list[str], low: int, high: int) -> list[str]:
    return rng.sample(codes, rng.randint(low, high))


def _maybe(rng: random.Random, answers: dict[str, Any], item_id: str, value: Any, p: float) -> None:
    if rng.random() < p:
        answers[item_id] = value


def _yes(rng: random.Random, p: float) -> str:
    return "yes" if rng.random() < p else "no"


def draw_answers(rng: random.Random, version: str = versions.CURRENT_VERSION) -> dict[str, Any]:
    """One plausible raw answers object of an instrument version (cleaned by the caller)."""
    v1 = version == "1"
    onset_activity = (
        {"running": 86, "walking": 5, "other": 4, "unsure": 5}
        if v1
        else {"running": 83, "cycling": 4, "walking": 5, "other": 3, "unsure": 5}
    )
    region_codes = ["glutes", "hip_front", "quads", "hamstrings", "calf", "shin", "ankle", "foot"]
    region_codes += ["toes"] if v1 else ["knee", "toes"]
    onset_age = min(max(int(rng.triangular(14, 62, 22)), 12), 80)
    duration = min(int(rng.expovariate(1 / 5)), 30)
    age = min(onset_age + duration, 100)
    a: dict[str, Any] = {
        "age": age,
        "onset_age": onset_age,
        "running_years": rng.randint(0, max(0, min(onset_age - 8, 40))),
        "side": _pick(rng, {"right": 45, "left": 40, "both": 12, "unsure": 3}),
        "onset_activity": _pick(rng, onset_activity),
        "sensations": _some(rng, ["aching", "tightness", "soreness", "weakness"], 1, 3)
        if rng.random() > 0.03
        else ["none"],
        "coordination_loss": _pick(rng, {"always": 60, "sometimes": 35, "never": 5}),
        "context": _pick(rng, {"only_running": 55, "mainly_running": 35, "also_other": 10}),
        "regions": _some(rng, region_codes, 1, 4),
        "first_region": _pick(
            rng, {"hip_thigh": 50, "calf_shin": 20, "foot_ankle_toes": 25, "unsure": 5}
        ),
        "numbness": _yes(rng, 0.08),
        "tingling": _yes(rng, 0.08),
        "burning": _yes(rng, 0.04),
        "shooting_pain": _yes(rng, 0.05),
        "localized_pain": _yes(rng, 0.1),
        "pain_level": min(int(rng.expovariate(1 / 1.5)), 10),
        "weakness_daily": _yes(rng, 0.07),
        "walking": _pick(rng, {"none": 55, "slight": 35, "significant": 10}),
        "rest_tremor": _yes(rng, 0.02),
        "bladder_bowel_saddle": _yes(rng, 0.005),
        "sudden_weakness": _yes(rng, 0.005),
        "acute_limb": _yes(rng, 0.005),
    }
    _maybe(rng, a, "sex", _pick(rng, {"male": 60, "female": 35, "other": 2, "prefer_not": 3}), 0.95)
    _maybe(rng, a, "weekly_km", rng.randint(20, 180), 0.8)
    level = {"recreational": 35, "club": 35, "school_college": 20, "elite": 10}
    _maybe(rng, a, "level", _pick(rng, level), 0.85)
    _maybe(rng, a, "relief_on_stopping", _pick(rng, {"fast": 70, "slow": 20, "no": 10}), 0.9)
    gait = [
        "crossover",
        "leg_rotates_out",
        "leg_rotates_in",
        "foot_splay",
        "foot_turns_in",
        "foot_turns_out",
        "foot_drop_drag",
        "toe_curl",
        "knee_control",
        "trips",
        "shoe_wear_asymmetry",
    ]
    _maybe(rng, a, "gait_signs", _some(rng, gait, 1, 3) if rng.random() > 0.2 else ["none"], 0.85)
    _maybe(rng, a, "muscles_pull", _pick(rng, {"yes": 40, "no": 40, "unsure": 20}), 0.85)
    _maybe(rng, a, "pain_before", _pick(rng, {"yes": 20, "no": 70, "unsure": 10}), 0.8)
    for item_id, p in (
        ("back_pain_radiating", 0.06),
        ("groin_hip_pain", 0.1),
        ("exertional_calf", 0.04),
    ):
        _maybe(rng, a, item_id, _yes(rng, p), 0.85)
    for item_id in ("faster_worse", "flat_worse", "continuous_worse"):
        _maybe(rng, a, item_id, _pick(rng, {"yes": 65, "no": 20, "unsure": 15}), 0.85)
    triggers = ["cycling", "elliptical", "swimming", "aquajogging", "walking", "stairs"]
    _maybe(
        rng,
        a,
        "other_activity_triggers",
        _some(rng, triggers, 1, 2) if rng.random() < 0.3 else ["none"],
        0.8,
    )
    tricks = [
        "backwards",
        "sideways",
        "barefoot_grass",
        "trails",
        "run_in_place",
        "shoes",
        "dual_task",
    ]
    roll = rng.random()
    trick_answer = (
        _some(rng, tricks, 1, 3) if roll < 0.5 else ["none_helped"] if roll < 0.8 else ["not_tried"]
    )
    _maybe(rng, a, "tricks", trick_answer, 0.85)
    _maybe(rng, a, "gym_strength_equal", _pick(rng, {"yes": 60, "no": 25, "unsure": 15}), 0.7)
    _maybe(rng, a, "spread_other", _yes(rng, 0.1), 0.85)
    course = {"improving": 15, "stable": 40, "fluctuating": 30, "worsening": 15}
    _maybe(rng, a, "course", _pick(rng, course), 0.9)
    _maybe(rng, a, "parkinsonism", _yes(rng, 0.02), 0.85)
    _maybe(rng, a, "other_neuro", _yes(rng, 0.03), 0.85)
    ortho = {"not_examined": 30, "nothing_found": 35, "minor_findings": 30, "clear_cause": 5}
    _maybe(rng, a, "exam_ortho", _pick(rng, ortho), 0.9)
    _maybe(rng, a, "exam_neuro", _pick(rng, {"not_done": 50, "normal": 45, "abnormal": 5}), 0.85)
    if v1:
        _maybe(rng, a, "diagnosis_explains", _pick(rng, {"no": 70, "partly": 25, "yes": 5}), 0.9)
    else:
        diagnosis = {"none": 60, "dystonia": 10, "other_full": 4, "other_partial": 16, "unsure": 10}
        _maybe(rng, a, "prior_diagnosis", _pick(rng, diagnosis), 0.9)
        operations = [code for code in codes_of("procedures") if code != "none"]
        # About a third of the Mayo series had invasive procedures before the diagnosis.
        procedures = _some(rng, operations, 1, 2) if rng.random() < 0.3 else ["none"]
        _maybe(rng, a, "procedures", procedures, 0.8)
        family = _pick(rng, {"none": 80, "unsure": 12, "dystonia": 4, "parkinsons": 4})
        _maybe(rng, a, "family_history", [family], 0.8)
        _maybe(rng, a, "gait_video", _yes(rng, 0.35), 0.8)
    for test in TESTS:
        result = {"not_done": 60, "normal": 30, "abnormal": 5, "unsure": 5}
        _maybe(rng, a, test, _pick(rng, result), 0.6)
    injuries = ["stress_fracture", "plantar_fascia", "achilles", "knee", "hip", "hamstring", "calf"]
    _maybe(
        rng,
        a,
        "secondary_injuries",
        _some(rng, injuries, 1, 2) if rng.random() < 0.4 else ["none"],
        0.7,
    )
    if rng.random() < 0.7:
        levels = ["no_limit", "limited", "cannot"]
        for activity in LIMIT_ACTIVITIES:
            typical = rng.choices(levels, weights=(45, 40, 15))[0]
            worst = levels[min(levels.index(typical) + rng.randint(0, 1), 2)]
            if rng.random() < 0.08:
                typical = worst = "not_tried"
            a[f"typical_{activity}"] = typical
            a[f"worst_{activity}"] = worst
    if rng.random() < 0.15:
        a["own_words"] = rng.choice(
            (
                "My right leg swings across when I run fast on the road.",
                "The foot turns in after a few kilometres; trails are better.",
                "Feels like the hamstring will not let the leg swing through.",
                "Fine at easy pace, falls apart at tempo pace on the track.",
            )
        )
    return a


def draw_version(rng: random.Random) -> str:
    """Version 1 for about ``V1_SHARE`` of the rows, else the current version."""
    return "1" if rng.random() < V1_SHARE else versions.CURRENT_VERSION


def draw_fields(rng: random.Random) -> dict[str, Any]:
    """The stored fields of one drawn submission, under the version drawn for it."""
    version = draw_version(rng)
    definition = versions.instrument_for(version)
    answers = definition.validate(definition.drop_hidden(draw_answers(rng, version)))
    return Submission.fields_from(answers, instrument_version=version)


def draw_row(rng: random.Random, today: datetime.date) -> dict[str, Any]:
    fields = draw_fields(rng)
    day = today - datetime.timedelta(days=rng.randrange(SPREAD_DAYS))
    return {
        **fields,
        "created_on": day,
        "consent_on": day,
        "share_for_research": True,
        "consent_version": CONSENT_VERSION,
    }


# Columns that differ on every row, then those copied from a drawn profile.
ROW_COLUMNS = ("id", "public_id", "reference", "created_on", "consent_on")
PROFILE_COLUMNS = (
    "answers",
    "instrument_version",
    "scoring_version",
    "issued_result",
    "category",
    "pattern",
    "criteria_supported",
    "flags",
    "flag_mask",
    "side",
    "onset_band",
    "age",
    "onset_age",
    "running_years",
    "weekly_km",
    "pain_level",
    "sex",
    "criteria_mask",
    "limits_worst",
    "limits_typical",
    *DEFINITION_FIELDS,
    "closed_answers",
    "share_for_research",
    "consent_version",
)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _profiles(task: tuple[int, int]) -> list[str]:
    """``count`` drawn, validated and scored submissions as COPY text (runs in a worker)."""
    count, seed = task
    rng = random.Random(seed)
    profiles = []
    for _ in range(count):
        fields = {
            **draw_fields(rng),
            "share_for_research": True,
            "consent_version": CONSENT_VERSION,
        }
        if set(fields) != set(PROFILE_COLUMNS):
            # A column Submission.fields_from gained (or lost) must be copied too.
            raise RuntimeError(f"COPY columns differ: {sorted(set(fields) ^ set(PROFILE_COLUMNS))}")
        profiles.append("\t".join(_copy_text(fields[c]) for c in PROFILE_COLUMNS))
    return profiles


class Command(BaseCommand):
    help = "Create N synthetic consented submissions (answers drawn from the instrument, scored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many submissions to create")
        parser.add_argument("--seed", type=int, default=None, help="random seed (repeatable runs)")
        parser.add_argument(
            "--workers", type=int, default=2, help="processes drawing rows (PostgreSQL)"
        )
        parser.add_argument(
            "--distinct",
            type=int,
            default=DISTINCT,
            help="PostgreSQL: at most this many distinct answer sets, each given to several "
            "rows with their own date, id and reference (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count < 1:
            raise CommandError("count must be at least 1")
        seed = options["seed"] if options["seed"] is not None else random.randrange(1 << 30)
        started = time.perf_counter()
        first_id = (
            Submission.objects.order_by("-id").values_list("id", flat=True).first() or 0
        ) + 1
        today = datetime.date.today()
        if connection.vendor == "postgresql":
            distinct = max(1, min(count, options["distinct"]))
            self._copy(first_id, count, seed, today, max(1, options["workers"]), distinct)
        else:
            self._bulk_create(first_id, count, seed, today)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"created {count} submissions in {elapsed:.1f} s ({count / elapsed:,.0f} rows/s)"
        )

    def _bulk_create(self, first_id: int, count: int, seed: int, today: datetime.date) -> None:
        rng = random.Random(seed)
        batch: list[Submission] = []
        with transaction.atomic():
            for row_id in range(first_id, first_id + count):
                row = draw_row(rng, today)
                batch.append(Submission(id=row_id, reference=reference_for(row_id), **row))
                if len(batch) >= 2000:
                    Submission.objects.bulk_create(batch)
                    batch = []
            Submission.objects.bulk_create(batch)

    def _copy(
        self,
        first_id: int,
        count: int,
        seed: int,
        today: datetime.date,
        workers: int,
        distinct: int,
    ) -> None:
        tasks = [
            (min(CHUNK, distinct - start), seed + start) for start in range(0, distinct, CHUNK)
        ]
        started = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            profiles = [text for chunk in pool.imap(_profiles, tasks) for text in chunk]
        self.stdout.write(
            f"  drew and scored {len(profiles):,} answer sets in "
            f"{time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        rng = random.Random(seed)
        days = [(today - datetime.timedelta(days=d)).isoformat() for d in range(SPREAD_DAYS)]
        table = Submission._meta.db_table
        columns = ", ".join(ROW_COLUMNS + PROFILE_COLUMNS)
        with transaction.atomic(), connection.cursor() as cursor:
            rebuilt = self._drop_plain_indexes(cursor, table, count)
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                lines: list[str] = []
                for row_id in range(first_id, first_id + count):
                    # Each answer set once before any repeats; then at random.
                    n = row_id - first_id
                    profile = profiles[n] if n < distinct else rng.choice(profiles)
                    day = rng.choice(days)
                    public_id = uuid.uuid4()
                    lines.append(
                        f"{row_id}\t{public_id}\t{reference_for(row_id)}\t{day}\t{day}\t{profile}\n"
                    )
                    if len(lines) >= 20_000:
                        copy.write("".join(lines).encode())
                        lines = []
                copy.write("".join(lines).encode())
            self.stdout.write(f"  copied {count:,} rows in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            if rebuilt:
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for definition in rebuilt:
                    cursor.execute(definition)
                self.stdout.write(
                    f"  rebuilt {len(rebuilt)} indexes in {time.perf_counter() - started:.1f} s"
                )
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",
                [table],
            )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")

    def _drop_plain_indexes(self, cursor: Any, table: str, count: int) -> list[str]:
        """For a load at least as large as the table, drop the non-unique indexes.

        Building an index once after the load is much faster than updating a
        dozen of them row by row; the definitions are returned to be run again
        in the same transaction. Unique constraints stay, so every row is
        still checked.
        """
        cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS s", [count])
        if count < BULK_INDEX_REBUILD or cursor.fetchone()[0] >= count:
            return []
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _, definition in indexes]
