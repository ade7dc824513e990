"""What is stored: drafts in progress and finished submissions.

Nothing here identifies a person: no name, contact, IP address, user agent or
time of day. Dates are kept to the day. The result fields are copied from
``scoring.score()`` by :meth:`Submission.record` and never computed anywhere
else; they exist so that the reviewer's filters can use indexes.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.db import models
from django.utils import timezone

from screening import scoring
from screening.instrument import INSTRUMENT_VERSION

# Crockford's base32 without I, L, O, U: easy to read aloud and to type.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A short, random reference for people to quote (40 bits, not a secret)."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def today() -> Any:
    return timezone.localdate()


def flag_mask(codes: list[str]) -> int:
    """One bit per flag, in the order of ``scoring.FLAG_RULES``, for indexed filtering."""
    bits = {rule.code: 1 << i for i, rule in enumerate(scoring.FLAG_RULES)}
    return sum(bits[code] for code in codes)


class Draft(models.Model):
    """A questionnaire in progress, reachable only through its resume code."""

    code_hash = models.CharField(max_length=64, unique=True)
    answers = models.JSONField(default=dict)
    # Sections the runner has saved, in the order they were completed.
    completed_steps = models.JSONField(default=list)
    instrument_version = models.CharField(max_length=8, default=INSTRUMENT_VERSION)
    created_on = models.DateField(default=today)
    # Indexed: purge_expired deletes drafts by the day they were last saved.
    updated_on = models.DateField(default=today, db_index=True)

    def __str__(self) -> str:
        return f"Draft {self.pk}"


class Submission(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=8, unique=True, default=new_reference)
    # The hash of the resume code that reopens this result; unique, so one
    # draft can never become two submissions.
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    answers = models.JSONField()
    instrument_version = models.CharField(max_length=8)
    scoring_version = models.CharField(max_length=16)
    category = models.CharField(max_length=32, db_index=True)
    pattern = models.CharField(max_length=16, db_index=True)
    criteria_supported = models.PositiveSmallIntegerField(db_index=True)
    flags = models.JSONField(default=list)
    flag_mask = models.BigIntegerField(default=0, db_index=True)
    side = models.CharField(max_length=8, db_index=True)
    onset_band = models.CharField(max_length=16, db_index=True)
    created_on = models.DateField(default=today, db_index=True)
    share_for_research = models.BooleanField(default=False, db_index=True)
    consent_version = models.CharField(max_length=16, blank=True)
    consent_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["share_for_research", "-created_on"])]

    def __str__(self) -> str:
        return self.reference

    @classmethod
    def fields_from(cls, answers: dict[str, Any]) -> dict[str, Any]:
        """The stored result fields for clean answers, all read off ``score()``."""
        result = scoring.score(answers)
        return {
            "answers": answers,
            "instrument_version": result.instrument_version,
            "scoring_version": result.scoring_version,
            "category": result.category.value,
            "pattern": result.pattern.value,
            "criteria_supported": result.criteria_supported,
            "flags": result.flag_codes,
            "flag_mask": flag_mask(result.flag_codes),
            "side": answers.get("side", ""),
            "onset_band": result.axis1.age_at_onset,
        }

    def result(self) -> scoring.Result:
        return scoring.score(self.answers)
