from django.urls import path

from screening import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("api/v1/score", api.score_view, name="api-score"),
]
