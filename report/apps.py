from django.apps import AppConfig


class ReportConfig(AppConfig):
    """The clinician's PDF: the document, its body map and its download."""

    name = "report"
