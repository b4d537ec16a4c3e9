from django.urls import path

from sightline.web import linkage_views, views

app_name = "web"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("feeds/<int:feed_file_id>", views.feed_file_detail, name="feed-file"),
    path("quarantine", views.quarantine_index, name="quarantine"),
    path("quarantine/<int:quarantine_id>", views.quarantine_detail, name="quarantine-line"),
    path("linkage/review", linkage_views.review_list, name="link-review"),
    path("linkage/review/<int:pair_id>", linkage_views.review_pair, name="link-review-pair"),
]
