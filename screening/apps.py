from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """The clinical core: instrument, scoring, question wording, what is stored."""

    name = "screening"
    verbose_name = "Screening"
