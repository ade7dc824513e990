"""The workspace as a research tool: definition and answer filters, cross-tab, comparison,
and the one small-cell rule on every table of every page and download."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reviewer import filters as variables
from reviewer.disclosure import K
from screening import instrument
from screening.models import DEFINITION_FIELDS, AuditEntry, Submission
from tests.reviewers import make_submission

LIST = "admin:screening_submission_changelist"
STATS = "admin:screening_submission_stats"
CROSSTAB = "admin:screening_submission_crosstab"
COMPARE = "admin:screening_submission_compare"


@pytest.fixture
def seeded(db) -> list[Submission]:
    call_command("seed_submissions", "1200", "--seed", "18", stdout=StringIO())
    return list(Submission.objects.filter(share_for_research=True))


def listed_count(client, query: dict) -> int:
    """How many submissions the list's filters keep (the page itself counts up to a cap)."""
    response = client.get(reverse(LIST), query)
    assert response.status_code == 200
    return response.context["cl"].queryset.count()


# --- filters generated from the instrument -------------------------------------------


def test_every_enum_and_multi_item_of_the_instrument_has_a_filter():
    closed = {
        item.id
        for item in instrument.ITEMS.values()
        if item.kind in (instrument.Kind.ENUM, instrument.Kind.MULTI)
    }
    from reviewer.admin import SubmissionAdmin

    parameters = SubmissionAdmin.filter_parameters()
    assert closed <= parameters
    assert {"verdict", *DEFINITION_FIELDS, "category", "age_band", "onset_band", "sex"} <= (
        parameters
    )
    assert {"created_from", "created_to", "instrument_version"} <= parameters


@pytest.mark.django_db
def test_enum_and_multi_answer_filters_find_exactly_the_matching_rows(seeded, reviewer_client):
    """Checked against the answers read in Python, for every code of two items."""
    for code in instrument.codes_of("first_region"):
        expected = sum(1 for s in seeded if s.answers.get("first_region") == code)
        assert listed_count(reviewer_client, {"first_region": code}) == expected, code
    for code in instrument.codes_of("regions"):
        expected = sum(1 for s in seeded if code in s.answers.get("regions", []))
        assert listed_count(reviewer_client, {"regions": code}) == expected, code
    # "knee" must not match "knee_control" of another item, nor a longer code.
    gait = sum(1 for s in seeded if "knee_control" in s.answers.get("gait_signs", []))
    assert listed_count(reviewer_client, {"gait_signs": "knee_control"}) == gait


@pytest.mark.django_db
def test_the_definition_sex_age_band_and_not_answered_filters(seeded, reviewer_client):
    for query, keep in (
        ({"verdict": "met"}, lambda s: s.verdict == "met"),
        ({"d2_coordination": "partly"}, lambda s: s.d2_coordination == "partly"),
        ({"sex": "female"}, lambda s: s.sex == "female"),
        ({"sex": "not_answered"}, lambda s: s.sex == ""),
        ({"age_band": "30-39"}, lambda s: s.age is not None and 30 <= s.age <= 39),
        ({"course": "not_answered"}, lambda s: "course" not in s.answers),
        (
            {"verdict": "met", "first_region": "foot_ankle_toes"},
            lambda s: s.verdict == "met" and s.answers.get("first_region") == "foot_ankle_toes",
        ),
    ):
        expected = sum(1 for s in seeded if keep(s))
        assert expected > 0, query
        assert listed_count(reviewer_client, query) == expected, query


@pytest.mark.django_db
def test_the_definition_finds_foot_runners_the_triage_result_cannot(seeded, reviewer_client):
    """A foot onset always raises a flag: no foot runner is triaged "consistent with the
    definition", while the working definition is met by some of them."""
    foot = [s for s in seeded if s.answers["first_region"] == "foot_ankle_toes"]
    foot_met = [s for s in foot if s.verdict == "met"]
    assert foot_met and all(s.category != "llc_consistent" for s in foot)
    by_definition = {"verdict": "met", "first_region": "foot_ankle_toes"}
    assert listed_count(reviewer_client, by_definition) == len(foot_met)
    by_triage = {"category": "llc_consistent", "first_region": "foot_ankle_toes"}
    assert listed_count(reviewer_client, by_triage) == 0


