"""The statistics covering index with ``id`` and ``pain_level``, for the anonymous export.

With them every column the anonymous CSV reads is in the index
(reviewer.exports.PgAnonymousCsv), so its rows come from an index-only scan.

A migration of its own, after 0012 has committed: an index built in the
transaction that rewrote every row also holds an entry for each row's old
version, which that transaction itself deleted; on a million rows it came out
635 MB instead of 303 MB, and stayed so after VACUUM.
"""

from django.db import migrations

INDEX = "submission_stats_cover"
# 0011's columns. At most 32 columns per index (PostgreSQL's INDEX_MAX_KEYS):
# the key and 27 here.
OLD_COLUMNS = (
    "category",
    "pattern",
    "side",
    "sex",
    "onset_band",
    "criteria_supported",
    "criteria_mask",
    "flag_mask",
    "limits_worst",
    "limits_typical",
    "age",
    "onset_age",
    "instrument_version",
    "scoring_version",
    "verdict",
    "d1_sensation",
    "d2_coordination",
    "d3_running_specific",
    "d4_no_nerve_symptoms",
    "d5_no_localized_pain",
    "d6_no_daily_weakness",
    "d7_not_explained",
    "closed_answers",
    "running_years",
    "weekly_km",
)
COLUMNS = (*OLD_COLUMNS, "id", "pain_level")


def _cover(schema_editor, columns):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
    schema_editor.execute(
        f"CREATE INDEX {INDEX} ON screening_submission (created_on) "
        f"INCLUDE ({', '.join(columns)}) WHERE share_for_research"
    )


def widen_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _cover(schema_editor, COLUMNS)


def narrow_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _cover(schema_editor, OLD_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("screening", "0012_pain_level_and_retired_closed_items")]

    operations = [migrations.RunPython(widen_index, narrow_index)]
