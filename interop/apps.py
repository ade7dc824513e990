from django.apps import AppConfig


class InteropConfig(AppConfig):
    """Programs: the JSON API, FHIR, and the command-line entry points."""

    name = "interop"

    def ready(self) -> None:
        from interop import fhir_views
        from web.middleware import REFUSAL_FORMATS

        # Whatever layer refuses a FHIR request (rate limit, size, 405, 503),
        # the client reads an OperationOutcome.
        REFUSAL_FORMATS["/fhir/"] = fhir_views.refusal_for_status