@pytest.mark.django_db
def test_the_category_is_called_triage_result_everywhere(reviewer_client):
    make_submission()
    listing = reviewer_client.get(reverse(LIST)).text
    assert "By triage result" in listing and "By category" not in listing
    stats_page = reviewer_client.get(reverse(STATS)).text
    assert "By triage result" in stats_page and "By category" not in stats_page
    assert "Working definition: verdict" in stats_page


@pytest.mark.django_db
@pytest.mark.parametrize("view", [LIST, STATS, CROSSTAB])
def test_a_reversed_date_range_says_so_instead_of_failing(reviewer_client, view):
    make_submission()
    response = reviewer_client.get(
        reverse(view), {"created_from": "2026-05-01", "created_to": "2026-01-01"}, follow=True
    )
    assert response.status_code in (200, 400)
    assert "date range is reversed" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [{"first_region": "elbow"}, {"regions": "'; drop"}, {"verdict": "maybe"}, {"age_band": "7"}],
)
def test_an_unknown_code_is_named_not_a_500(reviewer_client, query):
    make_submission()
    response = reviewer_client.get(reverse(LIST), query, follow=True)
    assert response.status_code == 200
    assert "could not be read" in response.text


# --- cross-tab and comparison ------------------------------------------------------------


@pytest.mark.django_db
def test_the_crosstab_counts_every_runner_once_with_row_percentages(seeded, reviewer_client):
    response = reviewer_client.get(
        reverse(CROSSTAB), {"rows": "verdict", "columns": "first_region"}
    )
    assert response.status_code == 200
    table = response.context["table"]
    expected = Counter((s.verdict, s.answers.get("first_region")) for s in seeded)
    for (row_code, _), cells in zip(table.rows, table.table.cells, strict=True):
        for (column_code, _), shown in zip(table.columns, cells, strict=True):
            assert shown is None or shown == expected[(row_code, column_code)]
    assert table.table.total == len(seeded)
    met_row = dict(zip(table.columns, response.context["page_rows"][0][1], strict=True))
    hip = next(c for c in table.columns if c[0] == "hip_thigh")
    count, share = met_row[hip]
    met = sum(1 for s in seeded if s.verdict == "met")
    assert count is not None and share == f"{100 * count / met:.1f}%"


@pytest.mark.django_db
def test_the_crosstab_applies_the_list_filters_and_is_audited(seeded, reviewer_client):
    response = reviewer_client.get(
        reverse(CROSSTAB), {"first_region": "hip_thigh", "rows": "verdict", "columns": "sex"}
    )
    hip = [s for s in seeded if s.answers["first_region"] == "hip_thigh"]
    assert response.context["table"].table.total == len(hip)
    entry = AuditEntry.objects.latest("id")
    assert entry.action == "stats"
    assert entry.query == "first_region=hip_thigh&rows=verdict&columns=sex"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"rows": "own_words"},  # free text is no closed variable
        {"rows": "regions"},  # a multi item puts a runner in several columns
        {"columns": "age"},  # exact ages are not a variable
        {"download": "pdf"},
        {"rows": "verdict", "first_region": "elbow"},
    ],
)
def test_a_crosstab_that_cannot_be_made_is_refused_with_400(reviewer_client, query):
    make_submission()
    response = reviewer_client.get(reverse(CROSSTAB), query)
    assert response.status_code == 400
    assert "cannot be made" in response.text


@pytest.mark.django_db
def test_one_crosstab_request_answers_two_breakdowns_for_two_groups(seeded, reviewer_client):
    """Verdict by sex and by age at onset, hip/thigh onset (A) beside foot onset (B)."""
    response = reviewer_client.get(
        reverse(CROSSTAB),
        {
            "rows": "verdict",
            "columns": "sex",
            "then_by": "onset_band",
            "where": "first_region:hip_thigh",
            "vary": "first_region:foot_ankle_toes",
        },
    )
    assert response.status_code == 200
    made = [(t["group"], t["table"]) for t in response.context["crosstabs"]]
    assert [(g, t.column_variable.key) for g, t in made] == [
        ("A", "sex"),
        ("A", "onset_band"),
        ("B", "sex"),
        ("B", "onset_band"),
    ]
    for group, table in made:
        region = "hip_thigh" if group == "A" else "foot_ankle_toes"
        runners = [s for s in seeded if s.answers["first_region"] == region]
        assert table.table.total == len(runners)
        for (code, _), total in zip(table.rows, table.table.row_totals, strict=True):
            assert total in (None, sum(1 for s in runners if s.verdict == code))
    assert response.context["filter_query"] == "first_region=hip_thigh"
    assert response.context["filter_b"] == "first_region=foot_ankle_toes"
    both = [rows for i, rows in page_tables(response.text) if i.startswith("crosstab-")]
    assert len(both) == 4
    for rows in both:
        assert_crosstab_obeys_the_rule(rows, "two groups")


