"""The reviewer's workspace: consented submissions, read only, audited.

Roles (groups made by migration 0003): ``reviewers`` may view the list, the
detail, the statistics and the exports; ``data stewards`` may also delete,
export free text, read the audit log and run retention. Nobody, superusers
included, can add or change a submission.

Everything here starts from :meth:`SubmissionAdmin.get_queryset`, which keeps
only submissions whose runner agreed to share them; the statistics and
exports reuse the changelist's filtering, so they see exactly what the list
shows.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ERROR_FLAG, PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.dateparse import parse_date
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_POST, require_safe

from report.document import ACTIVITY_LABELS, AXIS1_TITLES, AXIS1_WORDS, PATTERN_WORDS
from reviewer import anonymity, charts, disclosure, exports, stats, tables
from reviewer import filters as variables
from screening import audit, instrument, retention, scoring, versions
from screening.access import KEEP_DAYS
from screening.models import AuditEntry, Submission, flag_mask
from web import cache as shared_cache
from web.ratelimit import ratelimit

admin.site.site_header = "Stride Screen reviewers"
admin.site.site_title = "Stride Screen reviewers"
admin.site.index_title = "Shared submissions"
# Login attempts per client are throttled (keyed hash of the address, in the
# cache); django-axes locks out a username after repeated failures.
admin.site.login = ratelimit("login")(admin.site.login)  # type: ignore[method-assign]

COUNT_CAP = 10_000
# A filtered list counts matches up to this many pages beyond the page shown.
PAGES_AHEAD = 10
RECENT_INDEX = "submission_consented_recent"


# --- human wording ------------------------------------------------------------------


def _humanise(code: str) -> str:
    return code.replace("_", " ").capitalize()


# The runner's options are in the first person ("I prefer not to say").
SEX_LABELS = {"prefer_not": "Prefer not to say", stats.SEX_NOT_ANSWERED: "Not answered"}

# Short names for list columns, filters and charts (the runner's headlines are sentences).
# The triage category is called "Triage result" everywhere: it is not the working
# definition (a foot onset always raises a flag, whatever the definition says).
CATEGORY_LABELS = variables.TRIAGE_LABELS
# The clinician's PDF and the reviewer read the same words for a code.
PATTERN_LABELS = {pattern.value: words for pattern, words in PATTERN_WORDS.items()}
FLAG_TITLES = {rule.code: rule.title for rule in scoring.FLAG_RULES}


# --- filters ------------------------------------------------------------------------


# The export form's own fields, sent beside the list's filters.
EXPORT_CHOICES = ("format", "profile", "free_text", "reason")
# A pseudonymous export needs a reason a later reader of the audit log understands.
REASON_MIN_LENGTH = 10


def why_unreadable(error: IncorrectLookupParameters) -> str:
    """A filter that cannot be applied, in the words the pages show."""
    return str(error) or "unreadable value"


class ChoicesFilter(admin.SimpleListFilter):
    """Equality on one indexed column with a fixed list of choices (no DISTINCT query)."""

    field_name = ""
    choices_list: tuple[tuple[str, str], ...] = ()

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return self.choices_list

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value is None:
            return queryset
        if value not in {code for code, _ in self.lookup_choices}:
            raise IncorrectLookupParameters(f"unknown {self.parameter_name}")
        return queryset.filter(**{self.field_name: value})


def choices_filter(field_name: str, title: str, choices: Any) -> type[ChoicesFilter]:
    return type(
        f"{field_name.title()}Filter",
        (ChoicesFilter,),
        {
            "title": title,
            "parameter_name": field_name,
            "field_name": field_name,
            "choices_list": tuple((str(code), str(label)) for code, label in choices),
        },
    )


def version_pairs() -> list[tuple[str, str]]:
    """(instrument, scoring) version pairs among shared submissions, cached for 10 minutes.

    One DISTINCT scan (an index-only scan of the statistics index on
    PostgreSQL) serves both version filters.
    """
    pairs = shared_cache.get("stride-admin-versions")
    if pairs is None:
        pairs = sorted(
            Submission.objects.filter(share_for_research=True)
            .order_by()
            .values_list("instrument_version", "scoring_version")
            .distinct()
        )
        shared_cache.set("stride-admin-versions", pairs, 600)
    return pairs


class VersionFilter(ChoicesFilter):
    """Versions present among shared submissions."""

    position = 0

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        versions = sorted({pair[self.position] for pair in version_pairs()})
        return [(v, v) for v in versions]


class InstrumentVersionFilter(VersionFilter):
    title = "instrument version"
    parameter_name = field_name = "instrument_version"


class ScoringVersionFilter(VersionFilter):
    title = "scoring version"
    parameter_name = field_name = "scoring_version"
    position = 1


class FlagsFilter(admin.SimpleListFilter):
    """Several flags at once: a submission matches when it has every chosen flag.

    The choice is a comma-separated list in ``?flags=``; each link adds or
    removes one flag. Matching tests one bit of ``flag_mask`` per flag
    (``flag_mask & bit = bit``), which works on SQLite and PostgreSQL.
    """

    title = "flags (all of)"
    parameter_name = "flags"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return [(rule.code, rule.title) for rule in scoring.FLAG_RULES]

    def chosen(self) -> list[str]:
        value = self.value()
        if not value:
            return []
        codes = [code for code in value.split(",") if code]
        if any(code not in stats.FLAG_CODES for code in codes):
            raise IncorrectLookupParameters("unknown flag")
        return codes

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        codes = self.chosen()
        if not codes:
            return queryset
        # One test per flag, (flag_mask & bit) = bit, so that each matches the
        # planner statistics of migration 0005.
        for code in codes:
            bit = flag_mask([code])
            queryset = queryset.alias(**{f"_flag_{code}": F("flag_mask").bitand(bit)}).filter(
                **{f"_flag_{code}": bit}
            )
        return queryset

    def choices(self, changelist: ChangeList) -> Any:
        try:
            chosen = self.chosen()
        except IncorrectLookupParameters:
            chosen = []
        yield {
            "selected": not chosen,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        for code, title in self.lookup_choices:
            toggled = [c for c in chosen if c != code] if code in chosen else [*chosen, code]
            yield {
                "selected": code in chosen,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: ",".join(toggled)} if toggled else {},
                    [] if toggled else [self.parameter_name],
                ),
                "display": title,
            }


class DateRangeFilter(admin.ListFilter):
    """Submission date from / to (inclusive), as two date fields in a small GET form."""

    title = "date submitted"
    template = "admin/screening/date_range_filter.html"
    parameters = ("created_from", "created_to")

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]
        self.other_params = [
            (name, value)
            for name, values in request.GET.lists()
            # Not the page, and not Django's "e" (a bad filter was dropped): carried
            # into the next search, it would show the "Database error" page.
            if name not in self.parameters and name not in ("p", "e")
            for value in values
        ]

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return list(self.parameters)

    def choices(self, changelist: ChangeList) -> Any:
        return []

    def dates(self) -> dict[str, datetime.date]:
        parsed = {}
        for name in self.parameters:
            raw = self.used_parameters.get(name)
            if raw:
                try:
                    value = parse_date(raw)
                except ValueError:
                    value = None
                if value is None:
                    raise IncorrectLookupParameters(f"{name} is not a date")
                parsed[name] = value
        low, high = parsed.get("created_from"), parsed.get("created_to")
        if low and high and low > high:
            raise IncorrectLookupParameters(
                f"the date range is reversed: from {low} is after to {high}"
            )
        return parsed

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        dates = self.dates()
        if "created_from" in dates:
            queryset = queryset.filter(created_on__gte=dates["created_from"])
        if "created_to" in dates:
            queryset = queryset.filter(created_on__lte=dates["created_to"])
        return queryset

    def value_of(self, name: str) -> str:
        return self.used_parameters.get(name, "")

    @property
    def created_from(self) -> str:
        return self.value_of("created_from")

    @property
    def created_to(self) -> str:
        return self.value_of("created_to")


# --- counting without count(*) --------------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """Counts that stay cheap on a million rows.

    Unfiltered on PostgreSQL, the count is the planner's estimate of rows in
    the partial index of consented submissions (``pg_class.reltuples``, kept
    fresh by autovacuum/ANALYZE). Filtered, counting stops at ``cap`` rows: ten
    pages beyond the page shown, at most ``COUNT_CAP``; the page then says
    "more than N" and the cap moves on as the reviewer pages forward. A rare
    filter costs one scan up to the cap, never a count of every match.
    """

    def __init__(
        self, *args: Any, estimate: bool = False, cap: int = COUNT_CAP, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.estimate = estimate
        self.cap = cap
        self.estimated = False
        self.capped = False

    @cached_property
    def count(self) -> int:
        if self.estimate and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [RECENT_INDEX])
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                self.estimated = True
                return int(row[0])
        # Unfiltered, a table too small for an estimate is counted in full (up to
        # COUNT_CAP): "more than 550" for an unfiltered list of 3,000 reads as filtered.
        cap = COUNT_CAP if self.estimate else self.cap
        counted = self.object_list.order_by()[: cap + 1].count()
        if counted > cap:
            self.capped = True
            return cap
        return counted


class SubmissionChangeList(ChangeList):
    """The list reads the columns it shows, not every answers object."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        return super().get_queryset(request, exclude_parameters).defer("answers")


