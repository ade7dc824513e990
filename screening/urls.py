from django.urls import path

from screening import api, fhir_views, report_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("start/", views.start, name="journey-start"),
    path("resume/", views.resume, name="journey-resume"),
    path("step/<slug:step_id>/", views.step, name="journey-step"),
    path("get-help-now/", views.help_now, name="journey-help"),
    path("check-your-answers/", views.review, name="journey-review"),
    path("consent/", views.consent, name="journey-consent"),
    path("result/", views.result, name="journey-result"),
    path("delete/", views.delete, name="journey-delete"),
    path("api/v1/score", api.score_view, name="api-score"),
    path("api/v1/report", api.report_view, name="api-report"),
    path(
        "fhir/Questionnaire/<str:resource_id>", fhir_views.questionnaire, name="fhir-questionnaire"
    ),
    path("fhir/CodeSystem/<str:resource_id>", fhir_views.code_system, name="fhir-code-system"),
    path("fhir/QuestionnaireResponse/$score", fhir_views.score_response, name="fhir-score"),
    path("r/<uuid:public_id>/summary.pdf", report_views.submission_pdf, name="submission-pdf"),
]
