"""Every free-text field Sightline stores, and who can write it.

``test_xss.py`` lists the text fields of every model (CharField, TextField and
JSONField without fixed choices) and fails for one that has no entry here, so a new
field is either attacked by the stored-XSS test or said, with the reason, not to be
anyone's free text. Kinds:

- FORM: a page's form writes it; the XSS test posts the payload through that page.
- FEED: an agency writes it in a feed record (or its file); the test ingests the payload.
- ACCOUNT: whoever sets up staff accounts and agencies writes it (no page does yet);
  the test writes the payload as they would.
- REQUEST: the request itself (its path and query string); the test sends the payload.
- COMMAND: an operator types it at the server, in a ``sightline`` command's argument;
  the test writes the payload through the service the command calls.
- DERIVED: Sightline writes it from code, rules or other fields; the reason says which.
"""

from __future__ import annotations

FORM, FEED, ACCOUNT, REQUEST, COMMAND, DERIVED = (
    "form",
    "feed",
    "account",
    "request",
    "command",
    "derived",
)

# An agreed grade has only its grade and evidence; these fields come with the shared base.
NEVER_WRITTEN = "never written: the lead agrees a grade and its evidence only"

TEXT_FIELDS: dict[str, tuple[str, str]] = {
    # accounts
    "accounts.Team.name": (ACCOUNT, "set when a team is created"),
    "accounts.StaffProfile.job_title": (ACCOUNT, "shown on referrals the person makes"),
    "accounts.AccessLog.path": (REQUEST, "the path and query string as requested"),
    "accounts.AccessLog.prev_hash": (DERIVED, "SHA-256 of the entry before"),
    "accounts.AccessLog.entry_hash": (DERIVED, "SHA-256 of the entry"),
    "accounts.BreakGlassGrant.reason": (FORM, "why emergency access was needed"),
    "accounts.BreakGlassGrant.public_id": (
        DERIVED,
        "the id asked for, kept only when it has the shape of a Sightline person id",
    ),
    "accounts.AccountEvent.by": (
        COMMAND,
        "`sightline users reset-2fa`'s operator; on a page, the signed-in username",
    ),
    "accounts.AccountEvent.reason": (COMMAND, "why two-factor was reset, as the operator typed it"),
    # feeds
    "feeds.Agency.code": (DERIVED, "checked against ^[a-z0-9][a-z0-9-]{1,63}$ before it is kept"),
    "feeds.Agency.name": (ACCOUNT, "no page or feed writes it yet"),
    "feeds.FeedFile.name": (FEED, "the file name as sent"),
    "feeds.FeedFile.checksum": (DERIVED, "SHA-256 of the bytes"),
    "feeds.FeedFile.sent_by": (FEED, "who sent the file, as the command or API was told"),
    "feeds.FeedFile.error": (DERIVED, "Sightline's own message when a file cannot be read"),
    "feeds.SourceRecord.record_id": (FEED, "the agency's record id"),
    "feeds.SourceRecord.details": (FEED, "the record's details, extra keys allowed"),
    "feeds.SourceRecord.summary": (FEED, "the record's summary"),
    "feeds.SourceRecord.type": (DERIVED, "one of the feed format's record types"),
    "feeds.SourceRecord.warnings": (FEED, "validation warnings, which quote the input"),
    "feeds.SourceRecord.payload": (FEED, "the record exactly as sent"),
    "feeds.SourceRecord.content_hash": (DERIVED, "SHA-256 of the record"),
    "feeds.RecordHead.record_id": (FEED, "the agency's record id"),
    "feeds.RecordHead.content_hash": (DERIVED, "SHA-256 of the record"),
    "feeds.SubjectRecord.local_id": (FEED, "the agency's id for the person"),
    "feeds.SubjectRecord.role": (DERIVED, "'subject' or a role from the feed's fixed list"),
    "feeds.SubjectRecord.given_name": (FEED, "a name as the agency wrote it"),
    "feeds.SubjectRecord.family_name": (FEED, "a name as the agency wrote it"),
    "feeds.SubjectRecord.other_names": (FEED, "names as the agency wrote them"),
    "feeds.SubjectRecord.sex": (DERIVED, "one of the feed's fixed values"),
    "feeds.SubjectRecord.nhs_number_as_written": (FEED, "the NHS number as written"),
    "feeds.SubjectRecord.nhs_number": (DERIVED, "ten digits that passed the check"),
    "feeds.SubjectRecord.upn_as_written": (FEED, "the UPN as written"),
    "feeds.SubjectRecord.upn": (DERIVED, "a UPN that passed the check"),
    "feeds.SubjectRecord.postcode_as_written": (FEED, "the postcode as written"),
    "feeds.SubjectRecord.postcode": (DERIVED, "normalised, only when it parses"),
    "feeds.SubjectRecord.address": (FEED, "the address as written"),
    "feeds.QuarantinedLine.reasons": (FEED, "why the line was refused, quoting it"),
    "feeds.QuarantinedLine.agency_code": (FEED, "the agency field of a refused line"),
    "feeds.QuarantinedLine.record_id": (FEED, "the record id of a refused line"),
    "feeds.FeedFile.owner": (DERIVED, "host, process id and start of the ingesting process"),
    # retention (feeds/retention.py)
    "feeds.RetentionRun.error": (DERIVED, "Sightline's own message when a run fails"),
    "feeds.RetentionRun.report": (DERIVED, "counts by class and rule"),
    "feeds.Tombstone.record_class": (DERIVED, "a class of the retention schedule"),
    "feeds.Tombstone.kind": (DERIVED, "which table the deleted row was in"),
    "feeds.Tombstone.record_id": (
        DERIVED,
        "copied from the deleted record's id (attacked as feeds.SourceRecord.record_id); "
        "the retention page shows counts, not ids",
    ),
    "feeds.Tombstone.rule": (DERIVED, "the schedule's rule that expired the record"),
    "feeds.Tombstone.period": (DERIVED, "the schedule's period, such as 25 years"),
    "feeds.LegalHold.reason": (COMMAND, "`sightline retention hold --reason`"),
    "feeds.LegalHold.placed_by": (COMMAND, "`sightline retention hold --by`"),
    "feeds.LegalHold.released_by": (COMMAND, "`sightline retention release --by`"),
    # jobs (link and evaluate as restartable jobs)
    "jobs.Job.command": (DERIVED, "link or evaluate, named in code"),
    "jobs.Job.arguments": (
        DERIVED,
        "the command's options, shell-quoted, from fixed choices and dates; shown on no page",
    ),
    "jobs.Job.owner": (DERIVED, "host, process id and start of the worker"),
    "jobs.Job.error": (DERIVED, "Sightline's own message when a job fails"),
    "jobs.Job.notes": (DERIVED, "interruptions and which worker finished, in Sightline's words"),
    # api (the partner API's tokens)
    "api.ApiToken.name": (FORM, "api-token-new (and `sightline tokens create`)"),
    "api.ApiToken.prefix": (DERIVED, "random characters that name the token"),
    "api.ApiToken.secret_hash": (DERIVED, "SHA-256 of the token"),
    "api.ApiToken.created_by": (DERIVED, "the signed-in user's username, or cli"),
    "api.ApiTokenEvent.by_name": (DERIVED, "the signed-in user's username, or cli"),
    "api.ApiTokenEvent.note": (DERIVED, "Sightline's sentence naming the other token's id"),
    # linkage
    "linkage.Person.public_id": (DERIVED, "P- and ten random characters"),
    "linkage.AgencyPerson.local_id": (FEED, "the agency's id for the person"),
    "linkage.LinkRun.kind": (DERIVED, "full or incremental"),
    "linkage.LinkRun.engine": (DERIVED, "duckdb or spark"),
    "linkage.LinkRun.error": (DERIVED, "Sightline's own message when a run fails"),
    "linkage.LinkRun.notes": (DERIVED, "what the run could not do, in Sightline's words"),
    "linkage.LinkRun.model_json": (DERIVED, "the trained Splink model"),
    "linkage.CandidatePair.guard_reason": (DERIVED, "the guard's own sentence"),
    "linkage.CandidatePair.explanation": (DERIVED, "match weights by comparison"),
    "linkage.LinkDecision.decided_by": (DERIVED, "the signed-in user's username"),
    "linkage.LinkDecision.reason": (FORM, "link-review-pair"),
    "linkage.Relationship.role": (DERIVED, "a role from the feed's fixed list"),
    # indicators
    "indicators.EvaluationRun.scope": (DERIVED, "population or person"),
    "indicators.EvaluationRun.scenario": (DERIVED, "live, or as-of and a date"),
    "indicators.EvaluationRun.engine": (DERIVED, "duckdb or spark"),
    "indicators.EvaluationRun.error": (DERIVED, "Sightline's own message when a run fails"),
    "indicators.EvaluationRun.notes": (DERIVED, "what the run could not do"),
    "indicators.EvaluationRun.timings": (DERIVED, "seconds by step"),
    "indicators.Flag.scenario": (DERIVED, "live, or as-of and a date"),
    "indicators.Flag.rule_id": (DERIVED, "a rule of the catalogue"),
    "indicators.Flag.level": (DERIVED, "consider or suspect"),
    "indicators.Flag.title": (DERIVED, "the rule's title"),
    "indicators.Flag.source": (DERIVED, "the rule's guidance"),
    "indicators.Flag.explanation": (DERIVED, "the rule's sentence over its evidence"),
    "indicators.Flag.status_reason": (FORM, "flag-dismiss"),
    "indicators.FlagEvidence.agency_code": (DERIVED, "a checked agency code"),
    "indicators.FlagEvidence.record_id": (FEED, "the agency's record id of the evidence"),
    "indicators.FlagStatusChange.reason": (FORM, "flag-dismiss"),
    "indicators.FlagStatusChange.by": (DERIVED, "the signed-in user's username"),
    "indicators.DataQualityWarning.field": (DERIVED, "a field name of the feed format"),
    "indicators.DataQualityWarning.reason": (DERIVED, "the rule's sentence about a value"),
    # reviews
    "reviews.CaseReview.reference": (DERIVED, "CR-, the start year and the next free number"),
    "reviews.CaseReview.title": (FORM, "review-new, review-edit"),
    "reviews.CaseReview.terms_of_reference": (FORM, "review-new, review-edit"),
    "reviews.CaseReview.independent_reviewer": (FORM, "review-new, review-edit"),
    "reviews.CaseReview.published_title": (FORM, "review-publication"),
    "reviews.CaseReview.published_summary": (FORM, "review-publication"),
    "reviews.ReviewChild.code": (DERIVED, "checked against ^[A-Z]{1,8}$ before it is kept"),
    "reviews.Finding.text": (FORM, "review-findings"),
    "reviews.Finding.themes": (DERIVED, "ids of the learning themes catalogue, checked when kept"),
    "reviews.Recommendation.text": (FORM, "review-recommendation-add"),
    "reviews.ReviewAction.description": (FORM, "review-action-add"),
    "reviews.ReviewAction.owner": (FORM, "review-action-add"),
    "reviews.ReviewAction.evidence": (FORM, "review-action-update"),
    "reviews.ReviewAction.dropped_reason": (FORM, "review-action-update"),
    "reviews.ReviewActionUpdate.note": (FORM, "review-action-update"),
    # casework
    "casework.Allocation.reason": (FORM, "person-allocation"),
    "casework.Contact.reference": (DERIVED, "C-, the year and the row's number"),
    "casework.Contact.reporter_name": (FORM, "report-concern"),
    "casework.Contact.reporter_phone": (FORM, "report-concern"),
    "casework.Contact.reporter_email": (FORM, "report-concern"),
    "casework.Contact.reporter_relationship": (FORM, "report-concern"),
    "casework.Contact.reporter_agency": (ACCOUNT, "the referrer's agency's name"),
    "casework.Contact.reporter_job_title": (ACCOUNT, "the referrer's job title"),
    "casework.Contact.child_given_name": (FORM, "report-concern"),
    "casework.Contact.child_family_name": (FORM, "report-concern"),
    "casework.Contact.child_age": (FORM, "report-concern"),
    "casework.Contact.child_address": (FORM, "report-concern"),
    "casework.Contact.child_school": (FORM, "report-concern"),
    "casework.Contact.child_nhs_number": (DERIVED, "ten digits that passed the check"),
    "casework.Contact.concern": (FORM, "report-concern"),
    "casework.Contact.family_aware": (DERIVED, "one of the referral form's three answers"),
    "casework.Contact.matched_on": (DERIVED, "what the match rested on, in Sightline's words"),
    "casework.TriageDecision.reason": (FORM, "mash-contact"),
    "casework.CaseStep.timescale": (DERIVED, "from timescales.TIMESCALES"),
    "casework.NeglectAssessment.summary": (FORM, "person-assessment"),
    "casework.AssessmentContribution.evidence": (FORM, "person-assessment"),
    "casework.AssessmentContribution.working_well": (FORM, "person-assessment"),
    "casework.AssessmentContribution.worries": (FORM, "person-assessment"),
    "casework.AssessmentContribution.needs_to_happen": (FORM, "person-assessment"),
    "casework.AgreedGrade.evidence": (FORM, "person-assessment"),
    "casework.AgreedGrade.working_well": (DERIVED, NEVER_WRITTEN),
    "casework.AgreedGrade.worries": (DERIVED, NEVER_WRITTEN),
    "casework.AgreedGrade.needs_to_happen": (DERIVED, NEVER_WRITTEN),
    "casework.Plan.category": (FORM, "plan-start"),
    "casework.Plan.ending_reason": (FORM, "plan-end"),
    "casework.Plan.ending_review_note": (FORM, "plan-end"),
    "casework.PlanOutcome.description": (FORM, "plan-start"),
    "casework.PlanAction.description": (FORM, "plan-action-add"),
    "casework.PlanAction.owner": (FORM, "plan-action-add"),
    "casework.PlanMeeting.attended_by": (FORM, "plan-meeting"),
    "casework.PlanMeeting.notes": (FORM, "plan-meeting"),
    "casework.ServiceReferral.reason": (FORM, "referral-create"),
    "casework.ServiceReferral.outcome_note": (FORM, "referral-outcome"),
    "casework.Notification.subject_key": (DERIVED, "a flag's or record's key"),
    "casework.Notification.title": (DERIVED, "a flag's title, agency codes and counts"),
    "casework.Notification.body": (DERIVED, "a flag's explanation, or public ids and counts"),
    "casework.NotificationMark.name": (DERIVED, "a name in code"),
}
