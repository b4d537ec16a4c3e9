from django.urls import include, path

urlpatterns = [
    # The partner API (sightline.api): agency tokens, not sign-in.
    path("api/v1/", include("sightline.api.urls")),
    path("", include("sightline.web.urls")),
]