@pytest.mark.django_db
def test_the_comparison_puts_a_and_b_side_by_side_for_every_variable(seeded, reviewer_client):
    response = reviewer_client.get(
        reverse(COMPARE),
        {"first_region": "hip_thigh", "vary": "first_region:foot_ankle_toes"},
    )
    assert response.status_code == 200
    compared = {t.variable.key: t for t in response.context["compared"]}
    assert set(compared) == set(variables.VARIABLES)
    hip = [s for s in seeded if s.answers["first_region"] == "hip_thigh"]
    foot = [s for s in seeded if s.answers["first_region"] == "foot_ankle_toes"]
    assert (response.context["n_a"], response.context["n_b"]) == (len(hip), len(foot))
    for code, _, count_a, _, count_b, _ in compared["verdict"].rows:
        assert count_a in (None, sum(1 for s in hip if s.verdict == code))
        assert count_b in (None, sum(1 for s in foot if s.verdict == code))
    assert response.context["filter_b"] == "first_region=foot_ankle_toes"


@pytest.mark.django_db
def test_every_answer_table_counts_what_the_answers_say(seeded):
    """Each answer variable's counts, read from the narrow closed answers column, against
    the answers JSON read in Python: every code, "Not answered", multi items included."""
    from reviewer import stats

    female = [s for s in seeded if s.sex == "female"]
    queryset = Submission.objects.filter(share_for_research=True, sex="female")
    made = stats.profile(queryset, variables.ANSWERS)
    assert made.n == len(female)
    for variable in variables.ANSWERS:
        item = variable.column.removeprefix("answers__")
        expected: Counter[str] = Counter()
        for s in female:
            value = getattr(s, item) if item in variables.COLUMN_ITEMS else s.answers.get(item)
            if value in (None, ""):
                expected[variables.NOT_ANSWERED] += 1
            elif variable.multi:
                expected.update(value)
            else:
                expected[value] += 1
        counted = {code: k for code, _, k in made.tables[variable.key]}
        assert counted == {code: expected[code] for code in counted}, variable.key
        assert set(expected) <= set(counted), variable.key


@pytest.mark.django_db
def test_comparison_group_b_can_be_given_in_full(seeded, reviewer_client):
    response = reviewer_client.get(
        reverse(COMPARE), {"sex": "female", "b.sex": "male", "b.verdict": "met"}
    )
    males_met = sum(1 for s in seeded if s.sex == "male" and s.verdict == "met")
    assert response.context["n_b"] == males_met
    assert reviewer_client.get(reverse(COMPARE), {"vary": "nope:x"}).status_code == 400
    assert reviewer_client.get(reverse(COMPARE), {}).status_code == 400
    unknown = {"vary": "sex:male", "download": "svg", "variable": "nope"}
    assert reviewer_client.get(reverse(COMPARE), unknown).status_code == 400


@pytest.mark.django_db
def test_the_downloads_are_csv_and_standalone_svg_and_audited(seeded, reviewer_client):
    crosstab_csv = reviewer_client.get(
        reverse(CROSSTAB), {"rows": "verdict", "columns": "sex", "download": "csv"}
    )
    assert crosstab_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(crosstab_csv.content.decode())))
    assert rows[0][:3] == ["group", "row_variable", "row_code"]
    assert rows[-1][:3] == ["A", "verdict", "total"] and rows[-1][5] == "total"
    assert rows[-1][7] == str(len(seeded))
    svg = reviewer_client.get(reverse(CROSSTAB), {"download": "svg"})
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<?xml") and b"<svg" in svg.content
    compare_svg = reviewer_client.get(
        reverse(COMPARE), {"vary": "sex:male", "download": "svg", "variable": "regions"}
    )
    assert b"A and B" in compare_svg.content and b"Where in the leg" in compare_svg.content
    details = list(
        AuditEntry.objects.filter(action="export").order_by("id").values_list("detail", flat=True)
    )
    assert details == [
        "crosstab-verdict-by-sex csv",
        "crosstab-verdict-by-sex svg",
        "comparison-regions svg",
    ]


