from django.urls import path

from report import views

urlpatterns = [
    path("r/<uuid:public_id>/summary.pdf", views.submission_pdf, name="submission-pdf"),
]
