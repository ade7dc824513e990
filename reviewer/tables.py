"""Cross-tabs and comparisons as the pages, the CSV and the SVG show them: suppressed.

Counts come from :mod:`reviewer.stats` (the database's GROUP BY); this module
applies the one rule of :mod:`reviewer.disclosure` and lays the result out as
rows of text for a page or a CSV file, and as bars for a chart. Nothing is
shown or downloaded that has not been through ``disclosure``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils.safestring import SafeString

from reviewer import charts, disclosure
from reviewer.filters import Variable
from reviewer.stats import Profile, Tabulated


@dataclass(frozen=True)
class CrossTab:
    """A cross-tab after suppression, with its labels: what every output of it shows."""

    row_variable: Variable
    column_variable: Variable
    rows: tuple[tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]
    table: disclosure.Protected

    @classmethod
    def of(cls, tabulated: Tabulated, rows: Variable, columns: Variable) -> CrossTab:
        return cls(
            rows, columns, tabulated.rows, tabulated.columns, disclosure.protect(tabulated.counts)
        )

    def page_rows(self) -> list[tuple[str, list[tuple[int | None, str]], int | None]]:
        """(row label, [(count, row percentage)], row total) for the page's table."""
        return [
            (
                label,
                [(count, disclosure.row_percent(count, total)) for count in cells],
                total,
            )
            for (_, label), cells, total in zip(
                self.rows, self.table.cells, self.table.row_totals, strict=True
            )
        ]

    def csv_rows(self) -> Iterator[list[str]]:
        """Long format: one line per cell, then the totals; suppressed cells say so."""
        yield [
            self.row_variable.key,
            self.column_variable.key,
            f"{self.row_variable.key}_label",
            f"{self.column_variable.key}_label",
            "count",
            "row_percent",
        ]
        for (code, label), cells, total in zip(
            self.rows, self.table.cells, self.table.row_totals, strict=True
        ):
            for (column_code, column_label), count in zip(self.columns, cells, strict=True):
                yield [
                    code,
                    column_code,
                    label,
                    column_label,
                    disclosure.shown(count),
                    disclosure.row_percent(count, total),
                ]
            yield [code, "total", label, "Total", disclosure.shown(total), ""]
        for (column_code, column_label), total in zip(
            self.columns, self.table.column_totals, strict=True
        ):
            yield ["total", column_code, "Total", column_label, disclosure.shown(total), ""]
        yield ["total", "total", "Total", "Total", disclosure.shown(self.table.total), ""]

    def chart(self, chart_id: str = "chart-crosstab") -> SafeString:
        """One group of bars per row, each bar a share of that row's total."""
        groups = [
            (
                f"{label} (n = {disclosure.shown(total)})",
                [
                    (column_label, count, total)
                    for (_, column_label), count in zip(self.columns, cells, strict=True)
                ],
            )
            for (_, label), cells, total in zip(
                self.rows, self.table.cells, self.table.row_totals, strict=True
            )
        ]
        return charts.grouped_bar_chart(
            chart_id,
            f"{self.row_variable.title} by {self.column_variable.title} (row percentages)",
            groups,
        )


def crosstabs_csv_rows(made: Iterable[tuple[str, CrossTab]]) -> Iterator[list[str]]:
    """Several cross-tabs (groups A and B, one or two column variables) in one long CSV."""
    yield [
        "group",
        "row_variable",
        "row_code",
        "row_label",
        "column_variable",
        "column_code",
        "column_label",
        "count",
        "row_percent",
    ]
    for group, table in made:
        rows = table.csv_rows()
        next(rows)  # its own header
        for row_code, column_code, row_label, column_label, count, share in rows:
            yield [
                group,
                table.row_variable.key,
                row_code,
                row_label,
                table.column_variable.key,
                column_code,
                column_label,
                count,
                share,
            ]


@dataclass(frozen=True)
class Compared:
    """One variable for group A and group B, each suppressed on its own."""

    variable: Variable
    # (code, label, A count, A percent, B count, B percent)
    rows: list[tuple[str, str, int | None, str, int | None, str]]


def _shown_table(variable: Variable, rows: list[tuple[str, str, int]], n: int) -> list[int | None]:
    counts = [count for _, _, count in rows]
    if variable.multi:
        # Runners whose list holds each code: each count is a part of n, the rest the other.
        return [disclosure.suppress_subset(count, n) for count in counts]
    return disclosure.suppress_counts(counts)


def compare(a: Profile, b: Profile, variables: Iterable[Variable]) -> list[Compared]:
    """Every variable, A beside B, with each count as a share of its own group's n."""
    shown_a = disclosure.suppress_counts([a.n])[0]
    shown_b = disclosure.suppress_counts([b.n])[0]
    out = []
    for variable in variables:
        rows_a = a.tables[variable.key]
        rows_b = b.tables[variable.key]
        # Both groups list the same values, in the same order.
        codes = list(dict.fromkeys([c for c, _, _ in rows_a] + [c for c, _, _ in rows_b]))
        labels = {c: label for c, label, _ in (*rows_a, *rows_b)}
        counts_a = {c: k for c, _, k in rows_a}
        counts_b = {c: k for c, _, k in rows_b}
        full_a = [(c, labels[c], counts_a.get(c, 0)) for c in codes]
        full_b = [(c, labels[c], counts_b.get(c, 0)) for c in codes]
        kept_a = _shown_table(variable, full_a, a.n)
        kept_b = _shown_table(variable, full_b, b.n)
        out.append(
            Compared(
                variable,
                [
                    (
                        code,
                        labels[code],
                        count_a,
                        disclosure.row_percent(count_a, shown_a),
                        count_b,
                        disclosure.row_percent(count_b, shown_b),
                    )
                    for code, count_a, count_b in zip(codes, kept_a, kept_b, strict=True)
                ],
            )
        )
    return out


def comparison_csv_rows(
    compared: Iterable[Compared], n_a: int | None, n_b: int | None
) -> Iterator[list[str]]:
    yield ["variable", "code", "label", "a_count", "a_percent", "b_count", "b_percent"]
    yield ["all", "n", "Submissions", disclosure.shown(n_a), "", disclosure.shown(n_b), ""]
    for table in compared:
        for code, label, count_a, pct_a, count_b, pct_b in table.rows:
            yield [
                table.variable.key,
                code,
                label,
                disclosure.shown(count_a),
                pct_a,
                disclosure.shown(count_b),
                pct_b,
            ]


def comparison_chart(
    table: Compared, n_a: int | None, n_b: int | None, chart_id: str
) -> SafeString:
    """For each value, a bar for A and a bar for B, each a share of its group's n."""
    groups = [
        (label, [("A", count_a, n_a), ("B", count_b, n_b)])
        for _, label, count_a, _, count_b, _ in table.rows
    ]
    return charts.grouped_bar_chart(chart_id, f"{table.variable.title}: A and B", groups)


def csv_text(rows: Iterable[list[str]]) -> str:
    """Rows as CSV; a cell that a spreadsheet would run as a formula is quoted with '.

    >>> csv_text([["a", "=1+1"], ["b", "2"]])
    "a,'=1+1\\r\\nb,2\\r\\n"
    """
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return out.getvalue()
