"""Exports of consented submissions, streamed row by row, each in a data package.

Two profiles. The **anonymous** one, every reviewer's and the default, gives
the five facts a club-mate knows (age, sex, years running, weekly km, when)
as bands and a month, leaves out the reference, the day and the free text,
and then makes every combination of those five shared by at least
``anonymity.K`` rows (generalising rare rows further, or leaving them out:
``reviewer.anonymity``). The **pseudonymous** one, for data stewards only,
with a reason and an audit entry, keeps the reference, the day and the exact
figures, and the free text when asked for.

Every download, from the admin or from ``manage.py export``, is a ZIP holding
the data file and ``datapackage.json`` (a Frictionless Data Package whose
Table Schema names every column, its type, its codes with their labels, the
instrument versions and what the anonymity rule did), so that R, pandas or a
spreadsheet user reads it without our code. Rows are read with
``iterator(chunk_size=...)`` and the ZIP is written as it goes, so memory
stays flat whatever the number of rows.

CSV cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) get a leading apostrophe,
as OWASP recommends for CSV injection; so do cells starting with a space or a
line break (a spreadsheet may trim them off first) or with a full-width
``＝ ＋ － ＠`` (which some spreadsheets read as the ASCII sign).

Rows of every instrument version share one layout: each row names its
``instrument_version`` and ``scoring_version``, and the answer columns are
the union of every version's items (the current version's in its order,
then those only an earlier version asked, such as version 1's
``diagnosis_explains``), empty where a row's version did not ask the item.
Values are the stored codes, exactly as the runner gave them.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import json
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import (
    BinaryField,
    Count,
    F,
    Func,
    Prefetch,
    QuerySet,
    Value,
)
from django.db.models.functions import TruncMonth

from reviewer import anonymity
from screening import closed_answers, fhir, followup, followup_questions, scoring, versions
from screening.instrument import Kind
from screening.models import DEFINITION_FIELDS, AuditEntry, FollowUp, flag_mask

CHUNK_SIZE = 2000
FORMULA_CHARACTERS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
# A spreadsheet skips leading spaces and invisible characters before it reads a
# formula, so a cell that starts with one is defused too: any space separator
# (Zs), control character (Cc) or format character (Cf, e.g. U+200B, U+FEFF).
SKIPPED_CATEGORIES = frozenset({"Zs", "Cc", "Cf"})


@functools.cache
def formula_starts() -> tuple[str, ...]:
    """Every first character that gets a cell defused (for the PostgreSQL path,
    which cannot ask for a Unicode category; NUL cannot be in its text)."""
    skipped = (
        chr(code)
        for code in range(1, sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in SKIPPED_CATEGORIES
    )
    return (*FORMULA_CHARACTERS, *skipped)


class Profile(StrEnum):
    ANONYMOUS = "anonymous"
    PSEUDONYMOUS = "pseudonymous"


# Row-level formats (one data file each) and the aggregate table.
FORMATS = ("csv", "jsonl", "fhir", "aggregate")
DATA_FILES = {
    "csv": ("submissions.csv", "text/csv", "csv"),
    "jsonl": ("submissions.jsonl", "application/x-ndjson", "jsonl"),
    "fhir": ("submissions.fhir.ndjson", "application/fhir+ndjson", "ndjson"),
    "aggregate": ("aggregates.csv", "text/csv", "csv"),
}


def _asked_by() -> dict[str, str]:
    """For each item, the latest version that asked it (whose words label its codes)."""
    asked: dict[str, str] = {}
    for version in (versions.CURRENT_VERSION, *reversed(versions.VERSIONS)):
        for item_id in versions.instrument_for(version).ITEMS:
            asked.setdefault(item_id, version)
    return asked


# The answer columns of an export (by kind: values compare equal across versions).
ITEMS = versions.all_items()
ASKED_BY = _asked_by()
FREE_TEXT_ITEMS = tuple(item_id for item_id, item in ITEMS.items() if item.kind == Kind.TEXT)
CHUNK_BYTES = 64 * 1024
BAND_YEARS = 5

# The anonymous profile writes these items as bands; the quasi-identifiers among
# them get the band of their row's anonymity step, age at onset always 5 years.
ANONYMOUS_BANDS = {
    "age": "age_band",
    "onset_age": "onset_age_band",
    "running_years": "running_years_band",
    "weekly_km": "weekly_km_band",
}

# The result columns, from the stored submission (the result as issued).
RESULT_COLUMNS = (
    "instrument_version",
    "scoring_version",
    "category",
    "pattern",
    "criteria_supported",
    "flags",
    "onset_band",
    *DEFINITION_FIELDS,
)
META_COLUMNS = {
    Profile.ANONYMOUS: ("row", "created_period", "disclosure_step", *RESULT_COLUMNS),
    Profile.PSEUDONYMOUS: ("reference", "created_on", *RESULT_COLUMNS),
}
# Read from each row: the result columns, then what the profiles need.
_STORED = ("reference", "created_on", *RESULT_COLUMNS, "answers")


def age_band(value: int | None) -> str:
    """A 5-year band such as ``"25-29"``; empty when not answered.

    >>> [age_band(v) for v in (12, 24, 25, 100, None)]
    ['10-14', '20-24', '25-29', '100-104', '']
    """
    return anonymity.band(value, BAND_YEARS)


def neutralise(cell: str) -> str:
    """Defuse a CSV cell that a spreadsheet would evaluate as a formula.

    >>> [neutralise(s) for s in ("=1+1", "-2", "@SUM(A1)", "\\tx", "plain", "")]
    ["'=1+1", "'-2", "'@SUM(A1)", "'\\tx", 'plain', '']
    >>> [neutralise(s) for s in ("\\u00a0=1", "\\u200b+1", "\\ufeff@x", "\\u3000-1", "\\v=1")]
    ["'\\xa0=1", "'\\u200b+1", "'\\ufeff@x", "'\\u3000-1", "'\\x0b=1"]
    """
    if not cell:
        return cell
    first = cell[0]
    if first in FORMULA_CHARACTERS or unicodedata.category(first) in SKIPPED_CATEGORIES:
        return "'" + cell
    return cell


def item_columns(profile: Profile, include_free_text: bool) -> list[str]:
    """The instrument items exported, in instrument order (banded ones renamed)."""
    columns = []
    for item_id in ITEMS:
        if item_id in FREE_TEXT_ITEMS and not (
            include_free_text and profile is Profile.PSEUDONYMOUS
        ):
            continue
        if profile is Profile.ANONYMOUS and item_id in ANONYMOUS_BANDS:
            columns.append(ANONYMOUS_BANDS[item_id])
        else:
            columns.append(item_id)
    return columns


def header(profile: Profile, include_free_text: bool = False) -> list[str]:
    return [*META_COLUMNS[profile], *item_columns(profile, include_free_text)]


# A row's first-step anonymity key as the database groups it: each band by its start
# divided by the band's width (NULL when not answered), the sex, and the month.
FirstKey = tuple[int | None, str, int | None, int | None, datetime.date]


def first_keys_of(queryset: QuerySet) -> list[tuple[FirstKey, anonymity.Key, int]]:
    """Rows counted by their first-step anonymity key (one GROUP BY), each with the key
    as ``anonymity.quasi_key`` writes it, for the plan and for the COPY export's lookup."""
    first = anonymity.STEPS[0]
    grouped = (
        queryset.order_by()
        .values(
            a=F("age") / first.age_years,
            s=F("sex"),
            y=F("running_years") / first.running_years,
            k=F("weekly_km") / first.weekly_km,
            m=TruncMonth("created_on"),
        )
        .annotate(n=Count("*"))
        .values_list("a", "s", "y", "k", "m", "n")
    )
    keys = []
    for a, sex, y, k, month, n in grouped:
        # A band's start stands for every value in it: quasi_key bands it the same way.
        facts = (
            None if a is None else a * first.age_years,
            sex or "",
            None if y is None else y * first.running_years,
            None if k is None else k * first.weekly_km,
            month,
        )
        keys.append(((a, sex or "", y, k, month), anonymity.quasi_key(facts, first), n))
    return keys


