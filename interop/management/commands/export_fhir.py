"""``manage.py export_fhir``: the Questionnaire and the consented submissions as FHIR files.

Writes into ``--out`` (default ``fhir-export``):

- ``Questionnaire-llc-screen.json`` (the current version), one
  ``Questionnaire-llc-screen-<version>.json`` per earlier version (retired,
  kept for the responses given to it) and the two ``CodeSystem-*.json`` files;
- ``Bundle-0001.json``, ``Bundle-0002.json``, ...: one ``collection`` Bundle per
  ``--batch-size`` submissions whose runner agreed to share them for research,
  oldest first, each with its QuestionnaireResponse and result Observations.
  A submission taken under version 1 answers version 1's Questionnaire
  (``questionnaire`` ends in ``|1``) and carries its result as issued.

Bundles left in ``--out`` by an earlier run are removed first, so that a
submission whose consent was withdrawn since does not linger in the folder.
Only ``share_for_research=True`` submissions are read. The responses carry
the day, never the time, and no reference a person could quote; free-text
answers only with ``--free-text``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening import fhir, versions
from screening.instrument import INSTRUMENT_ID
from screening.models import Submission


def _write(path: Path, resource: dict[str, Any]) -> None:
    path.write_text(json.dumps(resource, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _batches(batch_size: int) -> Any:
    batch: list[Submission] = []
    consented = Submission.objects.filter(share_for_research=True).order_by("created_on", "pk")
    for submission in consented.iterator(chunk_size=max(batch_size, 100)):
        batch.append(submission)
        if len(batch) == batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


class Command(BaseCommand):
    help = "Write the Questionnaire and consented submissions as FHIR R4 JSON files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", default="fhir-export", help="folder to write into")
        parser.add_argument(
            "--batch-size", type=int, default=500, help="submissions per Bundle (default 500)"
        )
        parser.add_argument(
            "--free-text",
            action="store_true",
            help="include the free-text answers (left out by default, as in the reviewer export)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        out = Path(options["out"])
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {out}: {error.strerror}") from None
        for stale in out.glob("Bundle-*.json"):
            stale.unlink()
        _write(out / f"Questionnaire-{INSTRUMENT_ID}.json", fhir.questionnaire())
        for version in versions.VERSIONS:
            if version != versions.CURRENT_VERSION:
                path = out / f"Questionnaire-{INSTRUMENT_ID}-{version}.json"
                _write(path, fhir.questionnaire(version))
        for system_id, code_system in fhir.code_systems().items():
            _write(out / f"CodeSystem-{system_id}.json", code_system)
        bundles = submissions = 0
        for batch in _batches(batch_size):
            bundles += 1
            submissions += len(batch)
            _write(
                out / f"Bundle-{bundles:04d}.json",
                fhir.bundle_for_submissions(batch, include_free_text=options["free_text"]),
            )
        self.stdout.write(
            f"Wrote the Questionnaire ({len(versions.VERSIONS)} versions), 2 code systems "
            f"and {bundles} Bundle(s) with {submissions} consented submission(s) to {out}"
        )
