from django.apps import AppConfig


class ReviewerConfig(AppConfig):
    """The staff workspace: admin, statistics, charts, exports."""

    name = "reviewer"
