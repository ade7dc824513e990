from django.urls import path, re_path

from interop import api, fhir_views, openapi

urlpatterns = [
    path("api/v1/score", api.score_view, name="api-score"),
    path("api/v1/report", api.report_view, name="api-report"),
    path("api/v1/followup/score", api.followup_score_view, name="api-followup-score"),
    path("api/v1/openapi.json", openapi.openapi_json, name="api-openapi"),
    path(
        "fhir/Questionnaire/<str:resource_id>", fhir_views.questionnaire, name="fhir-questionnaire"
    ),
    path(
        "fhir/Questionnaire/<str:resource_id>/_history/<str:version_id>",
        fhir_views.questionnaire,
        name="fhir-questionnaire-version",
    ),
    path("fhir/CodeSystem/<str:resource_id>", fhir_views.code_system, name="fhir-code-system"),
    path("fhir/QuestionnaireResponse/$score", fhir_views.score_response, name="fhir-score"),
    path("fhir/metadata", fhir_views.metadata, name="fhir-metadata"),
    # Last: any other /fhir/ route is a 404 OperationOutcome, never an HTML page.
    re_path(r"^fhir(?:/|$)", fhir_views.not_found, name="fhir-not-found"),
]
