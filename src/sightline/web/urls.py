from django.urls import path

from sightline.web import (
    assessment_views,
    audit_views,
    auth_views,
    caseload_views,
    dashboard_views,
    linkage_views,
    mash_views,
    notification_views,
    people_views,
    plan_views,
    returns_views,
    review_action_views,
    review_chronology_views,
    review_views,
    token_views,
    views,
)

app_name = "web"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("sign-in", auth_views.sign_in, name="sign-in"),
    path("sign-in/two-factor", auth_views.two_factor, name="two-factor"),
    path("sign-in/two-factor/set-up", auth_views.two_factor_set_up, name="two-factor-set-up"),
    path("sign-out", auth_views.sign_out, name="sign-out"),
    path("account/password", auth_views.password_change, name="password-change"),
    path("feeds/<int:feed_file_id>", views.feed_file_detail, name="feed-file"),
    path("quarantine", views.quarantine_index, name="quarantine"),
    path("quarantine/<int:quarantine_id>", views.quarantine_detail, name="quarantine-line"),
    path("retention", views.retention_page, name="retention"),
    path("linkage/review", linkage_views.review_list, name="link-review"),
    path("linkage/review/<int:pair_id>", linkage_views.review_pair, name="link-review-pair"),
    path("people/search", people_views.person_search_page, name="person-search"),
    path("people/<str:public_id>", people_views.child_page, name="person"),
    path(
        "people/<str:public_id>/chronology",
        people_views.child_chronology_page,
        name="person-chronology",
    ),
    path("people/<str:public_id>/family", people_views.child_family_page, name="person-family"),
    path(
        "people/<str:public_id>/access-log",
        people_views.child_access_log_page,
        name="person-access-log",
    ),
    path(
        "people/<str:public_id>/access-log.csv",
        people_views.child_access_log_csv,
        name="person-access-log-csv",
    ),
    path(
        "people/<str:public_id>/flags/<int:flag_id>/acknowledge",
        people_views.flag_acknowledge_view,
        name="flag-acknowledge",
    ),
    path(
        "people/<str:public_id>/flags/<int:flag_id>/dismiss",
        people_views.flag_dismiss_view,
        name="flag-dismiss",
    ),
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
    path(
        "people/<str:public_id>/assessments",
        assessment_views.assessments_page,
        name="person-assessments",
    ),
    path(
        "people/<str:public_id>/assessments/start",
        assessment_views.assessment_start_view,
        name="person-assessment-start",
    ),
    path(
        "people/<str:public_id>/assessments/<int:assessment_id>",
        assessment_views.assessment_page,
        name="person-assessment",
    ),
    path("notifications", notification_views.notifications_page, name="notifications"),
    path(
        "notifications/read", notification_views.notifications_read_view, name="notifications-read"
    ),
    path("caseload", caseload_views.caseload_page, name="caseload"),
    path(
        "people/<str:public_id>/allocation",
        caseload_views.allocation_page,
        name="person-allocation",
    ),
]

# Plans and referrals to specialist services (sightline.web.plan_views).
urlpatterns += [
    path("people/<str:public_id>/plans", plan_views.plans_page, name="person-plans"),
    path("people/<str:public_id>/plans/start", plan_views.plan_start_view, name="plan-start"),
    path("people/<str:public_id>/plans/<int:plan_id>", plan_views.plan_page, name="person-plan"),
    path(
        "people/<str:public_id>/plans/<int:plan_id>/actions",
        plan_views.plan_action_add_view,
        name="plan-action-add",
    ),
    path(
        "people/<str:public_id>/plans/<int:plan_id>/actions/<int:action_id>/done",
        plan_views.plan_action_done_view,
        name="plan-action-done",
    ),
    path(
        "people/<str:public_id>/plans/<int:plan_id>/meetings",
        plan_views.plan_meeting_view,
        name="plan-meeting",
    ),
    path(
        "people/<str:public_id>/plans/<int:plan_id>/end",
        plan_views.plan_end_view,
        name="plan-end",
    ),
    path(
        "people/<str:public_id>/referrals", plan_views.referral_create_view, name="referral-create"
    ),
    path(
        "people/<str:public_id>/referrals/<int:referral_id>/outcome",
        plan_views.referral_outcome_view,
        name="referral-outcome",
    ),
]

