from django.urls import path

from sightline.web import mash_views, views

app_name = "web"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("feeds/<int:feed_file_id>", views.feed_file_detail, name="feed-file"),
    path("quarantine", views.quarantine_index, name="quarantine"),
    path("quarantine/<int:quarantine_id>", views.quarantine_detail, name="quarantine-line"),
]

# The front door and the MASH (sightline.web.mash_views).
urlpatterns += [
    path("report-a-concern", mash_views.report_concern, name="report-concern"),
    path("report-a-concern/sent", mash_views.concern_sent, name="concern-sent"),
    path("referrals/new", mash_views.referral_new, name="referral-new"),
    path("referrals/sent", mash_views.referral_sent, name="referral-sent"),
    path("mash", mash_views.mash_worklist, name="mash"),
    path("mash/contacts/<int:contact_id>", mash_views.mash_contact, name="mash-contact"),
    path("mash/flags/<int:flag_id>", mash_views.mash_flag, name="mash-flag"),
    path("mash/steps", mash_views.mash_steps, name="mash-steps"),
    path("mash/steps/<int:step_id>/done", mash_views.mash_step_done, name="mash-step-done"),
]
