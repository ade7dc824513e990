"""What is stored: drafts in progress and finished submissions.

Nothing here identifies a person: no name, contact, IP address, user agent or
time of day. Dates are kept to the day. A submission keeps the result exactly
as it was issued (``issued_result``, the contract's result JSON): pages, the
PDF and exports read it back, so a result is never silently re-scored when the
rules change. The other result fields are copied from it by
:meth:`Submission.fields_from`; they exist so that the reviewer's filters can
use indexes.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from screening import closed_answers, followup, scoring, versions
from screening.instrument import INSTRUMENT_VERSION, LIMIT_ACTIVITIES

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


def criteria_mask(result: scoring.Result) -> int:
    """One bit per supported criterion, in the order of ``scoring.CRITERIA_IDS``."""
    bits = {cid: 1 << i for i, cid in enumerate(scoring.CRITERIA_IDS)}
    return sum(bits[cid] for cid, status in result.criteria if status is scoring.Support.SUPPORTED)


def limits_mask(answers: dict[str, Any], scale: str) -> int:
    """The limitation grid at one scale ("worst" or "typical") as bits, for fast statistics.

    Bit i (activity i of ``LIMIT_ACTIVITIES``) is set when the runner was
    limited or could not run it; bit 9 + i when they rated the activity at all
    (anything but "not tried" or no answer).

    >>> limits_mask({"typical_easy_road": "cannot", "typical_easy_trails": "no_limit"}, "typical")
    1538
    """
    mask = 0
    for i, activity in enumerate(LIMIT_ACTIVITIES):
        level = answers.get(f"{scale}_{activity}")
        if level in ("no_limit", "limited", "cannot"):
            mask |= 1 << (i + len(LIMIT_ACTIVITIES))
        if level in ("limited", "cannot"):
            mask |= 1 << i
    return mask


# The columns that hold the working definition, in the contract's order.
DEFINITION_FIELDS = ("verdict", *scoring.COMPONENT_RULES)


def definition_fields(issued_result: dict[str, Any]) -> dict[str, str]:
    """The verdict and d1-d7 statuses of a stored result, as column values.

    >>> definition_fields({"definition": {"verdict": "met", "components": {"d1_sensation": "met"}}})
    {'verdict': 'met', 'd1_sensation': 'met'}
    """
    definition = issued_result["definition"]
    return {"verdict": definition["verdict"], **definition["components"]}


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


class SubmissionQuerySet(models.QuerySet["Submission"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            _lock(Submission.objects.filter(pk__in=self.values("pk")))
            return super().delete()


def _lock(submissions: models.QuerySet[Submission]) -> None:
    """Lock the rows about to be deleted before anything cascades from them.

    A PDF being stored at the same moment (RenderedPdf.keep) locks its submission
    too: it waits, then finds the submission gone and stores nothing. Without this
    it could slip in between the deletion of the PDFs and that of the submission.
    """
    list(submissions.select_for_update().values_list("pk", flat=True))


class Submission(models.Model):
    """Every deletion, one or many, goes through delete() below or SubmissionQuerySet's."""

    objects = SubmissionQuerySet.as_manager()

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=8, unique=True, default=new_reference)
    # The hash of the resume code that reopens this result; unique, so one
    # draft can never become two submissions.
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    answers = models.JSONField()
    instrument_version = models.CharField(max_length=8)
    scoring_version = models.CharField(max_length=16)
    # The result JSON as it was issued (scoring.Result.to_dict()), under the
    # instrument and scoring versions above.
    issued_result = models.JSONField()
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
    # A runner who wants to come back and say what happened since (followup.md)
    # asks to keep the result longer than the 30 days; until this day the code
    # keeps opening it (screening.access), and retention keeps it.
    keep_until = models.DateField(null=True, blank=True)
    # Copied from the answers and the result by fields_from, so that the
    # reviewer's statistics read small columns instead of every answers object.
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    onset_age = models.PositiveSmallIntegerField(null=True, blank=True)
    # With age and sex, the quasi-identifiers the anonymous export's plan counts
    # (reviewer.anonymity), read from the covering index instead of the answers.
    running_years = models.PositiveSmallIntegerField(null=True, blank=True)
    weekly_km = models.PositiveSmallIntegerField(null=True, blank=True)
    # The one answer of the anonymous export that is neither closed nor banded: a
    # column, so that the export reads the covering index and never the answers.
    pain_level = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=12, blank=True, default="")
    criteria_mask = models.PositiveSmallIntegerField(default=0)
    limits_worst = models.IntegerField(default=0)
    limits_typical = models.IntegerField(default=0)
    # The working definition as issued (result "definition"): the verdict and
    # each component's status, so that reviewers can filter, count and export
    # the definition itself, not only the triage category (a foot onset always
    # raises a flag, so the category hides runners who meet the definition).
    verdict = models.CharField(max_length=12, db_index=True, default="")
    d1_sensation = models.CharField(max_length=8, default="")
    d2_coordination = models.CharField(max_length=8, default="")
    d3_running_specific = models.CharField(max_length=8, default="")
    d4_no_nerve_symptoms = models.CharField(max_length=8, default="")
    d5_no_localized_pain = models.CharField(max_length=8, default="")
    d6_no_daily_weakness = models.CharField(max_length=8, default="")
    d7_not_explained = models.CharField(max_length=8, default="")
    # Every enum and multi answer as one short string (screening.closed_answers),
    # so that the reviewer's filters and counts read a narrow column that fits
    # in the statistics covering index instead of taking the answers apart.
    closed_answers = models.CharField(max_length=255, default="")

    class Meta:
        indexes = [
            models.Index(fields=["share_for_research", "-created_on"]),
            # The reviewer's list: shared submissions, newest first, one page at a
            # time; also the source of the list's estimated count (pg_class.reltuples).
            models.Index(
                fields=["-created_on", "-id"],
                name="submission_consented_recent",
                condition=models.Q(share_for_research=True),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            _lock(Submission.objects.filter(pk=self.pk))
            return super().delete(*args, **kwargs)

    @classmethod
    def fields_from(
        cls, answers: dict[str, Any], *, instrument_version: str = versions.CURRENT_VERSION
    ) -> dict[str, Any]:
        """The stored result fields for clean answers, all read off ``score()``.

        New submissions are scored under the current version; an older version
        is asked for only by demo data and tests that stand in for old rows.
        """
        issued = versions.scoring_for(instrument_version).score(answers).to_dict()
        # Read back as the current Result class, whatever version scored it, so
        # the columns below are copied from exactly what is stored.
        result = scoring.Result.from_dict(issued)
        return {
            "answers": answers,
            "instrument_version": result.instrument_version,
            "scoring_version": result.scoring_version,
            "issued_result": issued,
            "category": result.category.value,
            "pattern": result.pattern.value,
            "criteria_supported": result.criteria_supported,
            "flags": result.flag_codes,
            "flag_mask": flag_mask(result.flag_codes),
            "side": answers.get("side", ""),
            "onset_band": result.axis1.age_at_onset,
            "age": answers.get("age"),
            "onset_age": answers.get("onset_age"),
            "running_years": answers.get("running_years"),
            "weekly_km": answers.get("weekly_km"),
            "pain_level": answers.get("pain_level"),
            "sex": answers.get("sex", ""),
            "criteria_mask": criteria_mask(result),
            "limits_worst": limits_mask(answers, "worst"),
            "limits_typical": limits_mask(answers, "typical"),
            **definition_fields(issued),
            "closed_answers": closed_answers.encode(answers),
        }

    def result(self) -> scoring.Result:
        """The result as it was issued, whatever the rules are now."""
        return scoring.Result.from_dict(self.issued_result)


class FollowUp(models.Model):
    """What a runner said had happened since a screening (followup.md), with its result.

    Belongs to one submission and goes with it (a deletion by code deletes the
    screening and all its follow-ups). Its own day (the day only), its number
    (1, 2, ...) and its own research consent, asked again each time.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="followups")
    number = models.PositiveSmallIntegerField()
    created_on = models.DateField(default=today, db_index=True)
    answers = models.JSONField()
    instrument_version = models.CharField(max_length=8)
    scoring_version = models.CharField(max_length=16)
    # The result as issued (followup.FollowUpResult.to_dict()); never re-scored.
    issued_result = models.JSONField()
    course = models.CharField(max_length=16, db_index=True)
    outcome = models.CharField(max_length=24, db_index=True)
    share_for_research = models.BooleanField(default=False, db_index=True)
    consent_version = models.CharField(max_length=16, blank=True)
    consent_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="followup_number"),
        ]
        ordering = ["submission", "number"]

    def __str__(self) -> str:
        return f"{self.submission.reference} follow-up {self.number}"

    @classmethod
    def fields_from(cls, answers: dict[str, Any], submission: Submission) -> dict[str, Any]:
        """The stored fields for clean follow-up answers, scored against the screening
        as issued (its answers and stored result)."""
        result = followup.score(answers, submission.answers, submission.issued_result)
        issued = result.to_dict()
        return {
            "answers": answers,
            "instrument_version": issued["instrument_version"],
            "scoring_version": issued["scoring_version"],
            "issued_result": issued,
            "course": result.course,
            "outcome": result.outcome["code"],
        }


class FollowUpDraft(models.Model):
    """A follow-up in progress: one per screening, reached through the screening's code."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="followup_draft"
    )
    answers = models.JSONField(default=dict)
    completed_steps = models.JSONField(default=list)
    # Indexed: purge_expired deletes drafts by the day they were last saved.
    updated_on = models.DateField(default=today, db_index=True)


# A rendered PDF is kept until the end of the day after it was made (dates to the day).
PDF_KEEP_DAYS = 1


class RenderedPdfQuerySet(models.QuerySet["RenderedPdf"]):
    def live(self) -> RenderedPdfQuerySet:
        return self.filter(expires_on__gte=today())

    def expired(self) -> RenderedPdfQuerySet:
        return self.filter(expires_on__lt=today())


class RenderedPdf(models.Model):
    """A stored submission's PDF as rendered, so that a repeated download costs no render.

    It holds the answers, free text included, so it lives beside its submission,
    in the database, and never in the cache: deleting the submission deletes it
    in the same transaction (CASCADE), whatever else is down. ``variant`` names
    everything besides the submission that shapes the bytes (report.document);
    purge_expired deletes copies past ``expires_on``.
    """

    objects = RenderedPdfQuerySet.as_manager()

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="rendered_pdfs"
    )
    variant = models.CharField(max_length=200)
    pdf = models.BinaryField()
    expires_on = models.DateField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "variant"], name="rendered_pdf_one_per_variant"
            )
        ]

    def __str__(self) -> str:
        return f"PDF {self.variant} of submission {self.submission_id}"

    @classmethod
    def keep(cls, submission_id: int, variant: str, pdf: bytes, *, drop_unlike: str) -> bool:
        """Store ``pdf`` as the submission's ``variant``, dropping its variants whose
        key does not start with ``drop_unlike`` (they can never be asked for again).

        Returns False, storing nothing, when the submission is gone (deleted while
        the PDF was being rendered) or another request stored the variant first.
        """
        expires_on = today() + datetime.timedelta(days=PDF_KEEP_DAYS)
        try:
            with transaction.atomic():
                # Waits for a deletion under way (Submission.delete locks first).
                alive = Submission.objects.select_for_update().filter(pk=submission_id)
                if not alive.exists():
                    return False
                mine = cls.objects.filter(submission_id=submission_id)
                mine.exclude(variant__startswith=drop_unlike).delete()
                mine.filter(variant=variant).delete()
                cls.objects.create(
                    submission_id=submission_id, variant=variant, pdf=pdf, expires_on=expires_on
                )
        except IntegrityError:
            return False
        return True


