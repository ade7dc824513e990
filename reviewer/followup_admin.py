"""Follow-ups for the reviewers: the list beside their screenings, and the outcome
agreement page of followup.md (the category x outcome table and the 2x2), under
the one disclosure rule.

Only follow-ups the runner shared, of screenings the runner shared, are seen;
reviewers see them with the screenings' own permission (view_submission), and
every page is audited like the statistics.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from reviewer import disclosure
from reviewer import filters as variables
from screening import audit, followup
from screening.models import AuditEntry, FollowUp

SHORT_OUTCOMES = {
    "dystonia_confirmed": "Dystonia confirmed",
    "other_neurological": "Other neurological",
    "musculoskeletal": "Musculoskeletal",
    "vascular": "Vascular",
    "other_cause": "Other cause",
    "no_cause_found": "No cause found",
    "not_yet": "Not yet",
}


def shared_followups() -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(
        share_for_research=True, submission__share_for_research=True
    ).select_related("submission")


def latest_pairs(followups: QuerySet[FollowUp]) -> list[followup.Pair]:
    """The latest follow-up of each screening, with the screening's issued category and
    whether the runner had a dystonia diagnosis when screened (version 1 never asked)."""
    seen: set[int] = set()
    pairs = []
    for item in followups.order_by("submission_id", "-number"):
        if item.submission_id in seen:
            continue
        seen.add(item.submission_id)
        pairs.append(
            followup.Pair(
                category=item.submission.category,
                prior_dystonia=item.submission.answers.get("prior_diagnosis") == "dystonia",
                outcome=item.outcome,
            )
        )
    return pairs


def agreement_context(pairs: list[followup.Pair]) -> dict[str, Any]:
    """The two tables as the page shows them, every count under the one rule."""
    result = followup.agreement(pairs)
    categories = list(result.table)
    outcomes = list(followup.TABLE_OUTCOMES)
    protected = disclosure.protect([[result.table[c][o] for o in outcomes] for c in categories])
    rows = [
        {
            "category": variables.TRIAGE_LABELS.get(category, category),
            "cells": [disclosure.shown(cell) for cell in protected.cells[index]],
            "total": disclosure.shown(protected.row_totals[index]),
        }
        for index, category in enumerate(categories)
    ]
    two_by_two = disclosure.protect([[result.a, result.b], [result.c, result.d]])
    context: dict[str, Any] = {
        "outcomes": [SHORT_OUTCOMES[o] for o in outcomes],
        "rows": rows,
        "column_totals": [disclosure.shown(c) for c in protected.column_totals],
        "total": disclosure.shown(protected.total),
        "cells": [[disclosure.shown(c) for c in line] for line in two_by_two.cells],
        "shown": result.shown,
        "caveat": followup.NOT_A_VALIDATION,
        "k": disclosure.K,
    }
    if result.shown:
        context["sensitivity"] = _percentages(result.sensitivity())
        context["specificity"] = _percentages(result.specificity())
    return context


def _percentages(values: tuple[float, float, float]) -> dict[str, str]:
    estimate, low, high = values
    return {
        "estimate": f"{100 * estimate:.1f}%",
        "low": f"{100 * low:.1f}%",
        "high": f"{100 * high:.1f}%",
    }


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ("screening", "number", "created_on", "course", "outcome_label")
    list_filter = ("outcome", "course")
    ordering = ("-created_on", "-id")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[FollowUp]:
        return shared_followups()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("screening.view_submission")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="screening", ordering="submission__reference")
    def screening(self, item: FollowUp) -> str:
        url = reverse("admin:screening_submission_change", args=[item.submission_id])
        return format_html('<a href="{}">{}</a>', url, item.submission.reference)

    @admin.display(description="outcome", ordering="outcome")
    def outcome_label(self, item: FollowUp) -> str:
        return SHORT_OUTCOMES.get(item.outcome, item.outcome)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        if request.method == "GET":
            audit.record(request, AuditEntry.Action.LIST, detail="follow-ups")
        return super().changelist_view(
            request,
            {
                **(extra_context or {}),
                "agreement_url": reverse("admin:screening_followup_agreement"),
            },
        )

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "agreement/",
                wrap(require_safe(self.agreement_view)),
                name="screening_followup_agreement",
            ),
            *super().get_urls(),
        ]

    def agreement_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "GET":
            audit.record(request, AuditEntry.Action.STATS, detail="outcome agreement")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Outcome agreement",
            "subtitle": None,
            **agreement_context(latest_pairs(shared_followups())),
        }
        return TemplateResponse(request, "admin/screening/followup/agreement.html", context)
