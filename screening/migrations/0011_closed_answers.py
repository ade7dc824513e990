"""The closed answers as one narrow column, and the statistics covering index around it.

``closed_answers`` (screening.closed_answers), ``running_years`` and
``weekly_km`` are filled for the rows already stored, from their answers, a
batch at a time. On PostgreSQL the covering index
of migration 0004 is rebuilt with it and with the working definition (verdict,
d1-d7), so that the reviewer's filters, cross-tabs and comparisons over any
closed variable are index-only scans of narrow rows. SQLite has no INCLUDE
columns and small tables: only the column is added there.

The rows are written with today's layout: a later change of layout brings its
own migration that rewrites the column.
"""

from django.db import migrations, models

from screening import closed_answers

INDEX = "submission_stats_cover"
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
)
# At most 32 columns per index (PostgreSQL's INDEX_MAX_KEYS): the key and 26 here.
COLUMNS = (
    *OLD_COLUMNS,
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
BATCH = 2000


def fill(apps, schema_editor):
    submission = apps.get_model("screening", "Submission")
    table = submission._meta.db_table
    rows = submission.objects.order_by("pk").values_list("pk", "answers")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            cursor.executemany(
                f"UPDATE {table} SET closed_answers = %s, running_years = %s, weekly_km = %s "
                "WHERE id = %s",
                [
                    (
                        closed_answers.encode(answers),
                        answers.get("running_years"),
                        answers.get("weekly_km"),
                        pk,
                    )
                    for pk, answers in batch
                ],
            )
            last = batch[-1][0]


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
    dependencies = [("screening", "0010_followup")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="closed_answers",
            field=models.CharField(default="", max_length=255),
        ),
        migrations.AddField(
            model_name="submission",
            name="running_years",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="submission",
            name="weekly_km",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(widen_index, narrow_index),
    ]
