"""Pages for the runner."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from screening.instrument import INSTRUMENT_VERSION
from screening.scoring import SCORING_VERSION


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "screening/home.html", {})


def about(request: HttpRequest) -> HttpResponse:
    context = {"instrument_version": INSTRUMENT_VERSION, "scoring_version": SCORING_VERSION}
    return render(request, "screening/about.html", context)
