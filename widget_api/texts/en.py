"""English: every text of the service, one block (texts/__init__.py says how to add a language)."""

TEXTS: dict[str, str] = {
    # The widget, through /api/v1/widget-config (texts/__init__.py fills them from the settings)
    "widget.greeting": (
        "Hi! I'm the {shop} help assistant. Ask me anything about orders, "
        "shipping, returns or payment. I answer at any hour; a person from our "
        "team answers in service hours."
    ),
    "privacy.notice": (
        "{shop} answers your questions on its own server: nothing is sent to "
        "third parties and no cookies are set. Questions the assistant could not "
        "answer, and whether an answer helped you, are kept without anything "
        "about you {questions}, to improve the answers. If you ask for a person, "
        "we store the conversation and, only if you give them, your name and "
        "e-mail address, to answer you. So that you can read the reply here "
        "later, your browser keeps a key to the conversation in its local storage "
        "(not a cookie) until the conversation is deleted. {inactive} {closed} "
        'You can delete the conversation yourself at any time with "Delete this '
        'conversation". Questions about your data: {email}. (Privacy notice '
        "version {version})"
    ),
    "privacy.summary": (
        "{shop} keeps this conversation (your name and e-mail address only if you give "
        "them) to answer you. You can delete it at any time."
    ),
    "privacy.more": "Full privacy notice",
    "privacy.questions": "for {n} days",
    "privacy.questions_off": "until we delete them",
    "privacy.inactive": "After {n} days without activity it is closed.",
    "privacy.inactive_off": "",
    "privacy.closed": "A closed conversation is deleted after {n} days.",
    "privacy.closed_off": "It is kept until you or we delete it.",
    "contact.text": "You can also write to us at {email}{phone}.",
    "contact.phone": " or call {phone}",
    # Service hours and the promise of a reply (visitor/service_hours.py)
    "day.monday": "Monday",
    "day.tuesday": "Tuesday",
    "day.wednesday": "Wednesday",
    "day.thursday": "Thursday",
    "day.friday": "Friday",
    "day.saturday": "Saturday",
    "day.sunday": "Sunday",
    "month.january": "January",
    "month.february": "February",
    "month.march": "March",
    "month.april": "April",
    "month.may": "May",
    "month.june": "June",
    "month.july": "July",
    "month.august": "August",
    "month.september": "September",
    "month.october": "October",
    "month.november": "November",
    "month.december": "December",
    "hours.day_range": "{first} to {last}",
    "hours.today_at": "today at {clock}",
    "hours.tomorrow_at": "tomorrow at {clock}",
    "hours.date_at": "{weekday}, {day} {month} at {clock}",
    "hours.weekly": "Our team answers {weekly} ({zone}).",
    "hours.open_now": "Someone is available now.",
    "hours.next_opening": "A person will answer from {when}.",
    "reply.open": (
        "Someone from our team is available now and usually answers within a few hours today."
    ),
    "reply.closed": "Our team is not available right now. A person will answer from {when}.",
    "reply.closing_soon": (
        "Our team is here until {until}. If we cannot answer before then, a "
        "person will answer from {when}."
    ),
    "reply.never": "A person from our team will answer as soon as they can.",
    "conversation.staff_name": "Team",
    # The widget's question after a person answered and closed the conversation
    "rating.question": "How satisfied are you with our team's answer?",
    "rating.scale": "1 = not at all satisfied, 5 = very satisfied",
    "rating.comment": "Anything else you want to tell us? (optional)",
    "rating.send": "Send rating",
    "rating.decline": "No thanks",
    "rating.thanks": "Thank you for your rating!",
    # The public help centre (help/): its pages, and the widget's links to it
    "help.title": "{shop} help centre",
    "help.heading": "Frequently asked questions",
    "help.skip": "Skip to the content",
    "help.languages": "Languages",
    "help.in_language": "Read in English",
    "help.topic_in_language": "This question in English",
    "help.search_label": "Search the questions",
    "help.search": "Search",
    "help.results_for": "Results for “{query}”",
    "help.results_in_this_language": (
        "Your search is in English, so here are our English questions."
    ),
    "help.nothing_found": "We found nothing for “{query}”. Try other words, or fewer.",
    "help.nothing_found_next": "Or ask us directly:",
    "help.all_questions": "All questions",
    "help.more": "More questions",
    "help.contact_lead": "Still have a question?",
    "help.contact_chat": "Ask in the chat on our website",
    "help.contact_or": "or write to",
    "help.not_found": "There is no such page in our help centre.",
    "help.too_many": "That was a lot of searches at once. Please wait a minute and try again.",
    "help.no_sitemap": (
        "No sitemap: set HELP_CENTRE_URL to the help centre's public address "
        "(e.g. https://support.example.com/help/) to publish one."
    ),
    "help.browse": "Browse all questions",
    "help.open_page": "Open as a page",
    # E-mail (notifications/notifier.py)
    "mail.staff_subject": "New question from a visitor ({lang})",
    "mail.staff_body": (
        "A visitor asked a question the FAQ could not answer (language: "
        "{lang}).\n\n{question}\n\nOpen the conversation in the staff inbox:\n"
        "{link}\n"
    ),
    "mail.visitor_subject": "{shop}: a reply to your question",
    "mail.visitor_body": (
        "Hello,\n\nour team has answered the question you asked in our chat on "
        '{date}, which began:\n\n    "{excerpt}"\n\nThe answer:\n\n{reply}\n\n'
        "To answer, open the chat on our website: {site}\n\nYou get this "
        "e-mail because you left your address with your question. In the chat "
        "you can delete the conversation at any time.\n\n{shop}\n"
    ),
    "mail.date": "{day} {month} {year}",
    # The staff area (staff/texts.py's t() adds the prefix)
    "staff.inbox": "Support inbox",
    "staff.sign_in": "Sign in",
    "staff.sign_out": "Sign out",
    "staff.email": "E-mail address",
    "staff.password": "Password",
    "staff.bad_login": "E-mail address or password is wrong.",
    "staff.too_many_logins": "Too many attempts. Please wait a few minutes and try again.",
    "staff.queue_new": "New",
    "staff.queue_mine": "Mine",
    "staff.queue_waiting": "Waiting for visitor",
    "staff.queue_closed": "Closed",
    "staff.empty_queue": "Nothing here.",
    "staff.queue_pages": "Pages of this queue",
    "staff.queue_count": "{shown} of {total} shown",
    "staff.order_oldest": "Oldest first",
    "staff.order_newest": "Newest first",
    "staff.next_page": "Next page",
    "staff.first_page": "First page",
    "staff.age": "Age",
    "staff.language": "Language",
    "staff.question": "Question",
    "staff.status": "Status",
    "staff.assigned": "Assigned to",
    "staff.nobody": "nobody",
    "staff.open": "Open",
    "staff.claim": "Claim",
    "staff.claimed_by_other": "Someone else claimed this conversation first.",
    "staff.claimed": "You claimed this conversation.",
    "staff.reply": "Reply to the visitor",
    "staff.send_reply": "Send reply",
    "staff.note": "Internal note (never shown to the visitor)",
    "staff.add_note": "Add note",
    "staff.close": "Close",
    "staff.reopen": "Reopen",
    "staff.bot_showed": "What the bot showed",
    "staff.thread": "Conversation",
    "staff.visitor": "Visitor",
    "staff.bot": "Bot",
    "staff.staff": "Staff",
    "staff.internal_note": "Internal note",
    "staff.contact": "Contact",
    "staff.no_contact": "The visitor left no contact details; they read replies in the widget.",
    "staff.consent": "Consent given",
    "staff.save_draft": "Save as FAQ draft",
    "staff.draft_saved": "Saved as an FAQ draft for an editor to review.",
    "staff.drafts": "FAQ drafts",
    "staff.no_drafts": "No drafts to review.",
    "staff.accept": "Accept",
    "staff.reject": "Reject",
    "staff.download": "Download as FAQ file",
    "staff.draft_from": "From conversation",
    "staff.empty_text": "Write something first.",
    "staff.text_too_long": "That text is too long.",
    "staff.forbidden": "Your role does not allow this page.",
    "staff.not_found": "There is nothing at this address (any more). The menu above leads on.",
    "staff.csrf": "The form expired. Please reload the page and try again.",
    "staff.replied": "Reply sent.",
    "staff.noted": "Note added.",
    "staff.closed": "Conversation closed.",
    "staff.reopened": "Conversation reopened.",
    "staff.back": "Back to the queue",
    "staff.minutes": "{n} min",
    "staff.hours": "{n} h",
    "staff.days": "{n} d",
    "staff.status_new": "new",
    "staff.status_open": "open",
    "staff.status_waiting": "waiting",
    "staff.status_closed": "closed",
    "staff.status_proposed": "to review",
    "staff.status_accepted": "accepted",
    "staff.status_rejected": "rejected",
    "staff.draft_entry": "new entry",
    "staff.draft_alternative": "new phrasing for {faq_id}",
    "staff.answers_title": "Insert an FAQ answer",
    "staff.answers_search": "Search the FAQ answers ({lang})",
    "staff.answers_found": "The best matches for “{query}”:",
    "staff.answers_none": "No FAQ answer in this conversation's language matches “{query}”.",
    "staff.answers_query_too_long": "That search is too long: at most {limit} characters.",
    "staff.answer_too_long": (
        "Longer than a reply may be ({limit} characters): shorten it after inserting."
    ),
    "staff.insert_answer": "Insert into the reply",
    "staff.inserted": (
        "The answer to “{question}” is in the reply box as plain text: edit it, then send."
    ),
    "staff.insert_unknown": "There is no FAQ entry {faq_id!r}, so nothing was inserted.",
    "staff.insert_other_language": (
        "{faq_id!r} is an entry in {entry_lang}, not in this conversation's "
        "language, so nothing was inserted."
    ),
    "staff.reply_hint": (
        "This browser tab keeps what you write here, across reloads, until it "
        "is sent or you sign out."
    ),
    "staff.shortcuts": "Keyboard shortcuts",
    "staff.shortcut_claim": "claim this conversation",
    "staff.shortcut_reply": "go to the reply box",
    "staff.shortcut_close": "close this conversation",
    "staff.shortcut_escape": "leave a text field (the shortcuts work outside text fields only)",
    "staff.shortcuts_on": (
        "Use these shortcuts (turn them off if they get in your screen reader's way)"
    ),
    "staff.link_entry": "This question is answered by FAQ entry…",
    "staff.link_button": "Propose the visitor's wording as a phrasing",
    "staff.linked": "The visitor's wording is proposed as a new phrasing for {faq_id}.",
    "staff.unknown_entry": "There is no FAQ entry {faq_id!r}.",
    "staff.try_it": "Try a question",
    "staff.any_language": "any language",
    "staff.try_button": "Show ranking",
    "staff.thresholds_are": (
        "Thresholds: answer from {answer} when the lead over the second is "
        "at least {margin}; suggestions from {suggest}."
    ),
    "staff.decision_answer": "The widget would answer with the first entry.",
    "staff.decision_suggest": "The widget would offer suggestions.",
    "staff.decision_handoff": "The widget would offer a person.",
    "staff.score": "Score",
    "staff.why": "Why",
    "staff.matched_phrasing": "closest phrasing",
    "staff.matched_words": "shared words",
    "staff.nothing_matched": "No entry shares a word with this question.",
    "staff.stats": "How the bot is doing",
    "staff.questions_asked": "Questions asked",
    "staff.share_answered": "Answered",
    "staff.share_suggested": "Suggestions given",
    "staff.share_handed_off": "Handed to a person",
    "staff.helpful_ratio": "Marked helpful",
    "staff.handoffs_waiting": "Handoffs waiting now",
    "staff.median_first_reply": "Median time to first staff reply",
    "staff.other_language_questions": "Questions in another language than the page's",
    "staff.page_language": "Widget language",
    "staff.question_language": "Answered in",
    "staff.share_of_page": "Share of that page's questions",
    "staff.no_other_language_questions": (
        "No question was typed in another language than the widget's."
    ),
    "staff.questions_per_day": "Questions per day",
    "staff.answered": "answered",
    "staff.suggested": "suggestions",
    "staff.handed_off": "handed off",
    "staff.day": "Day",
    "staff.satisfaction": "Satisfaction after a person answered",
    "staff.satisfaction_intro": (
        "Visitors rate a conversation from 1 (not at all satisfied) to 5 (very satisfied) "
        "once staff answered and closed it. Ratings go with their conversation when it is "
        "deleted."
    ),
    "staff.mean_score": "Mean satisfaction (1 to 5)",
    "staff.ratings": "Ratings",
    "staff.ratings_declined": "Declined to rate",
    "staff.score_per_day": "Mean satisfaction per day",
    "staff.score_per_week": "Mean satisfaction per week",
    "staff.week_from": "Week from",
    "staff.no_ratings": "No visitor rated a conversation in this period.",
    "staff.score_per_staff": "Satisfaction per staff member",
    "staff.staff_member": "Staff member",
    "staff.no_account": "(no account)",
    "staff.account_is_disabled": "(disabled)",
    "staff.latest_comments": "Latest comments",
    "staff.comment": "Comment",
    "staff.no_comments": "No comments in this period.",
    "staff.gaps": "Unanswered questions",
    "staff.period": "Period",
    "staff.last_days": "last {n} days",
    "staff.gaps_intro": (
        "What visitors asked that no FAQ entry answered, or that they marked as "
        "not helpful, grouped by similarity. Largest groups first; each group's "
        "first line is a suggested FAQ question."
    ),
    "staff.closest": "closest entry",
    "staff.no_gaps": "No unanswered questions in this period.",
    "staff.more_gaps": (
        "{groups} smaller groups with {questions} questions in all are not shown "
        "here; `widget-api faq gaps` lists every one."
    ),
    "staff.unhelpful": "Answers marked as not helpful",
    "staff.entry": "FAQ entry",
    "staff.not_helpful": "Not helpful",
    "staff.helpful": "Helpful",
    "staff.no_unhelpful": "No answer was marked as not helpful.",
    "staff.accepted_hint": (
        "Accepted. Add this text to a file in the FAQ folder; `widget-api "
        "faq check` accepts it as it is."
    ),
    "staff.deliveries": "Outgoing notifications",
    "staff.deliveries_intro": (
        "E-mails and webhook calls waiting to be sent, and those that "
        "failed for good (the mail server refused them, or every retry "
        "failed). Sent ones are not kept. `widget-api outbox list` shows "
        "the same on the command line."
    ),
    "staff.deliveries_counts": "Waiting: {pending} · Failed: {failed}",
    "staff.delivery_created": "Created (UTC)",
    "staff.delivery_kind": "What",
    "staff.delivery_attempts": "Attempts",
    "staff.delivery_error": "Last error",
    "staff.delivery_staff_email": "E-mail to staff",
    "staff.delivery_visitor_email": "Reply e-mail to the visitor",
    "staff.delivery_webhook": "Webhook",
    "staff.delivery_status_pending": "waiting",
    "staff.delivery_status_sending": "being sent",
    "staff.delivery_status_failed": "failed",
    "staff.delivery_retry": "Try again",
    "staff.delivery_retried": "The delivery will be tried again.",
    "staff.no_deliveries": "Nothing is waiting and nothing failed.",
    "staff.audit": "Audit log",
    "staff.audit_intro": (
        "Who did what and when: sign-ins, work on conversations, drafts, "
        "accounts, settings, exports, erasures and retention runs. Never any "
        "message text or visitor address. `widget-api audit` lists the same on "
        "the command line."
    ),
    "staff.audit_time": "Time (UTC)",
    "staff.audit_actor": "Who",
    "staff.audit_action": "Action",
    "staff.audit_target": "Target",
    "staff.audit_details": "Details",
    "staff.audit_more": "Only the newest 500 entries are shown; use `widget-api audit` for all.",
    "staff.no_audit": "No entries in this period.",
    "staff.admin_accounts": "Accounts",
    "staff.admin_settings": "Settings",
    "staff.accounts_intro": (
        "Who may sign in to the staff area, and with which role: staff work "
        "the inbox; editors also see the FAQ pages; admins also manage "
        "accounts, settings and the audit log. A disabled account cannot "
        "sign in. Every change here goes into the audit log. Your own "
        "account is changed by another admin or with `widget-api staff`."
    ),
    "staff.role": "Role",
    "staff.last_sign_in": "Last sign-in",
    "staff.actions": "Actions",
    "staff.you": "you",
    "staff.never": "never",
    "staff.state_active": "active",
    "staff.state_disabled": "disabled",
    "staff.role_of": "Role of {email}",
    "staff.change_role": "Change role",
    "staff.disable": "Disable",
    "staff.enable": "Enable",
    "staff.disable_account": "Disable {email}",
    "staff.enable_account": "Enable {email}",
    "staff.reset_password": "Reset password",
    "staff.reset_password_of": "Reset the password of {email}",
    "staff.not_yourself_short": "another admin changes this account",
    "staff.not_yourself": (
        "You cannot change your own account here; another admin can, or "
        "`widget-api staff` on the server."
    ),
    "staff.add_account": "Add account",
    "staff.add_account_hint": "A password is generated and shown once, on the next page.",
    "staff.new_password_for": "New password for {email}",
    "staff.new_password_hint": (
        "Shown only this once and stored only as a hash. Give it to "
        "{email} yourself, by a way nobody else reads (not by plain "
        "e-mail). Reset it again if it may have been seen."
    ),
    "staff.account_exists": "An account for that address exists already.",
    "staff.account_bad_email": "That is not an e-mail address.",
    "staff.bad_role": "Choose one of the roles staff, editor or admin.",
    "staff.role_changed": "{email} now has the role {role}.",
    "staff.account_disabled": "{email} is disabled and can no longer sign in.",
    "staff.account_enabled": "{email} can sign in again.",
    "staff.settings_in_effect": "Settings in effect",
    "staff.settings_intro": (
        "Read-only: the values this worker process uses, and where each "
        "came from. Change them in config.toml in the instance folder or in "
        "the environment, then restart the service. Secrets and passwords "
        "inside URLs are masked."
    ),
    "staff.setting": "Setting",
    "staff.value": "Value",
    "staff.source": "Source",
    "staff.source_default": "default",
    "staff.source_file": "config file {detail}",
    "staff.source_environment": "environment variable {detail}",
    "staff.source_generated": "generated into the instance folder",
    "staff.source_test": "test configuration",
    "staff.health": "Health",
    "staff.health_intro": (
        "What GET /api/v1/health tells visitors only as ok or degraded, as "
        "this worker process sees it. `widget-api health` prints the same on "
        "the server."
    ),
    "staff.health_database": "Database",
    "staff.health_free": "Free space where the database lives",
    "staff.health_last_error": "Last storage error in this process",
    "staff.health_schema": "Schema steps · journal",
    "staff.health_faq": "FAQ",
    "staff.health_faq_entries": "{n} entries",
    "staff.health_faq_errors": "Why the FAQ was not reloaded",
    "staff.none": "none",
    "staff.actor_staff": "unknown account",
    "staff.actor_cli": "command line",
    "staff.actor_system": "the service",
    "staff.actor_visitor": "a visitor",
    "staff.conversation_gone": "This conversation does not exist (any more): the visitor may "
    "have deleted it, or it was erased (widget-api gdpr erase) or removed by the retention rules.",
    "staff.back_to_inbox": "Back to the inbox",
    "staff.front_title": "Support widget service",
    "staff.front_intro": "This is the server of a self-hosted support widget: it answers a "
    "website's visitors from the company's FAQ and hands what it cannot answer to staff. "
    "Visitors use it through the widget on the company's site, not here.",
    "staff.front_staff": "Staff inbox (sign-in)",
    "staff.front_health": "Service health (GET /api/v1/health)",
    "staff.front_api": "The visitor API, described as OpenAPI (GET /api/v1/openapi.json)",
    "staff.front_docs": "Operators: README.md and the docs/ folder that come with the software "
    "explain installation, settings, the API, roles and privacy.",
    # The FAQ editor (staff/faq_views.py).
    "staff.faq": "FAQ",
    "staff.faq_search": "Search (as the widget matches)",
    "staff.faq_search_button": "Search",
    "staff.faq_tag": "Tag",
    "staff.faq_all_tags": "All tags",
    "staff.faq_count": "{n} entries",
    "staff.faq_no_entries": "No entries.",
    "staff.faq_new": "New entry",
    "staff.faq_read_only": "You can read the FAQ here; editors and admins change it.",
    "staff.faq_not_editable": (
        "The FAQ in service is the sample inside the installed package, which is never "
        "written to. Set FAQ_DIR to a folder of your own to edit the FAQ in the browser."
    ),
    "staff.faq_file": "File",
    "staff.faq_file_tags": "tags from the file: {tags}",
    "staff.faq_id": "Id",
    "staff.faq_id_hint": (
        "A stable name: letters, digits, '-', '_' and single dots. Feedback and statistics "
        "refer to it, so keep it when you reword the question."
    ),
    "staff.faq_question": "Question",
    "staff.faq_phrasings": "Other phrasings, one a line",
    "staff.faq_phrasings_hint": (
        "Add, remove or reorder lines. Write them as customers type; three or more help a lot."
    ),
    "staff.faq_counterpart": "Counterpart (optional)",
    "staff.faq_counterpart_hint": (
        "The id of the same topic in the other language; the help centre links the two."
    ),
    "staff.faq_tags": "Tags (comma-separated)",
    "staff.faq_answer": "Answer (Markdown)",
    "staff.faq_answer_hint": (
        "At most {max} characters. Paragraphs, lists, **bold**, *italic* and links (http, "
        "https, mailto) work; other HTML is removed."
    ),
    "staff.faq_preview": "What the widget shows",
    "staff.faq_preview_button": "Preview",
    "staff.faq_save": "Save",
    "staff.faq_create": "Create entry",
    "staff.faq_saved": "Saved {id}. The widget answers with it now.",
    "staff.faq_created": "Created {id}. The widget answers with it now.",
    "staff.faq_deleted": "Deleted. The widget no longer shows the entry.",
    "staff.faq_prefilled": "The form holds changes that are not saved yet: check them, then save.",
    "staff.faq_not_saved": "Nothing was saved:",
    "staff.faq_delete": "Delete entry",
    "staff.faq_delete_confirm": (
        "Delete \u201c{question}\u201d ({id}) from {file}? The widget stops showing it at once."
    ),
    "staff.faq_delete_yes": "Yes, delete it",
    "staff.faq_cancel": "Cancel",
    "staff.faq_conflict_title": "Changed on disk meanwhile",
    "staff.faq_conflict": (
        "The file changed since you opened this entry (someone else saved, or it came with "
        "git), so nothing was saved. Compare the two versions. The form still holds yours: "
        "saving it now replaces the version on disk."
    ),
    "staff.faq_yours": "Your version",
    "staff.faq_on_disk": "On disk now",
    "staff.faq_gone_on_disk": "The entry is no longer in the file.",
    "staff.faq_id_unsafe": (
        "The id may only use letters, digits, '-', '_' and single dots, at most {max} "
        "characters, starting with a letter or digit."
    ),
    "staff.faq_question_missing": "The question is empty.",
    "staff.faq_answer_missing": "The answer is empty.",
    "staff.faq_answer_too_long": "The answer is longer than {max} characters.",
    "staff.faq_too_many_phrasings": "An entry may have at most {max} phrasings.",
    "staff.faq_phrasing_too_long": "A phrasing is longer than {max} characters.",
    "staff.faq_tag_too_long": "A tag is longer than {max} characters.",
    "staff.faq_no_such_file": "Choose one of the FAQ files of this language.",
    "staff.faq_busy": "The file is being written by someone else; please save again.",
    "staff.faq_not_utf8": "The file is not UTF-8 text; fix it on the server first.",
    "staff.faq_conflict_short": "The file changed on disk since you opened it.",
    "staff.faq_versions": "Earlier versions",
    "staff.faq_version_line": "{when}: {action} by account {who}",
    "staff.faq_action_before": "as it was before the first save here",
    "staff.faq_action_saved": "saved",
    "staff.faq_action_created": "created",
    "staff.faq_action_deleted": "deleted",
    "staff.faq_show_version": "Show",
    "staff.faq_restore": "Load into the form",
    "staff.faq_open_editor": "Open in the FAQ editor",
    "staff.faq_add_phrasing": "Add as a phrasing of the entry",
    "staff.faq_add_button": "Open the entry with it",
}
