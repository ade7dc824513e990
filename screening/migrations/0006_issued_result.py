"""Every submission keeps its result exactly as it was issued.

Rows stored before this migration were all taken under instrument version 1:
they get the result that version 1's frozen rules (screening.v1, the contract
in instrument-v1.md) give for their answers, which is the result they were
shown. Nothing is scored with the current rules here.
"""

from django.db import migrations, models


def issue_version_1_results(apps, schema_editor):
    from screening.v1 import scoring as scoring_v1

    Submission = apps.get_model("screening", "Submission")
    rows = Submission.objects.filter(issued_result__isnull=True).only("id", "answers")
    for submission in rows.iterator(chunk_size=2000):
        submission.issued_result = scoring_v1.score(submission.answers).to_dict()
        submission.save(update_fields=["issued_result"])


class Migration(migrations.Migration):
    dependencies = [("screening", "0005_flag_bit_statistics")]

    operations = [
        migrations.AddField(
            model_name="submission",
            name="issued_result",
            field=models.JSONField(null=True),
        ),
        migrations.RunPython(issue_version_1_results, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="submission",
            name="issued_result",
            field=models.JSONField(),
        ),
        # New drafts are taken under version 2; drafts already started keep "1"
        # until their next save carries them over (runner.journey).
        migrations.AlterField(
            model_name="draft",
            name="instrument_version",
            field=models.CharField(default="2", max_length=8),
        ),
    ]
