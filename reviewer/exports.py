"""CSV and JSON Lines exports of consented submissions, streamed row by row.

Quasi-identifiers are coarsened before they leave: age and age at onset
become 5-year bands, and the free-text items are left out unless a data
steward asks for them. Rows are read with ``iterator(chunk_size=...)`` and
written to a ``StreamingHttpResponse``, so memory stays flat whatever the
number of rows.

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
import json
from collections.abc import Iterable, Iterator
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from screening import fhir, versions
from screening.instrument import Kind

CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", " ", "＝", "＋", "－", "＠")
BAND_YEARS = 5


def _all_items() -> dict[str, Any]:
    """Every item any version asked, the current version's first, in their order."""
    items: dict[str, Any] = {}
    for version in (versions.CURRENT_VERSION, *versions.VERSIONS):
        for item_id, item in versions.instrument_for(version).ITEMS.items():
            items.setdefault(item_id, item)
    return items


# The answer columns of an export (by kind: values compare equal across versions).
ITEMS = _all_items()
FREE_TEXT_ITEMS = tuple(item_id for item_id, item in ITEMS.items() if item.kind == Kind.TEXT)
BANDED_ITEMS = ("age", "onset_age")
CHUNK_BYTES = 64 * 1024

META_COLUMNS = (
    "reference",
    "created_on",
    "instrument_version",
    "scoring_version",
    "category",
    "pattern",
    "criteria_supported",
    "flags",
    "onset_band",
)
# The affected side is an item too: it appears once, among the item columns.


def age_band(value: int | None) -> str:
    """A 5-year band such as ``"25-29"``; empty when not answered.

    >>> [age_band(v) for v in (12, 24, 25, 100, None)]
    ['10-14', '20-24', '25-29', '100-104', '']
    """
    if value is None:
        return ""
    start = value // BAND_YEARS * BAND_YEARS
    return f"{start}-{start + BAND_YEARS - 1}"


def neutralise(cell: str) -> str:
    """Defuse a CSV cell that a spreadsheet would evaluate as a formula.

    >>> [neutralise(s) for s in ("=1+1", "-2", "@SUM(A1)", "\\tx", "plain", "")]
    ["'=1+1", "'-2", "'@SUM(A1)", "'\\tx", 'plain', '']
    """
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def item_columns(include_free_text: bool) -> list[str]:
    """The instrument items exported, in instrument order, banded items renamed."""
    columns = []
    for item_id in ITEMS:
        if item_id in FREE_TEXT_ITEMS and not include_free_text:
            continue
        columns.append(f"{item_id}_band" if item_id in BANDED_ITEMS else item_id)
    return columns


def header(include_free_text: bool) -> list[str]:
    return [*META_COLUMNS, *item_columns(include_free_text)]


def _record(row: tuple[Any, ...], include_free_text: bool) -> dict[str, Any]:
    """One export record: result fields, then every item (missing answers as None)."""
    *meta, answers = row
    record: dict[str, Any] = dict(zip(META_COLUMNS, meta, strict=True))
    record["created_on"] = record["created_on"].isoformat()
    for item_id in ITEMS:
        if item_id in FREE_TEXT_ITEMS and not include_free_text:
            continue
        value = answers.get(item_id)
        if item_id in BANDED_ITEMS:
            record[f"{item_id}_band"] = age_band(value) or None
        else:
            record[item_id] = value
    return record


def _rows(queryset: QuerySet) -> Iterator[tuple[Any, ...]]:
    return queryset.values_list(*META_COLUMNS, "answers").iterator(chunk_size=CHUNK_SIZE)


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


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return neutralise(str(value))


def csv_chunks(queryset: QuerySet, include_free_text: bool) -> Iterator[str | bytes]:
    """The CSV export: PostgreSQL writes it with COPY, other databases through Python.

    Both give the same bytes for the same rows (``tests/reviewer/test_exports.py``
    checks it on PostgreSQL).
    """
    if connection.vendor == "postgresql":
        return pg_csv_chunks(queryset, include_free_text)
    return csv_lines(queryset, include_free_text)


