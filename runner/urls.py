from django.urls import path

from runner import followup_views, views

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
    path("follow-up/", followup_views.start, name="followup-start"),
    path("follow-up/step/<slug:step_id>/", followup_views.step, name="followup-step"),
    path("follow-up/check/", followup_views.check, name="followup-check"),
    path("follow-up/result/", followup_views.result, name="followup-result"),
    path("follow-up/keep/", followup_views.keep, name="followup-keep"),
]