@pytest.mark.django_db
def test_chart_bars_are_scaled_to_n_not_to_the_largest_bar(seeded, reviewer_client):
    """The verdict chart: a bar's width over the full width is its share of n."""
    page = reviewer_client.get(reverse(STATS)).text
    chart = page.split('id="chart-verdict"')[1].split("</svg>")[0]
    widths = [
        int(w)
        for w in re.findall(
            r'<rect x="\d+" y="\d+" width="(\d+)" height="18" fill="#205493"', chart
        )
    ]
    full = int(re.search(r'width="(\d+)" height="18" fill="#f1f1f1"', chart).group(1))
    counts = Counter(s.verdict for s in seeded)
    for width, code in zip(widths, ("met", "partly_met", "not_met"), strict=True):
        assert abs(width - full * counts[code] / len(seeded)) <= 1
    assert max(widths) < full  # no bar fills the width unless it is everyone


# --- the one rule on every table of every page and download -------------------------


class Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (th and td), with the table's id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[tuple[str, list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append((dict(attrs).get("id", ""), []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_tables(text: str) -> list[tuple[str, list[list[str]]]]:
    parser = Tables()
    parser.feed(text)
    return parser.tables


def count_of(cell: str) -> int | None:
    """The count a cell shows ("12 (40.0%)" -> 12); None when suppressed or not a count."""
    match = re.fullmatch(r"([\d,]+)( \([\d.]+%\))?", cell)
    return int(match.group(1).replace(",", "")) if match else None


def assert_no_small_count(cells: list[str], where: str) -> None:
    for cell in cells:
        count = count_of(cell)
        assert count is None or count == 0 or count >= K, (where, cell)


def assert_crosstab_obeys_the_rule(rows: list[list[str]], where: str) -> None:
    """Header, body rows and total row: no 1-4, no line with exactly one suppressed entry."""
    body = [row[1:] for row in rows[1:]]
    for row in body:
        assert_no_small_count(row, where)
    for line in [*body, *(list(column) for column in zip(*body, strict=True))]:
        assert sum(cell.startswith("suppressed") for cell in line) != 1, (where, line)


FILTERS = (
    {},
    {"first_region": "hip_thigh"},
    {"first_region": "foot_ankle_toes", "sex": "female"},
    {"verdict": "met", "age_band": "40-49"},
)


@pytest.mark.django_db
@pytest.mark.parametrize("filters", FILTERS)
def test_every_table_of_the_statistics_page_obeys_the_rule(seeded, reviewer_client, filters):
    text = reviewer_client.get(reverse(STATS), filters).text
    found = page_tables(text)
    assert len(found) >= 10
    for table_id, rows in found:
        if table_id == "distributions":
            continue  # ages and years, not counts: checked below
        for row in rows[1:]:
            assert_no_small_count(row[1:], f"{filters} {table_id}")
        if table_id == "components":
            for row in rows[1:]:
                assert sum(c == "suppressed" for c in row[1:]) != 1, (filters, row)
    # Exact quartiles and range only for values shared by k runners.
    figures = reviewer_client.get(reverse(STATS), filters).context
    for shown in figures["distributions"]:
        counts = {
            "Age at onset (years)": figures["stats"].onset_counts,
            "Years since onset": figures["stats"].duration_counts,
            "Age now (years)": figures["stats"].current_counts,
        }[shown.name]
        for value in (shown.minimum, shown.maximum):
            assert value is None or counts[int(value)] >= K
    # The charts say what the tables say: no count of 1-4 in any chart's description.
    for desc in re.findall(r'<desc id="[^"]+">([^<]*)</desc>', text):
        for number in re.findall(r": ([\d,]+)", desc):
            count = int(number.replace(",", ""))
            assert count == 0 or count >= K, desc


@pytest.mark.django_db
@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize(
    "axes", [("verdict", "sex"), ("verdict", "onset_band"), ("first_region", "age_band")]
)
def test_every_crosstab_page_and_csv_obeys_the_rule(seeded, reviewer_client, filters, axes):
    query = {**filters, "rows": axes[0], "columns": axes[1]}
    text = reviewer_client.get(reverse(CROSSTAB), query).text
    (crosstab,) = [rows for table_id, rows in page_tables(text) if table_id == "crosstab-0"]
    assert_crosstab_obeys_the_rule(crosstab, f"{query}")
    lines = list(
        csv.DictReader(
            io.StringIO(
                reviewer_client.get(
                    reverse(CROSSTAB), {**query, "download": "csv"}
                ).content.decode()
            )
        )
    )
    grid: dict[str, dict[str, str]] = {}
    for line in lines:
        assert_no_small_count([line["count"]], f"csv {query}")
        grid.setdefault(line["row_code"], {})[line["column_code"]] = line["count"]
    rows_with_totals = [list(cells.values()) for cells in grid.values()]
    for line in [*rows_with_totals, *(list(c) for c in zip(*rows_with_totals, strict=True))]:
        assert sum(cell == "suppressed" for cell in line) != 1, (query, line)