def _facts(answers: dict[str, Any], day: datetime.date) -> anonymity.Facts:
    return (
        answers.get("age"),
        answers.get("sex") or "",
        answers.get("running_years"),
        answers.get("weekly_km"),
        day,
    )


def anonymous_record(stored: dict[str, Any], plan: anonymity.Plan) -> dict[str, Any] | None:
    """A row of the anonymous profile, or None when the plan leaves it out."""
    answers = stored["answers"]
    placed = plan.key_for(_facts(answers, stored["created_on"]))
    if placed is None:
        return None
    step, (age, _sex, running_years, weekly_km, created_period) = placed
    record: dict[str, Any] = {"row": None, "created_period": created_period}
    record["disclosure_step"] = step
    record.update((column, stored[column]) for column in RESULT_COLUMNS)
    bands = {
        "age": age,
        "onset_age": age_band(answers.get("onset_age")),
        "running_years": running_years,
        "weekly_km": weekly_km,
    }
    get = answers.get
    for item_id, banded in _ANONYMOUS_ITEMS:
        if banded:
            record[banded] = bands[item_id] or None
        else:
            record[item_id] = get(item_id)
    return record


# The anonymous profile's items in file order, each with its band column (or "").
_ANONYMOUS_ITEMS = tuple(
    (item_id, ANONYMOUS_BANDS.get(item_id, ""))
    for item_id in ITEMS
    if item_id not in FREE_TEXT_ITEMS
)


def _zip_member(name: str, stamp: tuple[int, ...]) -> zipfile.ZipInfo:
    """A deflated member dated to the day, compressed at level 1: the codes still shrink
    to about a fifth, five times faster than zlib's default level 6, which cost a
    quarter of a large export's time."""
    info = zipfile.ZipInfo(name, stamp)  # type: ignore[arg-type]
    info.compress_type = zipfile.ZIP_DEFLATED
    # ZipFile.open() reads a member's level from here (Python 3.13 names it compress_level).
    info._compresslevel = 1  # type: ignore[attr-defined]
    return info


def pseudonymous_record(stored: dict[str, Any], include_free_text: bool) -> dict[str, Any]:
    """A row of the pseudonymous profile: reference, day and exact answers."""
    record: dict[str, Any] = {
        "reference": stored["reference"],
        "created_on": stored["created_on"].isoformat(),
    }
    record.update((column, stored[column]) for column in RESULT_COLUMNS)
    answers = stored["answers"]
    for item_id in ITEMS:
        if item_id in FREE_TEXT_ITEMS and not include_free_text:
            continue
        record[item_id] = answers.get(item_id)
    return record


class _Echo:
    """A file-like object whose write returns the text, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


class _Lines:
    """CSV lines ending in LF, as PostgreSQL's COPY writes them.

    The writer is told the line ends in CR LF so that it quotes any field
    holding a CR or an LF; each line's CR LF then becomes a single LF.
    """

    def __init__(self) -> None:
        self._writer = csv.writer(_Echo(), lineterminator="\r\n")

    def row(self, cells: Iterable[Any]) -> str:
        return self._writer.writerow(cells)[:-2] + "\n"


def _code_lines(records: Iterable[dict[str, Any]], columns: list[str]) -> Iterator[str]:
    """CSV lines of rows that hold only codes, numbers, bands and periods (no CR or LF
    can occur in them, so the writer's own LF ends each line), in batches."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    batch = []
    for record in records:
        batch.append([_code_cell(record[c]) for c in columns])
        if len(batch) >= 500:
            writer.writerows(batch)
            batch = []
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    writer.writerows(batch)
    if out.tell():
        yield out.getvalue()


def _code_cell(value: Any) -> Any:
    """A cell of codes, numbers or bands (no text a runner typed)."""
    if value is None:
        return ""
    if type(value) is list:
        return ";".join(value)
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return neutralise(str(value))


# Left as typed by json.dumps(ensure_ascii=False), and legal in JSON, but line
# readers (Python's str.splitlines, many log tools) end a line at each of them.
_LINE_ENDINGS_ESCAPED = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).translate(_LINE_ENDINGS_ESCAPED) + "\n"


