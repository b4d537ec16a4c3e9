from django.urls import include, path

urlpatterns = [
    path("", include("sightline.web.urls")),
]
