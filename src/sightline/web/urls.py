from django.urls import path

from sightline.web import views

app_name = "web"
urlpatterns = [
    path("", views.overview, name="overview"),
]
