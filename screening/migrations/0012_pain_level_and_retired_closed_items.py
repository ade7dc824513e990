"""The pain level as a column, and a place in the closed answers for every version's items.

Every cell of the anonymous CSV comes from a column of migration 0011's
covering index but three: the row's id, its pain level (an answer) and, in
version 1 rows, diagnosis_explains (an answer). Reading those two answers
unpacked every row's answers object out of line, and the row itself had to
be fetched from the table, one page per row once rows of a period lie
scattered (reviewer.exports.PgAnonymousCsv).

So ``pain_level`` becomes a column, and ``closed_answers`` gets a place for the
closed items only an earlier version asked (screening.closed_answers; its
layout changes, so every row's string is rewritten from its answers, a batch
at a time, as 0011 filled it). Migration 0013 then adds ``id`` and
``pain_level`` to the covering index; the flags are written from
``flag_mask``, already there.
"""

from django.db import migrations, models

from screening import closed_answers

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


class Migration(migrations.Migration):
    dependencies = [("screening", "0011_closed_answers")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="pain_level",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