class FilterOnlyChangeList(ChangeList):
    """A changelist that applies the filters but fetches no page (for stats and exports)."""

    def get_results(self, request: HttpRequest) -> None:
        self.result_count = 0
        self.full_result_count = None
        self.result_list = []
        self.can_show_all = False
        self.multi_page = False
        self.show_full_result_count = False
        self.show_admin_actions = False
        self.paginator = None


# --- the submission admin ----------------------------------------------------------


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "created_on",
        "verdict_label",
        "category_label",
        "pattern_label",
        "criteria_supported",
        "flag_list",
        "side_label",
        "onset_band_label",
        "instrument_version",
        "scoring_version",
    )
    list_display_links = ("reference",)
    list_filter = (
        *variables.DEFINITION_FILTERS,
        choices_filter("category", "triage result", CATEGORY_LABELS.items()),
        choices_filter("pattern", "pattern", PATTERN_LABELS.items()),
        # 0-7: self-report can support at most seven criteria (c8 needs lab testing).
        choices_filter("criteria_supported", "criteria supported", ((n, n) for n in range(0, 8))),
        FlagsFilter,
        choices_filter("side", "side", ((s, _humanise(s)) for s in stats.SIDES)),
        choices_filter(
            "onset_band", "age at onset", ((b, _humanise(b)) for b in stats.ONSET_BANDS)
        ),
        variables.variable_filter(variables.AGE_BAND, "age now"),
        InstrumentVersionFilter,
        ScoringVersionFilter,
        DateRangeFilter,
        # One filter per enum or multi item of the instrument (sex among them).
        *variables.ANSWER_FILTERS,
    )
    search_fields = ("reference",)
    search_help_text = "Exact reference, e.g. 7KQ2M9XD"
    ordering = ("-created_on", "-id")
    list_per_page = 50
    list_max_show_all = 200
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ["delete_selected"]
    change_list_template = "admin/screening/submission/change_list.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SubmissionChangeList

    @classmethod
    def filter_parameters(cls) -> frozenset[str]:
        """The query parameters of the filters in the side bar, and nothing else."""
        names: set[str] = set()
        for list_filter in cls.list_filter:
            names.update(getattr(list_filter, "parameters", ()) or (list_filter.parameter_name,))
        return frozenset(names)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django lets any lookup on the model's own fields through the URL
        # (?age=29, ?answers__own_words__icontains=..., ?public_id__startswith=...):
        # exact ages, free-text search and PDF ids are not what reviewers are given.
        # Anything else is refused with 400 in the list, the statistics and exports.
        return lookup in self.filter_parameters()

    # Nobody adds or edits a submission; answers and result are what the runner sent.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Submission._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).filter(share_for_research=True)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Exact reference only: it uses the unique index (no LIKE scan)."""
        term = search_term.strip().upper()
        if not term:
            return queryset, False
        return queryset.filter(reference=term), False

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> Paginator:
        try:
            page = max(1, int(request.GET.get("p", 1)))
        except ValueError:
            page = 1
        return EstimatedCountPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            estimate=not audit.filter_string(request),
            cap=min(COUNT_CAP, (page + PAGES_AHEAD) * per_page),
        )

    @admin.display(description="definition", ordering="verdict")
    def verdict_label(self, obj: Submission) -> str:
        return variables.VERDICT_LABELS.get(obj.verdict, obj.verdict or "-")

    @admin.display(description="triage result", ordering="category")
    def category_label(self, obj: Submission) -> str:
        return CATEGORY_LABELS.get(obj.category, obj.category)

    @admin.display(description="pattern", ordering="pattern")
    def pattern_label(self, obj: Submission) -> str:
        return PATTERN_LABELS.get(obj.pattern, obj.pattern)

    @admin.display(description="side", ordering="side")
    def side_label(self, obj: Submission) -> str:
        return _humanise(obj.side)

    @admin.display(description="age at onset", ordering="onset_band")
    def onset_band_label(self, obj: Submission) -> str:
        return _humanise(obj.onset_band)

    @admin.display(description="flags")
    def flag_list(self, obj: Submission) -> str:
        # The titles the side bar and the statistics use, not the codes.
        return ", ".join(str(FLAG_TITLES.get(code, code)) for code in obj.flags) or "-"

    # --- views -------------------------------------------------------------------

    def get_urls(self) -> list:
        wrap = self.admin_site.admin_view
        return [
            # Pages that only read: nothing to post. A HEAD would run an export's
            # query and write its audit entry without anything leaving, hence GET.
            path(
                "statistics/",
                wrap(require_safe(self.statistics_view)),
                name="screening_submission_stats",
            ),
            path(
                "crosstab/",
                wrap(require_safe(self.crosstab_view)),
                name="screening_submission_crosstab",
            ),
            path(
                "compare/",
                wrap(require_safe(self.compare_view)),
                name="screening_submission_compare",
            ),
            path(
                "export/", wrap(require_GET(self.export_view)), name="screening_submission_export"
            ),
            path(
                "export/aggregates/",
                wrap(require_GET(self.aggregate_export_view)),
                name="screening_submission_export_aggregates",
            ),
            path(
                "retention/",
                wrap(require_POST(self.retention_view)),
                name="screening_submission_retention",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        problem = self.filter_problem(request)
        if problem:
            # Django would drop every filter and show all submissions under "?e=1",
            # which looks filtered. Say what was wrong; show the list unfiltered.
            return self.unfiltered(request, problem)
        response = super().changelist_view(
            request,
            {
                **(extra_context or {}),
                "filter_query": audit.filter_string(request),
                "can_run_retention": request.user.has_perm("screening.run_retention"),
                "keep_days": KEEP_DAYS,
                "retention_days": settings.RETENTION_DAYS,
            },
        )
        if getattr(response, "url", "") == f"{request.path}?{ERROR_FLAG}=1":
            # The filters were read above, so what Django could not show is the page
            # (past the end, after deletions): its first page, keeping the filters.
            self.message_user(request, "That page is past the end of this list.", messages.INFO)
            query = request.GET.copy()
            query.pop(PAGE_VAR, None)
            query.pop(ERROR_FLAG, None)
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        if getattr(response, "status_code", 0) == 200 and request.method == "GET":
            audit.record(request, AuditEntry.Action.LIST)
        return response

    def response_action(self, request: HttpRequest, queryset: QuerySet) -> Any:
        # Django filters on the posted ids as they come: a hand-made "abc" or an
        # id past 64 bits fails in the database with a 500.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(
            value.isascii() and value.isdigit() and int(value) < 2**63 for value in selected
        ):
            return self.refused(request, "That selection of submissions could not be read.")
        return super().response_action(request, queryset)

    def refused(self, request: HttpRequest, message: str) -> TemplateResponse:
        """A request the admin cannot carry out, said as a page (400) rather than a 500."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Request not carried out",
            "subtitle": None,
            "message": message,
        }
        return TemplateResponse(
            request, "admin/screening/submission/refused.html", context, status=400
        )

    def unfiltered(self, request: HttpRequest, problem: str) -> HttpResponse:
        """The same page without its filters, saying which one could not be read."""
        message = f"A filter could not be read ({problem}), so no filter is applied."
        self.message_user(request, message, messages.ERROR)
        return redirect(request.path)

    def not_exported(self, request: HttpRequest, problem: str) -> HttpResponse:
        """A download asked for with a filter that cannot be read: nothing leaves."""
        return self.refused(
            request,
            f"A filter could not be read ({problem}), so nothing was exported. "
            "Choose the filters in the list and export from there.",
        )

    def filter_problem(self, request: HttpRequest) -> str:
        """Why this request's filters cannot be applied, or "" when they can."""
        try:
            self.filtered(request)
        except IncorrectLookupParameters as error:
            return why_unreadable(error)
        return ""

    def filtered(self, request: HttpRequest) -> QuerySet:
        """The consented submissions that the list would show for this request's filters."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        # Django would apply the last of a repeated parameter while the audit log and
        # the pages name them all (several flags go in one "flags" value).
        repeated = sorted(name for name, values in request.GET.lists() if len(values) > 1)
        if repeated:
            raise IncorrectLookupParameters(f"{', '.join(repeated)} given more than once")
        changelist = FilterOnlyChangeList(
            request,
            self.model,
            list(self.list_display),
            list(self.list_display_links),
            self.get_list_filter(request),
            None,
            self.get_search_fields(request),
            False,
            self.list_per_page,
            self.list_max_show_all,
            (),
            self,
            [],
            self.search_help_text,
        )
        return changelist.get_queryset(request)

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        # Submissions are never changed, so their history is always empty; a page
        # that lists nothing needs no audit entry, and is simply not there.
        raise Http404("Submissions have no change history.")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        if request.method != "GET":
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No shared submission with this id.")
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        result = obj.result()
        explanations = result.explanations()
        # Shown as issued: the questions, answers and titles of the submission's own
        # instrument version (a version 1 submission reads version 1's wording).
        definition = versions.instrument_for(obj.instrument_version)
        wording = versions.questions_for(obj.instrument_version)
        rules = versions.scoring_for(obj.instrument_version)
        sections = []
        for section in definition.SECTIONS:
            rows = [
                (
                    str(wording.label(item.id)),
                    wording.answer_text(item.id, obj.answers[item.id]),
                )
                for item in section.items
                if item.id in obj.answers and item.kind != instrument.Kind.TEXT
            ]
            if rows:
                sections.append((str(wording.STEP_TITLES[section.id]), rows))
        free_text = [
            (str(wording.label(item_id)), obj.answers[item_id])
            for item_id in exports.FREE_TEXT_ITEMS
            if obj.answers.get(item_id)
        ]
        try:
            pdf_url = reverse("submission-pdf", kwargs={"public_id": obj.public_id})
        except NoReverseMatch:
            pdf_url = ""
        audit.record(request, AuditEntry.Action.VIEW, object_ref=obj.reference, query="")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Submission {obj.reference}",
            "subtitle": None,
            "obj": obj,
            "result": result,
            "category_meaning": explanations["category"],
            "components": [
                (rules.COMPONENT_TITLES[cid], status.value.replace("_", " "), explanations[cid])
                for cid, status in result.components
            ],
            "criteria": [
                (
                    cid,
                    rules.CRITERION_TITLES[cid],
                    status.value.replace("_", " "),
                    explanations[cid],
                )
                for cid, status in result.criteria
            ],
            "flags": [
                (flag.severity.value, flag.title, flag.explanation, flag.tests)
                for flag in result.flags
            ],
            "pattern": PATTERN_WORDS[result.pattern],
            "axis1": [
                (AXIS1_TITLES[key], AXIS1_WORDS[value])
                for key, value in result.axis1.to_dict().items()
            ],
            "sections": sections,
            "free_text": free_text,
            "pdf_url": pdf_url,
            "followups": [
                (
                    item.number,
                    item.created_on,
                    item.issued_result["explanations"]["course"],
                    item.issued_result["explanations"]["outcome"],
                    ", ".join(flag["code"] for flag in item.issued_result["flags"]) or "-",
                )
                for item in obj.followups.filter(share_for_research=True).order_by("number")
            ],
            "has_delete_permission": self.has_delete_permission(request, obj),
            "changelist_url": self.with_list_filters(
                request, reverse("admin:screening_submission_changelist")
            ),
            "delete_url": self.with_list_filters(
                request, reverse("admin:screening_submission_delete", args=[obj.pk])
            ),
        }
        return TemplateResponse(request, "admin/screening/submission/detail.html", context)

    def with_list_filters(self, request: HttpRequest, url: str) -> str:
        """``url`` carrying the list's filters that led here, so that going back keeps them."""
        context = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return add_preserved_filters(context, url)

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> Any:
        # Django sends a user who may not change objects to the admin's home page;
        # a steward who deleted one submission goes back to the list it came from.
        super().response_delete(request, obj_display, obj_id)  # the success message
        return redirect(
            self.with_list_filters(request, reverse("admin:screening_submission_changelist"))
        )

    def delete_model(self, request: HttpRequest, obj: Submission) -> None:
        audit.record(request, AuditEntry.Action.DELETE, object_ref=obj.reference, query="")
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        references = list(queryset.values_list("reference", flat=True))
        for reference in references:
            audit.record(request, AuditEntry.Action.DELETE, object_ref=reference, query="")
        super().delete_queryset(request, queryset)

    def statistics_view(self, request: HttpRequest) -> HttpResponse:
        try:
            queryset = self.filtered(request)
        except IncorrectLookupParameters as error:
            return self.unfiltered(request, why_unreadable(error))
        figures = stats.compute(queryset)
        if request.method == "GET":  # as the list: a HEAD shows nobody anything
            audit.record(request, AuditEntry.Action.STATS)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Statistics of shared submissions",
            "subtitle": None,
            "stats": figures,
            "filter_query": audit.filter_string(request),
            "k_min": stats.K_MIN,
            **statistics_context(figures),
        }
        return TemplateResponse(request, "admin/screening/submission/statistics.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied  # the form too: it names what could be exported
        choices = {name: request.GET.get(name, "") for name in EXPORT_CHOICES}
        # The export's own choices are not filters: the rest of the query is.
        request.GET = request.GET.copy()
        for name in EXPORT_CHOICES:
            request.GET.pop(name, None)
        fmt = choices["format"]
        if fmt not in exports.FORMATS or fmt == "aggregate":
            problem = self.filter_problem(request)
            if problem:  # the form would offer to export with filters it cannot apply
                return self.unfiltered(request, problem)
            return self.export_form(request, choices)
        profile_code = choices["profile"] or exports.Profile.ANONYMOUS
        if profile_code not in {profile.value for profile in exports.Profile}:
            return self.refused(request, "The profile must be anonymous or pseudonymous.")
        profile = exports.Profile(profile_code)
        include_free_text = choices["free_text"] == "1"
        reason = " ".join(choices["reason"].split())
        if profile is exports.Profile.PSEUDONYMOUS:
            if not request.user.has_perm("screening.export_pseudonymous"):
                raise PermissionDenied
            if len(reason) < REASON_MIN_LENGTH:
                error = (
                    "Say why you need pseudonymous rows (at least "
                    f"{REASON_MIN_LENGTH} characters); the reason goes into the audit log."
                )
                return self.export_form(request, choices, error=error, status=400)
        if include_free_text:
            if not request.user.has_perm("screening.export_free_text"):
                raise PermissionDenied
            if profile is not exports.Profile.PSEUDONYMOUS:
                error = "The runners' own words are exported in the pseudonymous profile only."
                return self.export_form(request, choices, error=error, status=400)
        try:
            queryset = self.filtered(request)
        except IncorrectLookupParameters as error:
            return self.not_exported(request, why_unreadable(error))
        export = exports.Export(
            queryset,
            fmt,
            profile,
            include_free_text=include_free_text,
            filters=audit.filter_string(request),
        )
        entry = audit.record(
            request,
            AuditEntry.Action.EXPORT,
            detail=f"{fmt}, {profile}{', with free text' if include_free_text else ''}",
            reason=reason if profile is exports.Profile.PSEUDONYMOUS else "",
            outcome=AuditEntry.Outcome.STARTED,
        )
        return package_response(export, entry)

    def export_form(
        self, request: HttpRequest, choices: dict[str, str], *, error: str = "", status: int = 200
    ) -> HttpResponse:
        """The export page: format and profile, kept as typed when something is missing."""
        return TemplateResponse(
            request,
            "admin/screening/submission/export.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Export shared submissions",
                "subtitle": None,
                "filter_query": audit.filter_string(request),
                "filters": [(k, v) for k, values in request.GET.lists() for v in values],
                "choices": choices,
                "error": error,
                "k": anonymity.K,
                "reason_min_length": REASON_MIN_LENGTH,
                "can_export_pseudonymous": request.user.has_perm("screening.export_pseudonymous"),
                "can_export_free_text": request.user.has_perm("screening.export_free_text"),
            },
            status=status,
        )

    def aggregate_export_view(self, request: HttpRequest) -> HttpResponse:
        try:
            queryset = self.filtered(request)
        except IncorrectLookupParameters as error:
            return self.not_exported(request, why_unreadable(error))
        figures = stats.compute(queryset)
        if figures.n < stats.K_MIN:
            # Suppressing small cells is no use when the whole group is small: the
            # zeros and the suppressed cells would spell out these few runners' answers.
            message = (
                f"Fewer than {stats.K_MIN} shared submissions match these filters. Aggregates "
                f"are exported for groups of {stats.K_MIN} or more only, so that no runner "
                "can be picked out; widen the filters."
            )
            return self.refused(request, message)
        filters = audit.filter_string(request)
        rows = [("filters", filters or "none", ""), *stats.disclosed_rows(figures)]
        export = exports.Export(queryset, "aggregate", filters=filters, aggregate_rows=lambda: rows)
        entry = audit.record(
            request,
            AuditEntry.Action.EXPORT,
            detail="aggregate, anonymous",
            outcome=AuditEntry.Outcome.STARTED,
        )
        return package_response(export, entry)

    # --- cross-tab and comparison -----------------------------------------------------

    def crosstab_choices(self, request: HttpRequest) -> CrossTabRequest:
        """What a cross-tab or comparison asks for, and the requests of its groups' filters.

        ``where=<filter>:<value>`` adds one filter to the list's (group A);
        ``vary=<filter>:<value>`` or ``b.<filter>=<value>`` give group B.
        """
        query = request.GET.copy()
        own = {name: query.pop(name, [""])[-1] for name in CROSSTAB_CHOICES}
        for name in [name for name in query if name.startswith(B_PREFIX)]:
            query.pop(name)
        if own["where"]:
            key, _, code = own["where"].partition(":")
            if key not in variables.VARIABLES or not code:
                raise IncorrectLookupParameters("unknown filter in where")
            query[key] = code
        filters_a = copy.copy(request)
        filters_a.GET = query
        rows = variables.AXES.get(own["rows"] or "verdict")
        columns = [variables.AXES.get(own["columns"] or "sex")]
        if own["then_by"]:
            columns.append(variables.AXES.get(own["then_by"]))
        if rows is None or None in columns:
            raise IncorrectLookupParameters("unknown variable for rows or columns")
        if own["download"] not in ("", "csv", "svg"):
            raise IncorrectLookupParameters("unknown download")
        wants_b = bool(own["vary"]) or any(name.startswith(B_PREFIX) for name in request.GET)
        filters_b = group_b_request(filters_a, request) if wants_b else None
        return CrossTabRequest(
            rows, [c for c in columns if c is not None], own["download"], filters_a, filters_b
        )

    def crosstab_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            asked = self.crosstab_choices(request)
            groups = [("A", self.filtered(asked.filters_a))]
            if asked.filters_b is not None:
                groups.append(("B", self.filtered(asked.filters_b)))
        except IncorrectLookupParameters as error:
            return self.refused(request, f"This cross-tab cannot be made: {why_unreadable(error)}.")
        made = [
            (group, tables.CrossTab.of(tabulated, asked.rows, columns))
            for group, queryset in groups
            for columns, tabulated in zip(
                asked.columns,
                stats.crosstabs(queryset, asked.rows, asked.columns),
                strict=True,
            )
        ]
        if asked.download:
            try:
                chosen = made[int(request.GET.get("chart", "0"))][1]
            except (ValueError, IndexError):
                return self.refused(request, "This cross-tab cannot be made: unknown chart.")
            return self.table_download(
                request,
                f"crosstab-{asked.rows.key}-by-{'-'.join(c.key for c in asked.columns)}"
                if asked.download == "csv"
                else f"crosstab-{chosen.row_variable.key}-by-{chosen.column_variable.key}",
                asked.download,
                lambda: tables.csv_text(tables.crosstabs_csv_rows(made)),
                lambda: str(chosen.chart()),
            )
        if request.method == "GET":
            audit.record(request, AuditEntry.Action.STATS, detail="cross-tab")
        shown = [
            {
                "group": group,
                "table": table,
                "page_rows": table.page_rows(),
                "chart": table.chart(f"chart-crosstab-{i}"),
                "index": i,
                "table_id": f"crosstab-{i}",
            }
            for i, (group, table) in enumerate(made)
        ]
        filter_query = audit.filter_string(asked.filters_a)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{asked.rows.title} by {' and by '.join(c.title for c in asked.columns)}",
            "subtitle": None,
            "filter_query": filter_query,
            "filter_b": audit.filter_string(asked.filters_b) if asked.filters_b else None,
            "filters": [(k, v) for k, values in asked.filters_a.GET.lists() for v in values],
            "axes": axis_groups(),
            "rows": asked.rows,
            "columns": asked.columns[0],
            "then_by": asked.columns[1] if len(asked.columns) > 1 else None,
            "vary": request.GET.get("vary", ""),
            "crosstabs": shown,
            "table": made[0][1],
            "page_rows": shown[0]["page_rows"],
            "compare_choices": compare_groups(),
            "k_min": disclosure.K,
            "download_query": request.GET.urlencode(),
            "compare_query": compare_query(asked, request),
        }
        return TemplateResponse(request, "admin/screening/submission/crosstab.html", context)

    def compare_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            asked = self.crosstab_choices(request)
            if asked.filters_b is None:
                raise IncorrectLookupParameters("choose group B (vary=<filter>:<value>)")
            rows, columns, download = asked.rows, asked.columns[0], asked.download
            filters_a, filters_b = asked.filters_a, asked.filters_b
            queryset_a = self.filtered(filters_a)
            queryset_b = self.filtered(filters_b)
        except IncorrectLookupParameters as error:
            return self.refused(
                request, f"This comparison cannot be made: {why_unreadable(error)}."
            )
        chosen = list(variables.VARIABLES.values())
        profile_a = stats.profile(queryset_a, chosen)
        profile_b = stats.profile(queryset_b, chosen)
        compared = tables.compare(profile_a, profile_b, chosen)
        n_a = disclosure.suppress_counts([profile_a.n])[0]
        n_b = disclosure.suppress_counts([profile_b.n])[0]
        crosstabs = [
            tables.CrossTab.of(stats.crosstab(queryset, rows, columns), rows, columns)
            for queryset in (queryset_a, queryset_b)
        ]
        if download:
            only = request.GET.get("variable", "verdict")
            chosen_tables = [t for t in compared if t.variable.key == only]
            if not chosen_tables:
                return self.refused(request, "This comparison cannot be made: unknown variable.")
            return self.table_download(
                request,
                "comparison"
                if download == "csv"
                else f"comparison-{chosen_tables[0].variable.key}",
                download,
                lambda: tables.csv_text(tables.comparison_csv_rows(compared, n_a, n_b)),
                lambda: str(tables.comparison_chart(chosen_tables[0], n_a, n_b, "chart-compare")),
            )
        if request.method == "GET":
            audit.record(request, AuditEntry.Action.STATS, detail="comparison")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Compare two groups of submissions",
            "subtitle": None,
            "filter_a": audit.filter_string(filters_a),
            "filter_b": audit.filter_string(filters_b),
            "n_a": n_a,
            "n_b": n_b,
            "rows": rows,
            "columns": columns,
            "crosstab_a": crosstabs[0],
            "crosstab_b": crosstabs[1],
            "rows_a": crosstabs[0].page_rows(),
            "rows_b": crosstabs[1].page_rows(),
            "compared": compared,
            "verdict_chart": tables.comparison_chart(compared[0], n_a, n_b, "chart-compare"),
            "k_min": disclosure.K,
            "download_query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "admin/screening/submission/compare.html", context)

    def table_download(
        self, request: HttpRequest, name: str, kind: str, make_csv: Any, make_svg: Any
    ) -> HttpResponse:
        """A cross-tab or comparison as CSV or its chart as SVG, audited as an export."""
        today = datetime.date.today().isoformat()
        if kind == "csv":
            response = HttpResponse(make_csv(), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(
                charts.standalone(make_svg()), content_type="image/svg+xml; charset=utf-8"
            )
        response["Content-Disposition"] = f'attachment; filename="{name}-{today}.{kind}"'
        response["Cache-Control"] = "no-store"
        if request.method == "GET":
            audit.record(request, AuditEntry.Action.EXPORT, detail=f"{name} {kind}")
        return response

    def retention_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("screening.run_retention"):
            raise PermissionDenied
        purged = retention.purge()
        audit.record(
            request,
            AuditEntry.Action.PURGE,
            query="",
            detail=str(purged),
            rows=purged.deleted,
            outcome=AuditEntry.Outcome.COMPLETE,
        )
        messages.info(request, f"Retention run: {purged}")
        return redirect("admin:screening_submission_changelist")


def package_response(export: exports.Export, entry: AuditEntry) -> StreamingHttpResponse:
    """The export's ZIP (data file and datapackage.json), streamed; the audit entry
    gets the row count and the outcome when the stream ends."""
    response = StreamingHttpResponse(
        exports.streamed(export, lambda rows, outcome: audit.finish(entry, rows, outcome)),
        content_type="application/zip",
    )
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["Cache-Control"] = "no-store"
    return response


# The cross-tab's and comparison's own parameters, sent beside the list's filters.
CROSSTAB_CHOICES = ("rows", "columns", "then_by", "where", "download", "variable", "vary", "chart")


@dataclass(frozen=True)
class CrossTabRequest:
    rows: variables.Variable
    columns: list[variables.Variable]
    download: str
    filters_a: HttpRequest
    filters_b: HttpRequest | None


def compare_query(asked: CrossTabRequest, request: HttpRequest) -> str:
    """The comparison page's query for this cross-tab's groups (empty without a group B)."""
    if asked.filters_b is None:
        return ""
    query = asked.filters_a.GET.copy()
    query["rows"] = asked.rows.key
    query["columns"] = asked.columns[-1].key
    for name, values in request.GET.lists():
        if name == "vary" or name.startswith(B_PREFIX):
            query.setlist(name, values)
    return query.urlencode()


# Group B of a comparison given in full: b.<filter>=<value>.
B_PREFIX = "b."


def axis_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The cross-tab's variables for a <select>, grouped as the registry groups them."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for variable in variables.AXES.values():
        groups.setdefault(variable.group, []).append((variable.key, variable.title))
    return list(groups.items())


def compare_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Group B as "the same filters but <variable> = <value>", for every closed variable."""
    return [
        (
            variable.title,
            [
                (f"{variable.key}:{code}", f"{variable.title}: {label}")
                for code, label in variable.all_choices
            ],
        )
        for variable in variables.VARIABLES.values()
    ]


def group_b_request(filters_a: HttpRequest, request: HttpRequest) -> HttpRequest:
    """The request whose filters are group B.

    ``b.<filter>=<value>`` parameters give B in full; otherwise ``vary=<filter>:<value>``
    makes B the same filters as A with that one filter set to that value (an empty
    value: without that filter).
    """
    explicit = [
        (name.removeprefix(B_PREFIX), value)
        for name, values in request.GET.lists()
        if name.startswith(B_PREFIX)
        for value in values
    ]
    query = QueryDict(mutable=True)
    if explicit:
        for name, value in explicit:
            query.appendlist(name, value)
    else:
        vary = request.GET.get("vary", "")
        key, _, code = vary.partition(":")
        if key not in variables.VARIABLES:
            raise IncorrectLookupParameters("choose group B (vary=<filter>:<value>)")
        query = filters_a.GET.copy()
        query.pop(key, None)
        if code:
            query[key] = code
    filters_b = copy.copy(request)
    filters_b.GET = query
    return filters_b


@dataclass(frozen=True)
class ShownDistribution:
    """A distribution's summary as the page may show it: None where the rule hides it."""

    name: str
    n: int | None
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None


def shown_distribution(
    name: str, dist: stats.Distribution, counts: dict[int, int], n: int
) -> ShownDistribution:
    """Exact minimum, maximum and quartiles only where k runners share the value."""
    answered = disclosure.suppress_subset(dist.n, n)
    if answered is None or dist.n < disclosure.K:
        return ShownDistribution(name, answered, None, None, None, None, None, None)
    return ShownDistribution(
        name,
        answered,
        dist.mean,
        *(
            disclosure.shared_value(value, counts)
            for value in (dist.median, dist.q1, dist.q3, dist.minimum, dist.maximum)
        ),
    )


def statistics_context(figures: stats.Statistics) -> dict[str, Any]:
    """Charts and table rows for the statistics template, every count under the one rule.

    The counts are :func:`stats.disclosed`'s, the same the aggregate download
    gives; this only puts labels on them.
    """
    n = figures.n
    shown = stats.disclosed(figures)
    shown_n = shown[("all", "submissions")]

    def items(table: str, labels: dict[str, str]) -> list[tuple[str, int | None]]:
        return [(labels.get(g, g), count) for (t, g), count in shown.items() if t == table]

    def bins(table: str) -> list[tuple[str, int | None]]:
        return [(g, count) for (t, g), count in shown.items() if t == table]

    verdict_items = items("verdict", variables.VERDICT_LABELS)
    component_rows = [
        (variable.title, [shown[(variable.key, s)] for s in stats.STATUSES])
        for variable in variables.COMPONENTS
    ]
    status_labels = [variables.STATUS_LABELS[s] for s in stats.STATUSES]
    category_items = items("category", CATEGORY_LABELS)
    version_items = items(
        "instrument_version", {v: f"Version {v}" for v in figures.by_instrument_version}
    )
    pattern_items = items("pattern", PATTERN_LABELS)
    side_items = items("side", {s: _humanise(s) for s in stats.SIDES})
    sex_items = items("sex", {s: SEX_LABELS.get(s, _humanise(s)) for s in figures.by_sex})
    criteria_items = [
        (f"{cid} {scoring.CRITERION_TITLES[cid]}", shown[("criterion_supported", cid)])
        for cid in stats.CRITERIA_IDS
    ]
    flag_items = [(FLAG_TITLES[code], shown[("flag", code)]) for code in stats.FLAG_CODES]
    limit_rows = []
    heat_rows = []
    for activity in instrument.LIMIT_ACTIVITIES:
        cells = [
            (shown[("limited", f"{scale}_{activity}")], shown[("answered", f"{scale}_{activity}")])
            for scale in ("worst", "typical")
        ]
        limit_rows.append((ACTIVITY_LABELS[activity], *cells))
        heat_rows.append(
            (
                ACTIVITY_LABELS[activity],
                [
                    limited / answered if limited is not None and answered else None
                    for limited, answered in cells
                ],
            )
        )
    onset_bins = bins("onset_age")
    duration_bins = bins("duration_years")
    return {
        "shown_n": shown_n,
        "verdict_chart": charts.bar_chart(
            "chart-verdict", "Working definition: verdict", verdict_items, shown_n
        ),
        "verdict_items": verdict_items,
        "component_rows": component_rows,
        "status_labels": status_labels,
        "category_chart": charts.bar_chart(
            "chart-category", "Submissions by triage result", category_items, shown_n
        ),
        "category_items": category_items,
        "version_items": version_items,
        "pattern_chart": charts.bar_chart(
            "chart-pattern", "Submissions by pattern", pattern_items, shown_n
        ),
        "pattern_items": pattern_items,
        "side_chart": charts.bar_chart("chart-side", "Affected side", side_items, shown_n),
        "side_items": side_items,
        "sex_items": sex_items,
        "criteria_chart": charts.bar_chart(
            "chart-criteria", "Criteria supported by the answers", criteria_items, shown_n
        ),
        "criteria_items": criteria_items,
        "flag_chart": charts.bar_chart("chart-flags", "Flags raised", flag_items, shown_n),
        "flag_items": flag_items,
        "onset_bins": onset_bins,
        "duration_bins": duration_bins,
        "onset_chart": charts.histogram(
            "chart-onset", "Age at onset", onset_bins, "age when it began (years)", shown_n
        ),
        "duration_chart": charts.histogram(
            "chart-duration", "Years since onset", duration_bins, "years with the problem", shown_n
        ),
        "limits_chart": charts.heat_map(
            "chart-limits",
            "Share of runners limited, at worst and on a typical day",
            heat_rows,
            ["At worst", "Typical day"],
        ),
        "limit_rows": limit_rows,
        "distributions": [
            shown_distribution("Age at onset (years)", figures.onset_age, figures.onset_counts, n),
            shown_distribution("Years since onset", figures.duration, figures.duration_counts, n),
            shown_distribution("Age now (years)", figures.current_age, figures.current_counts, n),
        ],
    }


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail: stewards read it; nobody adds, changes or deletes an entry."""

    list_display = (
        "at",
        "username",
        "action",
        "object_ref",
        "query_display",
        "detail",
        "rows",
        "outcome",
        "reason",
    )
    list_filter = ("action", "outcome")
    search_fields = ("=username", "=object_ref")
    ordering = ("-at", "-id")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in AuditEntry._meta.fields]

    @admin.display(description="filter")
    def query_display(self, entry: AuditEntry) -> str:
        return format_html_join(" ", "<code>{}</code>", ((entry.query,),)) if entry.query else "-"


from reviewer import followup_admin  # noqa: E402, F401  (registers the follow-ups admin)
