from django.urls import path

from runner import views

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
]
