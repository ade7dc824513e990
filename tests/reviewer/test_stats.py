"""Statistics of shared submissions, checked against the article's survey of 16 runners."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import assume, given
from hypothesis import strategies as st

from reviewer import stats
from screening.models import Submission
from tests.reviewers import make_submission

SURVEY = json.loads((Path(__file__).parents[1] / "fixtures" / "survey16.json").read_text())
STATS_URL = "admin:screening_submission_stats"


@pytest.fixture
def survey16(db) -> list[Submission]:
    """The 16 respondents, shared, plus one unshared runner who must never count."""
    made = [
        Submission.objects.create(
            **Submission.fields_from(person["answers"]),
            share_for_research=True,
            consent_version="1",
        )
        for person in SURVEY["respondents"]
    ]
    make_submission(shared=False, onset_age=12, age=13, sex="female", side="left")
    return made


def shared() -> stats.Statistics:
    return stats.compute(Submission.objects.filter(share_for_research=True))


@pytest.mark.django_db
def test_it_reproduces_the_articles_onset_age_median_22_and_mean_26_6(survey16):
    """Onset ages sorted: 16 17 18 19 20 21 21 22 | 22 24 26 31 35 40 44 49.

    Median = (22 + 22) / 2 = 22; mean = 425 / 16 = 26.5625, 26.6 as the article rounds it.
    """
    onset = shared().onset_age
    assert onset.n == 16
    assert onset.median == 22
    assert round(onset.mean, 1) == 26.6
    assert (onset.minimum, onset.maximum) == (16, 49)


@pytest.mark.django_db
def test_it_reproduces_the_articles_duration_mean_5_4_and_median_4(survey16):
    """Durations sorted: 1 1 2 2 3 3 4 4 | 4 5 6 7 8 9 10 18: median 4, mean 87 / 16 = 5.44."""
    duration = shared().duration
    assert duration.median == 4
    assert round(duration.mean, 1) == 5.4
    assert (duration.minimum, duration.maximum) == (1, 18)


@pytest.mark.django_db
def test_it_reproduces_the_articles_sex_side_walking_and_foot_counts(survey16):
    figures = shared()
    article = SURVEY["article_figures"]
    assert figures.n == article["n"]
    assert figures.by_sex["female"] == article["female"]
    assert figures.by_sex["male"] == article["n"] - article["female"]
    assert (figures.by_side["right"], figures.by_side["left"], figures.by_side["both"]) == (
        article["side_right"],
        article["side_left"],
        article["side_both"],
    )
    assert figures.flags["spread_to_walking"] == article["walking_significant"]
    assert figures.by_pattern["foot_ankle"] == article["foot_ankle"]


@pytest.mark.django_db
def test_it_reproduces_the_articles_typical_day_limits(survey16):
    """4 runners are limited in any running on a typical day; 3 more in all flat running.

    Easy trail running is flat-free, so only the 4 show there; easy road running counts 4 + 3.
    """
    limits = shared().limits
    article = SURVEY["article_figures"]
    assert limits["easy_trails"]["typical"].limited == article["typical_any_running"]
    assert limits["easy_road"]["typical"].limited == (
        article["typical_any_running"] + article["typical_all_flat_more"]
    )
    assert limits["easy_road"]["typical"].answered == 16


@pytest.mark.django_db
def test_quartiles_follow_linear_interpolation(survey16):
    """Position of Q1 = (16 - 1) * 0.25 = 3.75: 19 + 0.75 * (20 - 19) = 19.75."""
    onset = shared().onset_age
    expected = sorted(p["answers"]["onset_age"] for p in SURVEY["respondents"])
    assert onset.q1 == 19.75
    assert onset.q3 == expected[11] + 0.25 * (expected[12] - expected[11])


@pytest.mark.django_db
def test_criteria_and_flag_counts_equal_the_stored_results(survey16):
    figures = shared()
    per_criterion: Counter[str] = Counter()
    per_flag: Counter[str] = Counter()
    for submission in survey16:
        result = submission.result()
        per_criterion.update(cid for cid, status in result.criteria if status.value == "supported")
        per_flag.update(result.flag_codes)
    assert figures.criteria_supported == {cid: per_criterion[cid] for cid in stats.CRITERIA_IDS}
    assert figures.flags == {code: per_flag[code] for code in stats.FLAG_CODES}


@pytest.mark.django_db
def test_the_statistics_page_shows_the_article_figures_and_accessible_charts(
    survey16, reviewer_client
):
    response = reviewer_client.get(reverse(STATS_URL))
    assert response.status_code == 200
    text = response.text
    assert "16 shared submissions" in text
    row = text.split("Age at onset (years)</th>")[1].split("</tr>")[0]
    # n and the mean are shown; the median 22 is an onset age only 2 runners share,
    # and the range 16-49 the age of one runner each: the rule hides them.
    assert "<td>16</td>" in row and "<td>26.6</td>" in row
    assert "<td>22</td>" not in row and ">16<" not in row.split("</td>", 1)[1]
    assert row.count("hidden") == 5
    assert text.count('role="img"') >= 7
    assert 'aria-labelledby="chart-onset-title chart-onset-desc"' in text
    assert "style=" not in text.split('id="content-main"')[1]
    # The sex table adds up to n: the runners who did not answer have a row too.
    sexes = text.split("<caption>Sex (not everyone answers)</caption>", 1)[1].split("</table>")[0]
    counts = [int(c) for c in re.findall(r"<td>(\d+)</td>", sexes)]
    assert "Not answered" in sexes
    # Every shown count is 0 or at least 5; the others are suppressed, never 1-4.
    assert all(c == 0 or c >= 5 for c in counts)
    assert "suppressed" in sexes or sum(counts) == 16


@pytest.mark.django_db
def test_the_statistics_page_applies_the_list_filters(survey16, reviewer_client):
    response = reviewer_client.get(reverse(STATS_URL), {"side": "both"})
    assert response.context["stats"].n == 2
    # Two runners: a count the rule does not show.
    assert "Fewer than 5 shared submissions" in response.text
    assert "2 shared submissions" not in response.text


@pytest.mark.django_db
def test_runners_who_left_sex_blank_are_counted_so_the_sex_table_adds_up(survey16):
    make_submission(sex=None)
    figures = shared()
    assert figures.by_sex[stats.SEX_NOT_ANSWERED] == 1
    assert sum(figures.by_sex.values()) == figures.n == SURVEY["article_figures"]["n"] + 1
    rows = {(table, group): count for table, group, count in stats.aggregate_rows(figures)}
    assert rows[("sex", "not_answered")] == stats.SUPPRESSED


@pytest.mark.django_db
def test_unshared_submissions_never_count(db):
    make_submission(shared=False)
    assert shared().n == 0
    assert shared().onset_age.n == 0


def test_k_suppression_hides_groups_under_five():
    figures = stats.Statistics(
        n=7,
        by_category={"llc_consistent": 5, "see_neurologist": 2},
        by_pattern={},
        by_side={"left": 4, "right": 3},
        by_sex={},
        by_onset_band={},
        by_instrument_version={},
        criteria_supported={},
        flags={},
        onset_age=stats.Distribution.from_counts(Counter({22: 5, 40: 2}), 5),
        duration=stats.Distribution.from_counts(Counter(), 2),
        current_age=stats.Distribution.from_counts(Counter(), 5),
        limits={},
    )
    rows = {(table, group): count for table, group, count in stats.aggregate_rows(figures)}
    hidden = stats.SUPPRESSED
    assert rows[("all", "submissions")] == "7"
    # 7 - 5 would give the 2 back; with one other cell, even the largest is hidden.
    assert rows[("category", "llc_consistent")] == rows[("category", "see_neurologist")] == hidden
    assert rows[("side", "left")] == rows[("side", "right")] == hidden
    # 7 - 5 leaves 2 outside 20-24: even the largest bin is hidden.
    assert rows[("onset_age", "20-24")] == rows[("onset_age", "40-44")] == hidden
    # Every bin the instrument allows is listed, so the ends say nothing either.
    assert rows[("onset_age", "5-9")] == rows[("onset_age", "100-104")] == hidden


def test_histogram_ends_and_related_counts_give_nothing_away():
    """The cases a review found: the last filled bin, an exact count out of a hidden
    number, and flags that spell out hidden categories."""
    limits = {"easy_road": {"worst": stats.LimitCell(limited=97, answered=97)}}
    figures = stats.Statistics(
        n=100,
        by_category={"partly_consistent": 93, "urgent_care": 6, "llc_consistent": 1},
        by_pattern={},
        by_side={},
        by_sex={},
        by_onset_band={},
        by_instrument_version={},
        criteria_supported={},
        flags={"acute_limb": 6, "cauda_equina_signs": 0},
        onset_age=stats.Distribution.from_counts(Counter({22: 99, 33: 1}), 5),
        duration=stats.Distribution.from_counts(Counter(), 2),
        current_age=stats.Distribution.from_counts(Counter(), 5),
        limits=limits,
    )
    rows = {(table, group): count for table, group, count in stats.aggregate_rows(figures)}
    hidden = stats.SUPPRESSED
    assert rows[("onset_age", "20-24")] == rows[("onset_age", "30-34")] == hidden
    assert rows[("onset_age", "45-49")] == hidden  # an empty bin reads the same
    assert rows[("answered", "worst_easy_road")] == rows[("limited", "worst_easy_road")] == hidden
    assert rows[("flag", "acute_limb")] == hidden  # it would give urgent_care back
    assert rows[("flag", "cauda_equina_signs")] == "0"


@given(st.lists(st.integers(0, 60), min_size=1, max_size=8))
def test_no_small_group_can_be_worked_out_from_its_table_and_total(cells):
    """What someone holding the CSV can infer. The total n and the cells shown give
    the sum S of the hidden cells; no hidden cell exceeds the largest shown (the
    rule shows only the largest), nor S. A group of 1-4 must keep several values."""
    counts = {f"cell{i}": count for i, count in enumerate(cells)}
    total = sum(cells)
    assume(total >= stats.K_MIN)  # smaller groups are not exported at all
    shown = dict(stats.suppressed_partition(counts))
    hidden = [key for key, text in shown.items() if text == stats.SUPPRESSED]
    visible = {key: int(text) for key, text in shown.items() if key not in hidden}
    assert visible == {key: counts[key] for key in visible}  # what is shown is true
    hidden_sum = total - sum(visible.values())
    ceiling = max(visible.values(), default=hidden_sum)
    if visible and hidden:
        assert not 0 < hidden_sum < stats.K_MIN  # the rest of the table is no small group
    for key in hidden:
        low = max(0, hidden_sum - (len(hidden) - 1) * ceiling)
        high = min(hidden_sum, ceiling)
        assert low <= counts[key] <= high
        assert high > low, f"{key} can only be {low}"
    for key, count in counts.items():
        assert not 0 < count < stats.K_MIN or key in hidden


@given(st.integers(stats.K_MIN, 400), st.data())
def test_no_count_gives_away_how_few_runners_have_it_or_lack_it(n, data):
    count = data.draw(st.integers(0, n))
    text = stats.suppressed_subset(count, n)
    if text != stats.SUPPRESSED:
        assert text == str(count)
        assert not 0 < count < stats.K_MIN and not 0 < n - count < stats.K_MIN