def _batched(lines: Iterable[str], size: int = 500) -> Iterator[str]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def aggregate_csv(rows: Iterable[tuple[str, str, str]]) -> Iterator[str]:
    lines = _Lines()
    yield lines.row(["table", "group", "count"])
    for row in rows:
        yield lines.row([neutralise(cell) for cell in row])


@dataclass
class Export:
    """One export: its rows, format and profile; counts the rows as it writes them.

    ``aggregate_rows`` gives the aggregate table (format "aggregate"), computed
    by the caller under the disclosure rule.
    """

    queryset: QuerySet
    fmt: str
    profile: Profile = Profile.ANONYMOUS
    include_free_text: bool = False
    filters: str = ""
    aggregate_rows: Callable[[], Iterable[tuple[str, str, str]]] | None = None
    rows: int = 0
    followup_rows: int = 0
    plan: anonymity.Plan | None = field(default=None, init=False)
    # Anonymous: the file's row number of each exported screening that has shared
    # follow-ups (only those, so memory stays small), to link its follow-ups.
    _row_of: dict[int, int] = field(default_factory=dict, init=False)
    _followed: set[int] | None = field(default=None, init=False)
    _grouped: list[tuple[FirstKey, anonymity.Key, int]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        if self.include_free_text and self.profile is not Profile.PSEUDONYMOUS:
            raise ValueError("free text is exported only in the pseudonymous profile")
        self.queryset = self.queryset.order_by("id")

    @property
    def file_name(self) -> str:
        return f"submissions-{self.profile}-{datetime.date.today().isoformat()}.zip"

    # --- the rows ---------------------------------------------------------------

    def _plan(self) -> anonymity.Plan:
        if self.plan is None:
            counts: Counter[anonymity.Key] = Counter()
            for _raw, key, n in self._first_keys():
                counts[key] += n
            self.plan = anonymity.plan_from_counts(counts)
        return self.plan

    def records(self) -> Iterator[dict[str, Any]]:
        """The export's rows as dicts (column -> value), counted as they go."""
        stored_rows = self.queryset.values("id", *_STORED).iterator(chunk_size=CHUNK_SIZE)
        if self.profile is Profile.ANONYMOUS:
            plan = self._plan()
            followed_up = self._followed_up()
            for stored in stored_rows:
                record = anonymous_record(stored, plan)
                if record is not None:
                    self.rows += 1
                    record["row"] = self.rows
                    if stored["id"] in followed_up:
                        self._row_of[stored["id"]] = self.rows
                    yield record
        else:
            for stored in stored_rows:
                self.rows += 1
                yield pseudonymous_record(stored, self.include_free_text)

    def data_chunks(self) -> Iterator[str | bytes]:
        if self.fmt == "csv":
            if connection.vendor == "postgresql":
                return self._pg_csv_chunks()
            return self._csv_chunks()
        if self.fmt == "jsonl":
            return _batched(_json_line(record) for record in self.records())
        if self.fmt == "fhir":
            return _batched(self._fhir_lines(), 50)
        return self._aggregate_chunks()

    def _csv_chunks(self) -> Iterator[str]:
        lines = _Lines()
        columns = header(self.profile, self.include_free_text)
        yield lines.row(columns)
        # The anonymous profile holds no free text: only codes, numbers, bands and
        # periods, none of which can start like a formula, so no cell needs defusing.
        if self.profile is Profile.ANONYMOUS:
            yield from _code_lines(self.records(), columns)
            return
        yield from _batched(
            lines.row([_csv_cell(record[c]) for c in columns]) for record in self.records()
        )

    def _pg_csv_chunks(self) -> Iterator[str | bytes]:
        yield _Lines().row(header(self.profile, self.include_free_text))
        if self.profile is Profile.ANONYMOUS:
            anonymous = PgAnonymousCsv(
                self.queryset, self._plan(), self._first_keys(), self._followed_up()
            )
            yield from anonymous
            self.rows, self._row_of = anonymous.rows, anonymous.row_of
            return
        copied = PgCsv(self.queryset, self.include_free_text)
        yield from copied
        self.rows = copied.rows

    def _first_keys(self) -> list[tuple[FirstKey, anonymity.Key, int]]:
        if self._grouped is None:
            self._grouped = first_keys_of(self.queryset)
        return self._grouped

    def _aggregate_chunks(self) -> Iterator[str]:
        if self.aggregate_rows is None:
            raise ValueError("the aggregate format needs its rows")
        lines = aggregate_csv(self.aggregate_rows())
        yield next(lines)  # the header
        for line in lines:
            self.rows += 1
            yield line

    def _fhir_lines(self) -> Iterator[str]:
        """One FHIR resource per line (Bulk Data NDJSON): each response, then its Observations.

        Anonymous: no reference, an export-local id instead of the submission's
        public id, the month or year as ``authored`` (FHIR allows a partial
        date), and none of the four integers the CSV gives as bands (FHIR types
        them as integers, so they cannot travel as bands).
        """
        pseudonymous = self.profile is Profile.PSEUDONYMOUS
        plan = None if pseudonymous else self._plan()
        with_followups = self.queryset.prefetch_related(
            Prefetch(
                "followups",
                queryset=FollowUp.objects.filter(share_for_research=True).order_by("number"),
                to_attr="shared_followups",
            )
        )
        for number, submission in enumerate(with_followups.iterator(chunk_size=500), start=1):
            answers = submission.answers
            authored: Any = submission.created_on
            response_id = str(submission.public_id)
            if plan is not None:
                placed = plan.key_for(_facts(answers, submission.created_on))
                if placed is None:
                    continue
                authored = _Partial(placed[1][-1])
                response_id = f"row-{number}"
                answers = {k: v for k, v in answers.items() if k not in ANONYMOUS_BANDS}
            shared = SimpleNamespace(
                answers=answers,
                result=submission.result,
                created_on=authored,
                public_id=response_id,
                reference=submission.reference,
                instrument_version=submission.instrument_version,
            )
            bundle = fhir.bundle_for_submissions(
                [shared], with_reference=pseudonymous, include_free_text=self.include_free_text
            )
            self.rows += 1
            for entry in bundle.get("entry", []):
                yield _json_line(entry["resource"])
            for item in submission.shared_followups:
                response = fhir.followup_response(
                    item.answers
                    if self.include_free_text
                    else {k: v for k, v in item.answers.items() if k not in FOLLOWUP_FREE_TEXT},
                    item.created_on,
                    resource_id=f"{response_id}-followup-{item.number}",
                    screening_response_id=response_id,
                )
                if plan is not None:
                    del response["authored"]  # no day, and no month beyond the screening's
                self.followup_rows += 1
                yield _json_line(response)

    # --- follow-ups ---------------------------------------------------------------

    def _shared_followups(self) -> QuerySet[FollowUp]:
        return FollowUp.objects.filter(
            share_for_research=True, submission__in=self.queryset.values("pk")
        ).order_by("submission_id", "number")

    def _followed_up(self) -> set[int]:
        if self._followed is None:
            self._followed = set(self._shared_followups().values_list("submission_id", flat=True))
        return self._followed

    def followup_records(self) -> Iterator[dict[str, Any]]:
        """The shared follow-ups of the exported screenings (anonymous: of the rows kept)."""
        anonymous = self.profile is Profile.ANONYMOUS
        rows = self._shared_followups().select_related("submission")
        for item in rows.iterator(chunk_size=CHUNK_SIZE):
            if anonymous:
                row = self._row_of.get(item.submission_id)
                if row is None:
                    continue  # its screening was left out by the anonymity rule
                record = followup_record(item, self.profile, False, row=row)
            else:
                record = followup_record(item, self.profile, self.include_free_text)
            self.followup_rows += 1
            yield record

    def followup_chunks(self) -> Iterator[str]:
        columns = followup_columns(self.profile, self.include_free_text)
        if self.fmt == "jsonl":
            yield from _batched(_json_line(record) for record in self.followup_records())
            return
        lines = _Lines()
        yield lines.row(columns)
        yield from _batched(
            lines.row([_csv_cell(record[c]) for c in columns]) for record in self.followup_records()
        )

    # --- the package ------------------------------------------------------------

    def datapackage(self) -> dict[str, Any]:
        """The Frictionless Data Package describing the data file (after it is written)."""
        name, mediatype, file_format = DATA_FILES[self.fmt]
        resource: dict[str, Any] = {
            "name": "aggregates" if self.fmt == "aggregate" else "submissions",
            "path": name,
            "format": file_format,
            "mediatype": mediatype,
            "encoding": "utf-8",
        }
        if self.fmt in ("csv", "jsonl"):
            resource["schema"] = table_schema(self.profile, self.include_free_text)
        elif self.fmt == "aggregate":
            resource["schema"] = AGGREGATE_SCHEMA
        else:
            resource["description"] = (
                "FHIR R4 resources, one per line (FHIR Bulk Data NDJSON): each "
                "QuestionnaireResponse, answering the Questionnaire of its instrument "
                "version, followed by its result Observations."
            )
        stride: dict[str, Any] = {
            "profile": str(self.profile),
            "format": self.fmt,
            "rows": self.rows,
            "filters": self.filters or "none",
            "instrument_versions": list(versions.VERSIONS),
            "current_instrument_version": versions.CURRENT_VERSION,
            "free_text": self.include_free_text,
        }
        if self.profile is Profile.ANONYMOUS and self.fmt != "aggregate":
            stride["anonymity"] = self._plan().summary()
        resources = [resource]
        if self.fmt in FOLLOWUP_FILES:
            name, mediatype, file_format = FOLLOWUP_FILES[self.fmt]
            resources.append(
                {
                    "name": "followups",
                    "path": name,
                    "format": file_format,
                    "mediatype": mediatype,
                    "encoding": "utf-8",
                    "description": "The shared follow-ups (followup.md) of the exported "
                    "screenings, linked by "
                    + (
                        "submission_row (the row column)"
                        if self.profile is Profile.ANONYMOUS
                        else "reference"
                    )
                    + ".",
                    "schema": followup_schema(self.profile, self.include_free_text),
                }
            )
            stride["followup_rows"] = self.followup_rows
        return {
            "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": f"stride-screen-submissions-{self.profile}",
            "title": "Stride Screen: shared screening submissions",
            "description": PROFILE_DESCRIPTIONS[self.profile],
            "created": datetime.date.today().isoformat(),
            "resources": resources,
            "stride": stride,
        }

    def zip_chunks(self) -> Iterator[bytes]:
        """The ZIP of the data file then datapackage.json, written as the rows come."""
        pipe = _Pipe()
        today = datetime.date.today()
        stamp = (today.year, today.month, today.day, 0, 0, 0)  # the day, no time
        with zipfile.ZipFile(pipe, "w") as archive:
            info = _zip_member(DATA_FILES[self.fmt][0], stamp)
            with archive.open(info, "w", force_zip64=True) as data:
                for chunk in self.data_chunks():
                    data.write(chunk.encode() if isinstance(chunk, str) else chunk)
                    if pipe.size >= CHUNK_BYTES:
                        yield pipe.take()
            if self.fmt in FOLLOWUP_FILES:
                info = _zip_member(FOLLOWUP_FILES[self.fmt][0], stamp)
                with archive.open(info, "w", force_zip64=True) as data:
                    for chunk in self.followup_chunks():
                        data.write(chunk.encode())
                        if pipe.size >= CHUNK_BYTES:
                            yield pipe.take()
            info = _zip_member("datapackage.json", stamp)
            archive.writestr(info, json.dumps(self.datapackage(), indent=2, ensure_ascii=False))
        yield pipe.take()


def streamed(export: Export, finished: Callable[[int, str], None]) -> Iterator[bytes]:
    """The export's ZIP; ``finished(rows, outcome)`` is called once it ends, however it ends."""
    outcome = AuditEntry.Outcome.FAILED
    try:
        yield from export.zip_chunks()
        outcome = AuditEntry.Outcome.COMPLETE
    except GeneratorExit:
        outcome = AuditEntry.Outcome.INTERRUPTED
        raise
    finally:
        finished(export.rows, outcome)


class _Partial(str):
    """A month or a year where a date is expected (FHIR allows partial dates)."""

    __slots__ = ()

    def isoformat(self) -> str:
        return str(self)


class _Pipe:
    """A write-only file for zipfile (no seek, so it writes data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return out


# --- follow-ups ---------------------------------------------------------------------

FOLLOWUP_FILES = {
    "csv": ("followups.csv", "text/csv", "csv"),
    "jsonl": ("followups.jsonl", "application/x-ndjson", "jsonl"),
}
FOLLOWUP_RESULT_COLUMNS = (
    "number",
    "instrument_version",
    "scoring_version",
    "course",
    "change_walking",
    "limits_better",
    "limits_same",
    "limits_worse",
    "flags",
    "outcome",
    "outcome_detail",
)
FOLLOWUP_META = {
    # No day: how many whole months after the screening (a month is 30 days).
    Profile.ANONYMOUS: ("submission_row", "months_after_screening", *FOLLOWUP_RESULT_COLUMNS),
    Profile.PSEUDONYMOUS: ("reference", "created_on", *FOLLOWUP_RESULT_COLUMNS),
}
FOLLOWUP_FREE_TEXT = tuple(i for i, item in followup.ITEMS.items() if item.kind == Kind.TEXT)


def followup_columns(profile: Profile, include_free_text: bool) -> list[str]:
    items = [
        item_id
        for item_id in followup.ITEMS
        if item_id not in FOLLOWUP_FREE_TEXT
        or (include_free_text and profile is Profile.PSEUDONYMOUS)
    ]
    return [*FOLLOWUP_META[profile], *items]


def followup_record(
    item: FollowUp, profile: Profile, include_free_text: bool, *, row: int | None = None
) -> dict[str, Any]:
    """One follow-up's row: its result as issued, then its answers."""
    issued = item.issued_result
    limits = issued["change_limits"]
    record: dict[str, Any] = (
        {
            "submission_row": row,
            "months_after_screening": (item.created_on - item.submission.created_on).days // 30,
        }
        if profile is Profile.ANONYMOUS
        else {"reference": item.submission.reference, "created_on": item.created_on.isoformat()}
    )
    record.update(
        number=item.number,
        instrument_version=item.instrument_version,
        scoring_version=item.scoring_version,
        course=issued["course"],
        change_walking=issued["change_walking"],
        limits_better=limits["better"],
        limits_same=limits["same"],
        limits_worse=limits["worse"],
        flags=[flag["code"] for flag in issued["flags"]],
        outcome=issued["outcome"]["code"],
        outcome_detail=issued["outcome"]["detail"],
    )
    for item_id in followup_columns(profile, include_free_text)[len(FOLLOWUP_META[profile]) :]:
        record[item_id] = item.answers.get(item_id)
    return record


def followup_schema(profile: Profile, include_free_text: bool) -> dict[str, Any]:
    """The Table Schema of the follow-ups' file."""
    change = [c.value for c in followup.Change]
    known: dict[str, dict[str, Any]] = {
        "submission_row": {"type": "integer", "description": "The row of its screening."},
        "months_after_screening": {
            "type": "integer",
            "description": "Whole months (30 days) between the screening and the follow-up.",
        },
        "reference": {"type": "string", "description": "The reference of its screening."},
        "created_on": {"type": "date", "description": "The day the follow-up was sent."},
        "number": {"type": "integer", "description": "1 for the first follow-up, 2, ..."},
        "instrument_version": {"type": "string", "description": "llc-followup version."},
        "scoring_version": {"type": "string"},
        "course": {"type": "string", "constraints": {"enum": list(followup.COURSE)}},
        "change_walking": {"type": "string", "constraints": {"enum": change}},
        "limits_better": {"type": "integer", "description": "Activities less limited now."},
        "limits_same": {"type": "integer"},
        "limits_worse": {"type": "integer"},
        "flags": {"type": "list", "delimiter": ";", "itemType": "string"},
        "outcome": {
            "type": "string",
            "constraints": {"enum": list(followup.OUTCOMES)},
            "description": "What a clinician found (self-reported).",
        },
        "outcome_detail": {
            "type": "string",
            "constraints": {"enum": list(followup.DETAIL_CODES)},
        },
    }
    fields = []
    for column in followup_columns(profile, include_free_text):
        if column in known:
            fields.append({"name": column, **known[column]})
            continue
        item = followup.ITEMS[column]
        words = functools.partial(followup_questions.code_label, column)
        spec: dict[str, Any] = {"description": str(followup_questions.label(column))}
        if item.kind is Kind.ENUM:
            spec.update(
                type="string",
                constraints={"enum": list(item.codes)},
                categories=_categories(item.codes, words),
            )
        elif item.kind is Kind.MULTI:
            spec.update(
                type="list",
                delimiter=";",
                itemType="string",
                categories=_categories(item.codes, words),
            )
        else:
            spec.update(type="string")
        fields.append({"name": column, **spec})
    return {"fields": fields, "missingValues": [""]}


PROFILE_DESCRIPTIONS = {
    Profile.ANONYMOUS: (
        "Anonymous profile: no reference, no day (the month, or the year where the "
        f"month would single out fewer than {anonymity.K} rows), age, years running and "
        "weekly km as bands, no free text. Every combination of age band, sex, "
        "years-running band, weekly-km band and period is shared by at least "
        f"{anonymity.K} rows; rarer rows were generalised further or left out, as "
        "stride.anonymity counts."
    ),
    Profile.PSEUDONYMOUS: (
        "Pseudonymous profile, for data stewards: the reference a runner may quote, "
        "the day, exact figures and, where asked for, the runners' own words. Not "
        "anonymous: keep it as personal data."
    ),
}

AGGREGATE_SCHEMA = {
    "fields": [
        {"name": "table", "type": "string", "description": "The statistic."},
        {"name": "group", "type": "string", "description": "The group counted."},
        {
            "name": "count",
            "type": "string",
            "description": "Runners in the group; a cell the disclosure rule suppresses "
            f"(fewer than {anonymity.K} runners, or one that would let it be recovered) "
            "is empty.",
        },
    ],
    "missingValues": [""],
}


# --- the Table Schema ---------------------------------------------------------


def _categories(codes: Iterable[str], words: Callable[[str], Any]) -> list[dict[str, str]]:
    return [{"value": code, "label": str(words(code))} for code in codes]


def _plain(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _result_fields() -> dict[str, dict[str, Any]]:
    flag_titles = {rule.code: rule.title for rule in scoring.FLAG_RULES}
    statuses = [status.value for status in scoring.Status]
    fields: dict[str, dict[str, Any]] = {
        "reference": {
            "type": "string",
            "description": "The submission's reference, as the runner may quote it.",
        },
        "row": {
            "type": "integer",
            "description": "The row's number in this file (links its follow-ups; means "
            "nothing outside this export).",
        },
        "created_on": {"type": "date", "description": "The day the screening was sent."},
        "created_period": {
            "type": "string",
            "description": "The month (YYYY-MM) the screening was sent, or the year (YYYY) "
            f"where the month would single out fewer than {anonymity.K} rows "
            "(see disclosure_step).",
        },
        "disclosure_step": {
            "type": "integer",
            "description": "The anonymity step this row was written at: 0 as banded, "
            "1 the year instead of the month, 2 and 3 wider bands "
            "(stride.anonymity.steps).",
            "constraints": {"minimum": 0, "maximum": len(anonymity.STEPS) - 1},
        },
        "instrument_version": {
            "type": "string",
            "constraints": {"enum": list(versions.VERSIONS)},
            "description": "The instrument version the runner answered.",
        },
        "scoring_version": {
            "type": "string",
            "description": "The version of the rules the result was issued under.",
        },
        "category": {
            "type": "string",
            "description": "The triage result as issued (not the working definition).",
            "constraints": {"enum": [c.value for c in scoring.Category]},
            "categories": _categories([c.value for c in scoring.Category], _plain),
        },
        "pattern": {
            "type": "string",
            "constraints": {"enum": [p.value for p in scoring.Pattern]},
            "categories": _categories([p.value for p in scoring.Pattern], _plain),
        },
        "criteria_supported": {
            "type": "integer",
            "description": "How many of the eight runner's dystonia criteria the answers support.",
            "constraints": {"minimum": 0, "maximum": 8},
        },
        "flags": {
            "type": "list",
            "delimiter": ";",
            "itemType": "string",
            "description": "The exclusion and warning flags raised, by code.",
            "categories": _categories(flag_titles, flag_titles.__getitem__),
        },
        "onset_band": {
            "type": "string",
            "description": "Axis I age at onset, as the result gives it.",
        },
        "verdict": {
            "type": "string",
            "description": "The working definition of loss of leg coordination while "
            "running, as issued.",
            "constraints": {"enum": [v.value for v in scoring.Verdict]},
            "categories": _categories([v.value for v in scoring.Verdict], _plain),
        },
    }
    for component, title in scoring.COMPONENT_TITLES.items():
        fields[component] = {
            "type": "string",
            "description": f"Working definition component: {title}.",
            "constraints": {"enum": statuses},
            "categories": _categories(statuses, _plain),
        }
    return fields


def _item_field(item_id: str, column: str) -> dict[str, Any]:
    item = ITEMS[item_id]
    version = ASKED_BY[item_id]
    wording = versions.questions_for(version)
    description = str(wording.label(item_id))
    if version != versions.CURRENT_VERSION:
        description += f" (asked by instrument version {version} only)"
    words = functools.partial(wording.code_label, item_id)
    if column != item_id:
        return {"type": "string", "description": f"{description} As a band 'first-last'."}
    if item.kind is Kind.ENUM:
        return {
            "type": "string",
            "description": description,
            "constraints": {"enum": list(item.codes)},
            "categories": _categories(item.codes, words),
        }
    if item.kind is Kind.MULTI:
        return {
            "type": "list",
            "delimiter": ";",
            "itemType": "string",
            "description": description,
            "categories": _categories(item.codes, words),
        }
    if item.kind is Kind.INT:
        return {
            "type": "integer",
            "description": description,
            "constraints": {"minimum": item.min, "maximum": item.max},
        }
    return {"type": "string", "description": f"{description} (the runner's own words)"}


def table_schema(profile: Profile, include_free_text: bool) -> dict[str, Any]:
    """The Table Schema of a CSV or JSON Lines export: every column, in file order."""
    result_fields = _result_fields()
    item_of_band = {column: item_id for item_id, column in ANONYMOUS_BANDS.items()}
    fields = []
    for column in header(profile, include_free_text):
        if column in result_fields:
            fields.append({"name": column, **result_fields[column]})
        else:
            item_id = item_of_band.get(column, column) if profile is Profile.ANONYMOUS else column
            fields.append({"name": column, **_item_field(item_id, column)})
    return {"fields": fields, "missingValues": [""]}


# --- PostgreSQL: the pseudonymous CSV, written by the server --------------------

_PG_TYPES = {Kind.INT: "int", Kind.ENUM: "text", Kind.MULTI: "text[]", Kind.TEXT: "text"}
_PG_META = ("id", *META_COLUMNS[Profile.PSEUDONYMOUS], "answers")


def _pg_list(array_sql: str) -> str:
    """A text array as "a;b" (NULL when empty, like the Python path's empty cell)."""
    return f"NULLIF(array_to_string({array_sql}, ';'), '')"


def _pg_select(include_free_text: bool) -> tuple[str, str, list[Any]]:
    """(column expressions, record definition, params) for the COPY query."""
    expressions: list[str] = []
    params: list[Any] = []
    for column in META_COLUMNS[Profile.PSEUDONYMOUS]:
        if column == "flags":
            expressions.append(_pg_list("ARRAY(SELECT jsonb_array_elements_text(q.flags))"))
        else:
            expressions.append(f'q."{column}"::text')
    apostrophe = "''''"  # SQL for a string holding one apostrophe
    for item_id, item in ITEMS.items():
        if item_id in FREE_TEXT_ITEMS and not include_free_text:
            continue
        value = f'r."{item_id}"'
        if item.kind == Kind.MULTI:
            expressions.append(_pg_list(value))
        elif item.kind == Kind.TEXT:
            expressions.append(
                f"CASE WHEN left({value}, 1) = ANY(%s) THEN {apostrophe} || {value} "
                f"ELSE {value} END"
            )
            params.append(list(formula_starts()))
        else:
            expressions.append(f"{value}::text")
    record = ", ".join(
        f'"{item_id}" {_PG_TYPES[Kind(item.kind.value)]}' for item_id, item in ITEMS.items()
    )
    return ", ".join(expressions), record, params


def _gathered(copy: Any) -> Iterator[bytes]:
    """A ``COPY ... TO STDOUT``'s rows in chunks of about ``CHUNK_BYTES``: COPY sends one
    message per row, and passing each on as its own chunk costs more than the row."""
    pending = bytearray()
    for block in copy:
        pending += block
        if len(pending) >= CHUNK_BYTES:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


class PgCsv:
    """``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` of the filtered rows, streamed (no header).

    The filters come from the queryset (its SQL and parameters). The server
    reads each answers object once (``jsonb_to_record``) and computes the
    columns with the same lists and formula neutralisation as the Python path.
    ``rows`` holds the number of rows once the stream is done.
    """

    def __init__(self, queryset: QuerySet, include_free_text: bool) -> None:
        self.rows = 0
        self._queryset = queryset
        self._include_free_text = include_free_text

    def __iter__(self) -> Iterator[bytes]:
        inner, inner_params = self._queryset.values_list(*_PG_META).query.sql_with_params()
        columns, record, params = _pg_select(self._include_free_text)
        sql = (
            f"SELECT {columns} FROM ({inner}) AS q ({', '.join(_PG_META)}), "
            f"LATERAL jsonb_to_record(q.answers) AS r ({record}) ORDER BY q.id"
        )
        copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
        # In the order they appear in the SQL: the column expressions come before
        # the filtered query (sending the query's first once made a filtered
        # free-text export match no row).
        all_params = [*params, *inner_params]
        with connection.cursor() as cursor:
            with cursor.cursor.copy(copy_sql, all_params) as copy:
                yield from _gathered(copy)
            self.rows = max(cursor.cursor.rowcount, 0)


# The anonymous export's items that are neither closed nor banded (the pain level):
# each is a column of its own, copied from the answers by Submission.fields_from.
_NUMBER_COLUMNS = tuple(
    item_id
    for item_id, banded in _ANONYMOUS_ITEMS
    if item_id not in closed_answers.SLOTS and not banded
)

# The anonymity plan as a lookup for the COPY below: a temporary table of this
# connection, from a row's first-step key (``first_keys_of``'s, -1 for a band not
# answered) to the step and the quasi-identifiers it is written with. It holds bands
# and months, never a row.
_PLAN_NAME = "stride_anonymity_plan"
_PLAN_TABLE = f"pg_temp.{_PLAN_NAME}"
_PLAN_JOIN = (
    f"JOIN {_PLAN_TABLE} AS p ON p.age_key = COALESCE(q.age / {anonymity.STEPS[0].age_years}, -1) "
    f"AND p.sex = COALESCE(q.sex, '') "
    f"AND p.running_years_key = COALESCE(q.running_years / {anonymity.STEPS[0].running_years}, -1) "
    f"AND p.weekly_km_key = COALESCE(q.weekly_km / {anonymity.STEPS[0].weekly_km}, -1) "
    f"AND p.month = date_trunc('month', q.created_on)::date"
)


def _pg_closed_cell(slot: closed_answers.Slot) -> tuple[str, list[str]]:
    """SQL for an item's cell from the bytes of ``closed_answers`` (``q.closed``), as
    ``Slot.decode`` and ``_code_cell`` write it, and its parameters (the codes)."""
    at = slot.start - 1  # get_byte counts from 0
    if slot.multi:
        held = ord(closed_answers.HELD)
        return _pg_codes_where(
            [(f"get_byte(q.closed, {at + i}) = {held}", code) for i, code in enumerate(slot.codes)]
        )
    whens = " ".join(f"WHEN {ord(slot.char(code))} THEN %s" for code in slot.codes)
    return f"CASE get_byte(q.closed, {at}) {whens} END", list(slot.codes)


def _pg_codes_where(tests: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """SQL for a list cell ("a;b", NULL when empty) of each code whose test holds, in
    order, and its parameters (the codes)."""
    cases = ", ".join(f"CASE WHEN {test} THEN %s END" for test, _ in tests)
    return f"NULLIF(concat_ws(';', {cases}), '')", [code for _, code in tests]


def _pg_flags_cell() -> tuple[str, list[str]]:
    """SQL for the flags cell from ``flag_mask`` (``q.flag_mask``), and its parameters.

    Every version raises its flags in the order of its rules, and each version's
    rules are in the order of ``scoring.FLAG_RULES`` (pinned by a test), so the
    mask's bits in that order are the stored list."""
    return _pg_codes_where(
        [(f"q.flag_mask & {flag_mask([rule.code])} <> 0", rule.code) for rule in scoring.FLAG_RULES]
    )


class PgAnonymousCsv:
    """The anonymous CSV's rows (no header) by ``COPY (SELECT ...) TO STDOUT``, as
    :meth:`Export.records` and ``_code_lines`` write them.

    Built in Python, each row cost about 25 µs of Python beside the database's
    work (the eleventh session's measure). Here the server writes every cell:
    the anonymity plan, made from a GROUP BY of the rows' first-step keys, goes
    into a temporary table that each row meets in a join
    (``_PLAN_JOIN``); closed items come from the bytes of ``closed_answers``,
    flags from ``flag_mask``, the pain level from its column, and a row left out
    by the plan finds no match. All of these are in the statistics covering
    index (migration 0013): the rows come from an index-only scan of narrow
    entries in date order instead of one table page per row (a 100,000-row
    export reads 5,430 buffers of the index where it read 100,225 of the table,
    94,331 of them not cached, 13 s of a cold run; docs/performance.md). Every cell is a
    code, a number, a band or a period (no formula can start one); an empty
    cell is NULL, which CSV writes as nothing.
    ``rows`` holds the number of rows and ``row_of`` the row number of each
    screening in ``followed`` once the stream is done.
    """

    def __init__(
        self,
        queryset: QuerySet,
        plan: anonymity.Plan,
        first_keys: list[tuple[FirstKey, anonymity.Key, int]],
        followed: set[int],
    ) -> None:
        self.rows = 0
        self.row_of: dict[int, int] = {}
        self._queryset = queryset
        self._followed = followed
        self._lookup: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for (a, sex, y, k, month), key, _n in first_keys:
            placed = plan.written_for(key)
            if placed is not None:
                step, (age, _sex, years, km, period) = placed
                found = (
                    -1 if a is None else a,
                    sex,
                    -1 if y is None else y,
                    -1 if k is None else k,
                )
                self._lookup[(*found, month)] = (step, age, years, km, period)

    # The columns the rows are read from, besides ``closed_answers``.
    READ_COLUMNS = (
        "id",
        "created_on",
        *ANONYMOUS_BANDS,
        "sex",
        *(c for c in RESULT_COLUMNS if c != "flags"),
        "flag_mask",
        *_NUMBER_COLUMNS,
    )

    def _rows_sql(self) -> tuple[str, list[Any]]:
        """The FROM clause of the kept rows, each beside its plan entry, and its parameters."""
        stored = self.READ_COLUMNS
        # Unordered: the rows meet the plan in a hash join and are then sorted by id once.
        # Every column read is in the statistics covering index (migration 0013), so the
        # rows come from an index-only scan, never from the table nor its answers.
        inner = (
            self._queryset.order_by()
            .annotate(
                _closed=Func(
                    "closed_answers",
                    Value("UTF8"),
                    function="convert_to",
                    output_field=BinaryField(),
                )
            )
            .values_list(*stored, "_closed")
        )
        columns = (*stored, "closed")
        sql, params = inner.query.sql_with_params()
        names = ", ".join(f'"{c}"' for c in columns)
        # OFFSET 0 keeps the subquery whole, so that the plan's keys are computed once per row.
        return f"({sql} OFFSET 0) AS q ({names}) {_PLAN_JOIN}", list(params)

    def _cells(self) -> tuple[str, list[Any]]:
        """The SELECT list of the CSV's columns, in ``header`` order, and its parameters."""
        onset_start = f"q.onset_age / {BAND_YEARS} * {BAND_YEARS}"
        cells = ["row_number() OVER (ORDER BY q.id)", "p.period", "p.step"]
        params: list[Any] = []
        for column in RESULT_COLUMNS:
            if column == "flags":
                sql, codes = _pg_flags_cell()
                cells.append(sql)
                params += codes
            elif column == "criteria_supported":
                cells.append("q.criteria_supported")
            else:
                cells.append(f"NULLIF(q.\"{column}\", '')")
        written = {
            "age": "NULLIF(p.age_band, '')",
            "running_years": "NULLIF(p.running_years_band, '')",
            "weekly_km": "NULLIF(p.weekly_km_band, '')",
            # age_band(): the 5-year band of age at onset, whatever the step
            "onset_age": (
                f"CASE WHEN q.onset_age IS NOT NULL THEN concat({onset_start}, '-', "
                f"{onset_start} + {BAND_YEARS - 1}) END"
            ),
        }
        for item_id, banded in _ANONYMOUS_ITEMS:
            slot = closed_answers.SLOTS.get(item_id)
            if banded:
                cells.append(written[item_id])
            elif slot is not None:
                sql, codes = _pg_closed_cell(slot)
                cells.append(sql)
                params += codes
            else:
                cells.append(f'q."{item_id}"')
        return ", ".join(cells), params

    def __iter__(self) -> Iterator[bytes]:
        source, source_params = self._rows_sql()
        cells, cell_params = self._cells()
        copy_sql = f"COPY (SELECT {cells} FROM {source} ORDER BY q.id) TO STDOUT (FORMAT csv)"
        with connection.cursor() as cursor:
            self._load_plan(cursor.cursor)
            # Sorted in memory (the rows of a 100,000-row export take about 30 MB), and
            # not compiled: JIT's compilation of this many expressions cost more than
            # it saved (4.7 s against 3.6 s for 100,000 rows).
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET jit = off")
            try:
                with cursor.cursor.copy(copy_sql, [*cell_params, *source_params]) as copy:
                    yield from _gathered(copy)
                self.rows = max(cursor.cursor.rowcount, 0)
                if self._followed:
                    cursor.execute(
                        f"SELECT id, n FROM (SELECT q.id, row_number() OVER (ORDER BY q.id) AS n "
                        f"FROM {source}) AS numbered WHERE id = ANY(%s)",
                        [*source_params, list(self._followed)],
                    )
                    self.row_of = dict(cursor.fetchall())
            finally:
                cursor.execute(f"DROP TABLE IF EXISTS {_PLAN_TABLE}")
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")

    def _load_plan(self, cursor: Any) -> None:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PLAN_NAME} ("
            "age_key int, sex text, running_years_key int, weekly_km_key int, month date, "
            "step int, age_band text, running_years_band text, weekly_km_band text, period text, "
            "PRIMARY KEY (age_key, sex, running_years_key, weekly_km_key, month))"
        )
        cursor.execute(f"TRUNCATE {_PLAN_TABLE}")
        with cursor.copy(f"COPY {_PLAN_TABLE} FROM STDIN") as copy:
            for key, written in self._lookup.items():
                copy.write_row((*key, *written))
        cursor.execute(f"ANALYZE {_PLAN_TABLE}")
