"""The pain level as a column, and a place in the closed answers for every version's items.

Every cell of the anonymous CSV comes from a column of migration 0011's
covering index but three: the row's id, its pain level (an answer) and, in
version 1 rows, diagnosis_explains (an answer). Reading those two answers
unpacked every row's answers object out of line, and the row itself had to
be fetched from the table, one page per row once rows of a period lie
scattered (reviewer.exports.PgAnonymousCsv).

So ``pain_level`` becomes a column, and ``closed_answers`` gets a place for the
closed items only an earlier version asked (screening.closed_answers; its
layout changes: a string in 0011's layout gains its new last place, and any
other is rewritten from its answers). Migration 0013 then adds ``id`` and
``pain_level`` to the covering index; the flags are written from
``flag_mask``, already there.
"""

from django.db import migrations, models
from django.db.models import Case, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat, Length

from screening import closed_answers, versions

BATCH = 2000


def fill(apps, schema_editor):
    """Rows in 0011's layout gain the new last place in SQL, in the same UPDATE that
    fills their pain level: rewriting each string in Python took 527 s for a million
    rows, and the ALTER TABLE's lock kept every runner out of the table meanwhile.
    Rows already in today's layout (written by 0011 in an upgrade from before it)
    only get their pain level; any other row is rewritten whole from its answers."""
    submission = apps.get_model("screening", "Submission")
    retired = closed_answers.SLOTS["diagnosis_explains"]
    asked = [v for v in versions.VERSIONS if retired.item_id in versions.instrument_for(v).ITEMS]
    pain = Cast(KeyTextTransform("pain_level", "answers"), models.IntegerField())
    rows = submission.objects.annotate(_width=Length("closed_answers"))
    rows.filter(_width=retired.start - 1).update(
        closed_answers=Concat(
            "closed_answers",
            Case(
                *(
                    When(
                        instrument_version__in=asked,
                        answers__diagnosis_explains=code,
                        then=Value(retired.char(code)),
                    )
                    for code in retired.codes
                ),
                default=Value(closed_answers.MISSING),
            ),
            output_field=models.CharField(),
        ),
        pain_level=pain,
    )
    rows.filter(_width=closed_answers.WIDTH, pain_level__isnull=True).update(pain_level=pain)
    table = submission._meta.db_table
    others = rows.exclude(_width=closed_answers.WIDTH).order_by("pk").values_list("pk", "answers")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(others.filter(pk__gt=last)[:BATCH]):
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
