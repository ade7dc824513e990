"""A covering index for the reviewer's statistics (PostgreSQL only).

The statistics page counts shared submissions per value of a dozen small
columns. With all of them in one partial index (keyed on the submission day,
so date filters use it too), PostgreSQL answers with an index-only scan of a
few tens of megabytes instead of reading every answers object in the table.
SQLite has no INCLUDE columns and small tables: nothing is done there.
"""

from django.db import migrations

INDEX = "submission_stats_cover"
COLUMNS = (
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
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON screening_submission (created_on) "
        f"INCLUDE ({', '.join(COLUMNS)}) WHERE share_for_research"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("screening", "0003_reviewer_workspace")]

    operations = [migrations.RunPython(create_index, drop_index)]