def csv_lines(queryset: QuerySet, include_free_text: bool) -> Iterator[str]:
    """The CSV text, a header then one line per submission (batched for the socket)."""
    lines = _Lines()
    columns = header(include_free_text)
    yield lines.row(columns)
    batch: list[str] = []
    for row in _rows(queryset):
        record = _record(row, include_free_text)
        record["flags"] = ";".join(record["flags"])
        batch.append(lines.row([_csv_cell(record[c]) for c in columns]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


# Left as typed by json.dumps(ensure_ascii=False), and legal in JSON, but line
# readers (Python's str.splitlines, many log tools) end a line at each of them.
_LINE_ENDINGS_ESCAPED = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def jsonl_lines(queryset: QuerySet, include_free_text: bool) -> Iterator[str]:
    """One JSON object per line; strings are left as typed (JSON is not a formula language)."""
    batch: list[str] = []
    for row in _rows(queryset):
        record = json.dumps(_record(row, include_free_text), ensure_ascii=False)
        batch.append(record.translate(_LINE_ENDINGS_ESCAPED) + "\n")
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def aggregate_csv(rows: Iterable[tuple[str, str, str]]) -> Iterator[str]:
    lines = _Lines()
    yield lines.row(["table", "group", "count"])
    for row in rows:
        yield lines.row([neutralise(cell) for cell in row])


# --- PostgreSQL: the same CSV, written by the server -------------------------------

_PG_TYPES = {Kind.INT: "int", Kind.ENUM: "text", Kind.MULTI: "text[]", Kind.TEXT: "text"}
_PG_META = ("id", *META_COLUMNS, "answers")


def _pg_list(array_sql: str) -> str:
    """A text array as "a;b" (NULL when empty, like the Python path's empty cell)."""
    return f"NULLIF(array_to_string({array_sql}, ';'), '')"


def _pg_select(include_free_text: bool) -> tuple[str, str, list[Any]]:
    """(column expressions, record definition, params) for the COPY query."""
    expressions: list[str] = []
    params: list[Any] = []
    for column in META_COLUMNS:
        if column == "flags":
            expressions.append(_pg_list("ARRAY(SELECT jsonb_array_elements_text(q.flags))"))
        else:
            expressions.append(f'q."{column}"::text')
    apostrophe = "''''"  # SQL for a string holding one apostrophe
    for item_id, item in ITEMS.items():
        if item_id in FREE_TEXT_ITEMS and not include_free_text:
            continue
        value = f'r."{item_id}"'
        if item_id in BANDED_ITEMS:
            start = f"({value} / {BAND_YEARS} * {BAND_YEARS})"
            expressions.append(f"{start}::text || '-' || ({start} + {BAND_YEARS - 1})::text")
        elif item.kind == Kind.MULTI:
            expressions.append(_pg_list(value))
        elif item.kind == Kind.TEXT:
            expressions.append(
                f"CASE WHEN left({value}, 1) = ANY(%s) THEN {apostrophe} || {value} "
                f"ELSE {value} END"
            )
            params.append(list(FORMULA_STARTS))
        else:
            expressions.append(f"{value}::text")
    record = ", ".join(
        f'"{item_id}" {_PG_TYPES[Kind(item.kind.value)]}' for item_id, item in ITEMS.items()
    )
    return ", ".join(expressions), record, params


def pg_csv_chunks(queryset: QuerySet, include_free_text: bool) -> Iterator[str | bytes]:
    """Stream ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` of the filtered rows.

    The filters come from the queryset (its SQL and parameters). The server
    reads each answers object once (``jsonb_to_record``) and computes the
    columns with the same bands, lists and formula neutralisation as
    :func:`csv_lines`.
    """
    yield _Lines().row(header(include_free_text))
    inner, inner_params = queryset.values_list(*_PG_META).query.sql_with_params()
    columns, record, params = _pg_select(include_free_text)
    sql = (
        f"SELECT {columns} FROM ({inner}) AS q ({', '.join(_PG_META)}), "
        f"LATERAL jsonb_to_record(q.answers) AS r ({record}) ORDER BY q.id"
    )
    copy_sql = f"COPY ({sql}) TO STDOUT (FORMAT csv)"
    all_params = [*inner_params, *params]
    # COPY sends one message per row; passing each on as its own chunk costs more
    # than the row itself, so rows are gathered into chunks of about 64 KiB.
    pending = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql, all_params) as copy:
        for block in copy:
            pending += block
            if len(pending) >= CHUNK_BYTES:
                yield bytes(pending)
                pending.clear()
    if pending:
        yield bytes(pending)


def fhir_bundle_chunks(queryset: QuerySet, include_free_text: bool) -> Iterator[str]:
    """The filtered submissions as one FHIR R4 ``collection`` Bundle, streamed.

    Each submission becomes its QuestionnaireResponse and result Observations
    (``fhir.bundle_for_submissions``). Exact age and age at onset are left
    out: FHIR types them as integers, so they cannot be given as 5-year bands
    the way the CSV gives them; the onset band still travels in the axis-I
    Observation. The result is the one stored as issued, and each response
    answers the Questionnaire of its submission's instrument version. Each
    response carries the submission's reference as its identifier, as the CSV
    and JSON Lines rows do, so that a reviewer can look it up in the admin.
    """
    started = False
    for submission in queryset.iterator(chunk_size=500):
        shared = SimpleNamespace(
            answers={k: v for k, v in submission.answers.items() if k not in BANDED_ITEMS},
            result=submission.result,
            created_on=submission.created_on,
            public_id=submission.public_id,
            reference=submission.reference,
            instrument_version=submission.instrument_version,
        )
        bundle = fhir.bundle_for_submissions(
            [shared], with_reference=True, include_free_text=include_free_text
        )
        body = ",".join(json.dumps(e, ensure_ascii=False) for e in bundle.get("entry", []))
        if not body:
            continue
        yield ("," if started else '{"resourceType": "Bundle", "type": "collection", "entry": [')
        yield body
        started = True
    # FHIR forbids an empty array, so an empty Bundle has no "entry" at all.
    yield "]}" if started else '{"resourceType": "Bundle", "type": "collection"}'