@pytest.mark.django_db
@pytest.mark.parametrize("filters", FILTERS[1:])
def test_every_comparison_table_and_csv_obeys_the_rule(seeded, reviewer_client, filters):
    query = {**filters, "vary": "first_region:calf_shin", "rows": "verdict", "columns": "sex"}
    text = reviewer_client.get(reverse(COMPARE), query).text
    found = [(i, rows) for i, rows in page_tables(text) if i.startswith(("crosstab-", "compare-"))]
    assert len(found) == 2 + len(variables.VARIABLES)
    for table_id, rows in found:
        if table_id.startswith("crosstab-"):
            assert_crosstab_obeys_the_rule(rows, f"{query} {table_id}")
            continue
        for row in rows[1:]:
            assert_no_small_count([row[1], row[3]], f"{query} {table_id}")
        variable = variables.VARIABLES[table_id.removeprefix("compare-")]
        if not variable.multi:  # a partition of the group: never one suppressed cell
            for column in (1, 3):
                cells = [row[column] for row in rows[1:]]
                assert sum(c == "suppressed" for c in cells) != 1, (query, table_id, cells)
    download = reviewer_client.get(reverse(COMPARE), {**query, "download": "csv"})
    for line in csv.DictReader(io.StringIO(download.content.decode())):
        assert_no_small_count([line["a_count"], line["b_count"]], f"csv {query}")


@pytest.mark.django_db
@pytest.mark.parametrize("filters", FILTERS)
def test_the_aggregate_rows_are_the_numbers_the_page_shows_under_the_same_rule(
    seeded, reviewer_client, filters
):
    """stats.disclosed_rows is what an aggregate download writes: the page's own counts."""
    from reviewer import stats

    response = reviewer_client.get(reverse(STATS), filters)
    rows = stats.disclosed_rows(response.context["stats"])
    for table, group, count in rows:
        assert count == "suppressed" or int(count) == 0 or int(count) >= K, (table, group)
    by_table: dict[str, list[str]] = {}
    for table, _, count in rows:
        by_table.setdefault(table, []).append(count)
    for table in ("verdict", "category", "sex", "onset_age", "duration_years", "d1_sensation"):
        assert by_table[table].count("suppressed") != 1, (filters, table)
    page_verdicts = [shown for _, shown in response.context["verdict_items"]]
    assert [None if c == "suppressed" else int(c) for c in by_table["verdict"]] == page_verdicts
    page_onset = [shown for _, shown in response.context["onset_bins"]]
    assert [None if c == "suppressed" else int(c) for c in by_table["onset_age"]] == page_onset


@pytest.mark.django_db
@pytest.mark.parametrize(
    "view,query",
    [
        (CROSSTAB, {}),
        (CROSSTAB, {"download": "csv"}),
        (COMPARE, {"vary": "sex:male"}),
        (COMPARE, {"vary": "sex:male", "download": "csv"}),
    ],
)
def test_a_staff_member_without_a_role_sees_no_crosstab_or_comparison(client, view, query):
    from tests.reviewers import staff

    make_submission()
    client.force_login(staff("nobody", None))
    assert client.get(reverse(view), query).status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_row_without_closed_answers_is_counted_as_not_answered_not_misread():
    """A row whose closed answers were never filled breaks the fixed width the streamed
    count relies on: the profile falls back to one GROUP BY per variable and reads
    that row's answers as not answered, the others' as given."""
    from reviewer import stats

    given = make_submission(side="left")
    blank = make_submission(side="left")
    Submission.objects.filter(pk=blank.pk).update(closed_answers="")
    made = stats.profile(Submission.objects.all(), [variables.VARIABLES["first_region"]])
    counted = {code: k for code, _, k in made.tables["first_region"] if k}
    assert made.n == 2
    assert counted == {given.answers["first_region"]: 1, variables.NOT_ANSWERED: 1}
