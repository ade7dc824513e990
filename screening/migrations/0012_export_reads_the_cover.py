"""The anonymous export reads the statistics covering index alone.

Every cell of the anonymous CSV comes from a column of migration 0011's
covering index but three: the row's id, its pain level (an answer) and, in
version 1 rows, diagnosis_explains (an answer). Reading those two answers
unpacked every row's answers object out of line, and the row itself had to
be fetched from the table, one page per row once rows of a period lie
scattered (reviewer.exports.PgAnonymousCsv).

So ``pain_level`` becomes a column, ``closed_answers`` gets a place for the
closed items only an earlier version asked (screening.closed_answers; its
layout changes, so every row's string is rewritten from its answers, a batch
at a time, as 0011 filled it), and the covering index includes ``id`` and
``pain_level``. The flags are written from ``flag_mask``, already there.
"""

from django.db import migrations, models

from screening import closed_answers

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
BATCH = 2000


def fill(apps, schema_editor):
    submission = apps.get_model("screening", "Submission")
    table = submission._meta.db_table
    rows = submission.objects.order_by("pk").values_list("pk", "answers")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            cursor.executemany(
                f"UPDATE {table} SET closed_answers = %s, pain_level = %s WHERE id = %s",
                [
                    (closed_answers.encode(answers), answers.get("pain_level"), pk)
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
    dependencies = [("screening", "0011_closed_answers")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="pain_level",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(widen_index, narrow_index),
    ]