class AuditEntry(models.Model):
    """One staff action on shared submissions: who, what, which object or filter, when.

    Written by ``screening.audit.record``; the admin shows entries to data
    stewards and offers no way to add, change or delete one.
    """

    class Action(models.TextChoices):
        LIST = "list", "viewed the list"
        VIEW = "view", "viewed a submission"
        STATS = "stats", "viewed the statistics"
        EXPORT = "export", "exported"
        DELETE = "delete", "deleted a submission"
        PURGE = "purge", "ran retention"

    class Outcome(models.TextChoices):
        STARTED = "started", "started"
        COMPLETE = "complete", "complete"
        INTERRUPTED = "interrupted", "cut off before the end"
        FAILED = "failed", "failed"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Kept as text too, so the trail still names the person after the account is gone.
    username = models.CharField(max_length=150)
    action = models.CharField(max_length=8, choices=Action.choices, db_index=True)
    object_ref = models.CharField("reference", max_length=64, blank=True)
    query = models.TextField("filter", blank=True)
    detail = models.CharField(max_length=200, blank=True)
    # Exports and retention: how many rows left (or were deleted), and whether the
    # action ran to its end; a stream cut off or failing says so here.
    rows = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    # Why a data steward took a pseudonymous export, as they typed it.
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        ordering = ["-at", "-id"]
        permissions = [
            ("export_free_text", "Can export the runners' free text"),
            ("export_pseudonymous", "Can export pseudonymous rows (reference, day, exact figures)"),
            ("run_retention", "Can run the retention purge"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_ref}".strip()
