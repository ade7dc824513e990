from django.apps import AppConfig


class RunnerConfig(AppConfig):
    """The runner's pages: the questionnaire, the result, the code and deletion."""

    name = "runner"

    def warm_up(self) -> None:
        """Called by config/wsgi.py before gunicorn forks its workers."""
        from runner.views import warm_blank_forms

        warm_blank_forms()
