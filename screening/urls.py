from django.urls import path

from screening import api, report_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("api/v1/score", api.score_view, name="api-score"),
    path("r/<uuid:public_id>/summary.pdf", report_views.submission_pdf, name="submission-pdf"),
]