# Break-glass access, its report to managers, and subject access (sightline.web.audit_views).
urlpatterns += [
    path("break-glass", audit_views.break_glass_view, name="break-glass"),
    path("break-glass/granted", audit_views.break_glass_granted, name="break-glass-granted"),
    path("break-glass/grants", audit_views.break_glass_grants_page, name="break-glass-grants"),
    path("subject-access", audit_views.subject_access_page, name="subject-access"),
]

# Agency API tokens, for administrators (sightline.web.token_views).
urlpatterns += [
    path("api-tokens", token_views.tokens_page, name="api-tokens"),
    path("api-tokens/new", token_views.token_new_page, name="api-token-new"),
    path("api-tokens/<int:token_id>", token_views.token_page, name="api-token"),
    path(
        "api-tokens/<int:token_id>/rotate", token_views.token_rotate_view, name="api-token-rotate"
    ),
    path(
        "api-tokens/<int:token_id>/revoke", token_views.token_revoke_view, name="api-token-revoke"
    ),
]

# Case reviews, their findings and the learning themes (sightline.web.review_views).
urlpatterns += [
    path("reviews", review_views.reviews_page, name="reviews"),
    path("reviews/new", review_views.review_new_page, name="review-new"),
    path("reviews/<str:reference>", review_views.review_detail_page, name="review-detail"),
    path("reviews/<str:reference>/edit", review_views.review_edit_page, name="review-edit"),
    path("reviews/<str:reference>/status", review_views.review_status_view, name="review-status"),
    path(
        "reviews/<str:reference>/children",
        review_views.review_children_page,
        name="review-children",
    ),
    path(
        "reviews/<str:reference>/findings",
        review_views.review_findings_page,
        name="review-findings",
    ),
    path("learning-themes", review_views.learning_themes_page, name="learning-themes"),
]

# Case reviews' recommendations, action plans and the tracker across all reviews
# (sightline.web.review_action_views; issue 7 part 4).
urlpatterns += [
    path(
        "reviews/<str:reference>/recommendations",
        review_action_views.recommendations_page,
        name="review-recommendations",
    ),
    path(
        "reviews/<str:reference>/recommendations/add",
        review_action_views.recommendation_add_view,
        name="review-recommendation-add",
    ),
    path(
        "reviews/<str:reference>/actions/add",
        review_action_views.review_action_add_view,
        name="review-action-add",
    ),
    path(
        "reviews/<str:reference>/actions/<int:review_action_id>/status",
        review_action_views.review_action_update_view,
        name="review-action-update",
    ),
    path(
        "reviews/<str:reference>/actions/<int:review_action_id>/due",
        review_action_views.review_action_reschedule_view,
        name="review-action-reschedule",
    ),
    path("review-actions", review_action_views.tracker_page, name="review-actions"),
    path("review-actions.csv", review_action_views.tracker_csv, name="review-actions-csv"),
]

# Statutory returns: the DfE Children in Need census (sightline.web.returns_views).
urlpatterns += [
    path("returns/cin-census", returns_views.cin_census_page, name="cin-census"),
    path("returns/cin-census/xml", returns_views.cin_census_xml, name="cin-census-xml"),
]

# A case review's chronology and its publication (sightline.web.review_chronology_views).
urlpatterns += [
    path(
        "reviews/<str:reference>/chronology",
        review_chronology_views.review_chronology_page,
        name="review-chronology",
    ),
    path(
        "reviews/<str:reference>/chronology/download/<str:fmt>",
        review_chronology_views.review_chronology_download,
        name="review-chronology-download",
    ),
    path(
        "reviews/<str:reference>/publication",
        review_chronology_views.review_publication_page,
        name="review-publication",
    ),
    path(
        "reviews/<str:reference>/published",
        review_chronology_views.review_published_page,
        name="review-published",
    ),
    path(
        "reviews/<str:reference>/published.pdf",
        review_chronology_views.review_published_pdf,
        name="review-published-pdf",
    ),
]

# The partnership's dashboard: figures as charts, tables and CSV (sightline.web.dashboard_views).
urlpatterns += [
    path("dashboard", dashboard_views.dashboard_page, name="dashboard"),
    path(
        "dashboard/chart/<str:figure>.svg", dashboard_views.dashboard_chart, name="dashboard-chart"
    ),
    path("dashboard/<str:figure>.csv", dashboard_views.dashboard_csv, name="dashboard-csv"),
]
