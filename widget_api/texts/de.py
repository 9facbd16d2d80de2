"""Deutsch: every text of the service in German, key for key as en.py."""

TEXTS: dict[str, str] = {
    # The widget, through /api/v1/widget-config (texts/__init__.py fills them from the settings)
    "widget.greeting": (
        "Hallo! Ich bin der Hilfe-Assistent von {shop}. Frag mich zu Bestellung, "
        "Versand, Rückgabe oder Zahlung. Ich antworte rund um die Uhr; unser "
        "Team antwortet zu den Servicezeiten."
    ),
    "privacy.notice": (
        "Deine Fragen beantwortet der eigene Server von {shop}: Nichts wird an "
        "Dritte übermittelt, es werden keine Cookies gesetzt. Fragen, die der "
        "Assistent nicht beantworten konnte, und ob dir eine Antwort geholfen "
        "hat, speichern wir ohne Angaben zu dir {questions}, um die Antworten zu "
        "verbessern. Wenn du einen Menschen fragst, speichern wir das Gespräch "
        "und, nur wenn du sie angibst, deinen Namen und deine E-Mail-Adresse, um "
        "dir zu antworten. Damit du die Antwort später hier lesen kannst, behält "
        "dein Browser einen Schlüssel zum Gespräch im lokalen Speicher (kein "
        "Cookie), bis das Gespräch gelöscht ist. {inactive} {closed} Du kannst "
        "das Gespräch jederzeit selbst mit „Dieses Gespräch löschen“ löschen. "
        "Fragen zu deinen Daten: {email}. (Datenschutzhinweis Version {version})"
    ),
    "privacy.summary": (
        "{shop} speichert dieses Gespräch (Name und E-Mail-Adresse nur, wenn du sie "
        "angibst), um dir zu antworten. Du kannst es jederzeit löschen."
    ),
    "privacy.more": "Vollständiger Datenschutzhinweis",
    "privacy.questions": "{n} Tage lang",
    "privacy.questions_off": "bis wir sie löschen",
    "privacy.inactive": "Nach {n} Tagen ohne Aktivität wird es geschlossen.",
    "privacy.inactive_off": "",
    "privacy.closed": "Ein geschlossenes Gespräch wird nach {n} Tagen gelöscht.",
    "privacy.closed_off": "Es bleibt gespeichert, bis du oder wir es löschen.",
    "contact.text": "Du erreichst uns auch per E-Mail an {email}{phone}.",
    "contact.phone": " oder telefonisch unter {phone}",
    # Service hours and the promise of a reply (visitor/service_hours.py)
    "day.monday": "Montag",
    "day.tuesday": "Dienstag",
    "day.wednesday": "Mittwoch",
    "day.thursday": "Donnerstag",
    "day.friday": "Freitag",
    "day.saturday": "Samstag",
    "day.sunday": "Sonntag",
    "month.january": "Januar",
    "month.february": "Februar",
    "month.march": "März",
    "month.april": "April",
    "month.may": "Mai",
    "month.june": "Juni",
    "month.july": "Juli",
    "month.august": "August",
    "month.september": "September",
    "month.october": "Oktober",
    "month.november": "November",
    "month.december": "Dezember",
    "hours.day_range": "{first} bis {last}",
    "hours.today_at": "heute um {clock} Uhr",
    "hours.tomorrow_at": "morgen um {clock} Uhr",
    "hours.date_at": "{weekday}, {day}.{month_number}. um {clock} Uhr",
    "hours.weekly": "Unser Team antwortet {weekly} ({zone}).",
    "hours.open_now": "Gerade ist jemand da.",
    "hours.next_opening": "Die nächste Antwort von einem Menschen gibt es ab {when}.",
    "reply.open": (
        "Unser Team ist gerade da und antwortet meist innerhalb weniger Stunden, noch heute."
    ),
    "reply.closed": "Unser Team ist gerade nicht da. Ein Mensch antwortet ab {when}.",
    "reply.closing_soon": (
        "Unser Team ist bis {until} Uhr da. Schaffen wir es bis dahin nicht, "
        "antwortet ein Mensch ab {when}."
    ),
    "reply.never": "Ein Mensch aus unserem Team antwortet, sobald es geht.",
    "conversation.staff_name": "Team",
    # The widget's question after a person answered and closed the conversation
    "rating.question": "Wie zufrieden bist du mit der Antwort unseres Teams?",
    "rating.scale": "1 = gar nicht zufrieden, 5 = sehr zufrieden",
    "rating.comment": "Möchtest du uns noch etwas sagen? (freiwillig)",
    "rating.send": "Bewertung senden",
    "rating.decline": "Nein, danke",
    "rating.thanks": "Danke für deine Bewertung!",
    # The public help centre (help/): its pages, and the widget's links to it
    "help.title": "Hilfe-Center von {shop}",
    "help.heading": "Häufige Fragen",
    "help.skip": "Zum Inhalt springen",
    "help.languages": "Sprachen",
    "help.in_language": "Auf Deutsch lesen",
    "help.topic_in_language": "Diese Frage auf Deutsch",
    "help.search_label": "Fragen durchsuchen",
    "help.search": "Suchen",
    "help.results_for": "Ergebnisse für „{query}“",
    "help.results_in_this_language": (
        "Deine Suche ist auf Deutsch, daher hier unsere deutschen Fragen."
    ),
    "help.nothing_found": (
        "Zu „{query}“ haben wir nichts gefunden. Versuch es mit anderen oder weniger Wörtern."
    ),
    "help.nothing_found_next": "Oder frag uns direkt:",
    "help.all_questions": "Alle Fragen",
    "help.more": "Weitere Fragen",
    "help.contact_lead": "Noch eine Frage?",
    "help.contact_chat": "Frag im Chat auf unserer Website",
    "help.contact_or": "oder schreib an",
    "help.not_found": "Diese Seite gibt es in unserem Hilfe-Center nicht.",
    "help.too_many": (
        "Das waren viele Suchen auf einmal. Bitte warte eine Minute und versuch es dann noch "
        "einmal."
    ),
    "help.no_sitemap": (
        "Keine Sitemap: Setze HELP_CENTRE_URL auf die öffentliche Adresse des Hilfe-Centers "
        "(z. B. https://support.example.com/help/), um eine zu veröffentlichen."
    ),
    "help.browse": "Alle Fragen ansehen",
    "help.open_page": "Als eigene Seite öffnen",
    # E-mail (notifications/notifier.py)
    "mail.staff_subject": "Neue Frage aus dem Chat ({lang})",
    "mail.staff_body": (
        "Im Chat kam eine Frage, die die FAQ nicht beantworten konnte (Sprache: "
        "{lang}).\n\n{question}\n\nGespräch im Posteingang öffnen:\n{link}\n"
    ),
    "mail.visitor_subject": "{shop}: Antwort auf deine Frage",
    "mail.visitor_body": (
        "Hallo,\n\nunser Team hat auf deine Frage im Chat vom {date} "
        "geantwortet. Sie begann so:\n\n    „{excerpt}“\n\nDie Antwort:\n\n"
        "{reply}\n\nUm zu antworten, öffne den Chat auf unserer Website: "
        "{site}\n\nDu bekommst diese E-Mail, weil du bei deiner Frage deine "
        "Adresse angegeben hast. Im Chat kannst du das Gespräch jederzeit "
        "löschen.\n\n{shop}\n"
    ),
    "mail.date": "{day:02d}.{month_number:02d}.{year}",
    # The staff area (staff/texts.py's t() adds the prefix)
    "staff.inbox": "Support-Posteingang",
    "staff.sign_in": "Anmelden",
    "staff.sign_out": "Abmelden",
    "staff.email": "E-Mail-Adresse",
    "staff.password": "Passwort",
    "staff.bad_login": "E-Mail-Adresse oder Passwort ist falsch.",
    "staff.too_many_logins": "Zu viele Versuche. Bitte in ein paar Minuten noch einmal versuchen.",
    "staff.queue_new": "Neu",
    "staff.queue_mine": "Meine",
    "staff.queue_waiting": "Wartet auf Besucher",
    "staff.queue_closed": "Geschlossen",
    "staff.empty_queue": "Hier ist nichts.",
    "staff.queue_pages": "Seiten dieser Liste",
    "staff.queue_count": "{shown} von {total} angezeigt",
    "staff.order_oldest": "Älteste zuerst",
    "staff.order_newest": "Neueste zuerst",
    "staff.next_page": "Nächste Seite",
    "staff.first_page": "Erste Seite",
    "staff.age": "Alter",
    "staff.language": "Sprache",
    "staff.question": "Frage",
    "staff.status": "Status",
    "staff.assigned": "Zuständig",
    "staff.nobody": "niemand",
    "staff.open": "Öffnen",
    "staff.claim": "Übernehmen",
    "staff.claimed_by_other": "Jemand anderes hat dieses Gespräch schon übernommen.",
    "staff.claimed": "Du hast dieses Gespräch übernommen.",
    "staff.reply": "Antwort an den Besucher",
    "staff.send_reply": "Antwort senden",
    "staff.note": "Interne Notiz (der Besucher sieht sie nie)",
    "staff.add_note": "Notiz hinzufügen",
    "staff.close": "Schließen",
    "staff.reopen": "Wieder öffnen",
    "staff.bot_showed": "Was der Bot gezeigt hat",
    "staff.thread": "Gespräch",
    "staff.visitor": "Besucher",
    "staff.bot": "Bot",
    "staff.staff": "Team",
    "staff.internal_note": "Interne Notiz",
    "staff.contact": "Kontakt",
    "staff.no_contact": "Keine Kontaktdaten; der Besucher liest Antworten im Widget.",
    "staff.consent": "Einwilligung erteilt",
    "staff.save_draft": "Als FAQ-Entwurf speichern",
    "staff.draft_saved": "Als FAQ-Entwurf zur Prüfung gespeichert.",
    "staff.drafts": "FAQ-Entwürfe",
    "staff.no_drafts": "Keine Entwürfe zu prüfen.",
    "staff.accept": "Annehmen",
    "staff.reject": "Ablehnen",
    "staff.download": "Als FAQ-Datei herunterladen",
    "staff.draft_from": "Aus dem Gespräch",
    "staff.empty_text": "Bitte erst etwas schreiben.",
    "staff.text_too_long": "Der Text ist zu lang.",
    "staff.forbidden": "Deine Rolle erlaubt diese Seite nicht.",
    "staff.not_found": "Unter dieser Adresse gibt es nichts (mehr). Das Menü oben führt weiter.",
    "staff.csrf": "Das Formular ist abgelaufen. Bitte Seite neu laden und noch einmal versuchen.",
    "staff.replied": "Antwort gesendet.",
    "staff.noted": "Notiz hinzugefügt.",
    "staff.closed": "Gespräch geschlossen.",
    "staff.reopened": "Gespräch wieder geöffnet.",
    "staff.back": "Zurück zur Liste",
    "staff.minutes": "{n} Min.",
    "staff.hours": "{n} Std.",
    "staff.days": "{n} T.",
    "staff.status_new": "neu",
    "staff.status_open": "offen",
    "staff.status_waiting": "wartet",
    "staff.status_closed": "geschlossen",
    "staff.status_proposed": "zu prüfen",
    "staff.status_accepted": "angenommen",
    "staff.status_rejected": "abgelehnt",
    "staff.draft_entry": "neuer Eintrag",
    "staff.draft_alternative": "neue Formulierung für {faq_id}",
    "staff.answers_title": "FAQ-Antwort einfügen",
    "staff.answers_search": "FAQ-Antworten durchsuchen ({lang})",
    "staff.answers_found": "Die besten Treffer für „{query}“:",
    "staff.answers_none": "Keine FAQ-Antwort in der Sprache dieses Gesprächs passt zu „{query}“.",
    "staff.answers_query_too_long": "Diese Suche ist zu lang: höchstens {limit} Zeichen.",
    "staff.answer_too_long": (
        "Länger, als eine Antwort sein darf ({limit} Zeichen): bitte nach dem Einfügen kürzen."
    ),
    "staff.insert_answer": "In die Antwort einfügen",
    "staff.inserted": (
        "Die Antwort auf „{question}“ steht jetzt als reiner Text im Antwortfeld: "
        "bearbeiten, dann senden."
    ),
    "staff.insert_unknown": "Es gibt keinen FAQ-Eintrag {faq_id!r}, daher wurde nichts eingefügt.",
    "staff.insert_other_language": (
        "{faq_id!r} ist ein Eintrag in der Sprache {entry_lang}, nicht in der dieses "
        "Gesprächs; daher wurde nichts eingefügt."
    ),
    "staff.reply_hint": (
        "Dieser Browser-Tab behält, was Sie hier schreiben, auch beim Neuladen, "
        "bis es gesendet ist oder Sie sich abmelden."
    ),
    "staff.shortcuts": "Tastenkürzel",
    "staff.shortcut_claim": "dieses Gespräch übernehmen",
    "staff.shortcut_reply": "zum Antwortfeld springen",
    "staff.shortcut_close": "dieses Gespräch schließen",
    "staff.shortcut_escape": (
        "ein Textfeld verlassen (die Kürzel wirken nur außerhalb von Textfeldern)"
    ),
    "staff.shortcuts_on": (
        "Diese Kürzel verwenden (ausschalten, wenn sie Ihren Screenreader stören)"
    ),
    "staff.link_entry": "Diese Frage beantwortet der FAQ-Eintrag…",
    "staff.link_button": "Formulierung des Besuchers vorschlagen",
    "staff.linked": (
        "Die Formulierung des Besuchers ist als neue Variante für {faq_id} vorgeschlagen."
    ),
    "staff.unknown_entry": "Es gibt keinen FAQ-Eintrag {faq_id!r}.",
    "staff.try_it": "Frage ausprobieren",
    "staff.any_language": "jede Sprache",
    "staff.try_button": "Rangliste zeigen",
    "staff.thresholds_are": (
        "Schwellen: Antwort ab {answer}, wenn der Abstand zum Zweiten "
        "mindestens {margin} ist; Vorschläge ab {suggest}."
    ),
    "staff.decision_answer": "Das Widget würde mit dem ersten Eintrag antworten.",
    "staff.decision_suggest": "Das Widget würde Vorschläge anbieten.",
    "staff.decision_handoff": "Das Widget würde einen Menschen anbieten.",
    "staff.score": "Wert",
    "staff.why": "Warum",
    "staff.matched_phrasing": "ähnlichste Formulierung",
    "staff.matched_words": "gemeinsame Wörter",
    "staff.nothing_matched": "Kein Eintrag hat ein Wort mit dieser Frage gemeinsam.",
    "staff.stats": "Wie der Bot abschneidet",
    "staff.questions_asked": "Gestellte Fragen",
    "staff.share_answered": "Beantwortet",
    "staff.share_suggested": "Vorschläge gegeben",
    "staff.share_handed_off": "An einen Menschen übergeben",
    "staff.helpful_ratio": "Als hilfreich markiert",
    "staff.handoffs_waiting": "Wartende Übergaben",
    "staff.median_first_reply": "Median bis zur ersten Antwort des Teams",
    "staff.other_language_questions": "Fragen in einer anderen Sprache als der der Seite",
    "staff.page_language": "Sprache des Widgets",
    "staff.question_language": "Beantwortet auf",
    "staff.share_of_page": "Anteil an den Fragen dieser Seite",
    "staff.no_other_language_questions": (
        "Keine Frage wurde in einer anderen Sprache als der des Widgets gestellt."
    ),
    "staff.questions_per_day": "Fragen pro Tag",
    "staff.answered": "beantwortet",
    "staff.suggested": "Vorschläge",
    "staff.handed_off": "übergeben",
    "staff.day": "Tag",
    "staff.satisfaction": "Zufriedenheit nach einer Antwort des Teams",
    "staff.satisfaction_intro": (
        "Besucher bewerten ein Gespräch von 1 (gar nicht zufrieden) bis 5 (sehr "
        "zufrieden), nachdem das Team geantwortet und es geschlossen hat. Bewertungen "
        "werden mit ihrem Gespräch gelöscht."
    ),
    "staff.mean_score": "Mittlere Zufriedenheit (1 bis 5)",
    "staff.ratings": "Bewertungen",
    "staff.ratings_declined": "Auf Bewertung verzichtet",
    "staff.score_per_day": "Mittlere Zufriedenheit pro Tag",
    "staff.score_per_week": "Mittlere Zufriedenheit pro Woche",
    "staff.week_from": "Woche ab",
    "staff.no_ratings": "In diesem Zeitraum hat niemand ein Gespräch bewertet.",
    "staff.score_per_staff": "Zufriedenheit pro Teammitglied",
    "staff.staff_member": "Teammitglied",
    "staff.no_account": "(kein Konto)",
    "staff.account_is_disabled": "(deaktiviert)",
    "staff.latest_comments": "Neueste Kommentare",
    "staff.comment": "Kommentar",
    "staff.no_comments": "Keine Kommentare in diesem Zeitraum.",
    "staff.gaps": "Unbeantwortete Fragen",
    "staff.period": "Zeitraum",
    "staff.last_days": "letzte {n} Tage",
    "staff.gaps_intro": (
        "Was Besucher gefragt haben, ohne dass ein FAQ-Eintrag passte, oder was "
        "sie als nicht hilfreich markiert haben, nach Ähnlichkeit gruppiert. "
        "Größte Gruppen zuerst; die erste Zeile jeder Gruppe ist ein Vorschlag "
        "für eine FAQ-Frage."
    ),
    "staff.closest": "nächster Eintrag",
    "staff.no_gaps": "Keine unbeantworteten Fragen in diesem Zeitraum.",
    "staff.more_gaps": (
        "{groups} kleinere Gruppen mit zusammen {questions} Fragen sind hier "
        "nicht aufgeführt; `widget-api faq gaps` listet alle auf."
    ),
    "staff.unhelpful": "Als nicht hilfreich markierte Antworten",
    "staff.entry": "FAQ-Eintrag",
    "staff.not_helpful": "Nicht hilfreich",
    "staff.helpful": "Hilfreich",
    "staff.no_unhelpful": "Keine Antwort wurde als nicht hilfreich markiert.",
    "staff.accepted_hint": (
        "Angenommen. Füge diesen Text in eine Datei im FAQ-Ordner ein; "
        "`widget-api faq check` akzeptiert ihn so."
    ),
    "staff.deliveries": "Ausgehende Benachrichtigungen",
    "staff.deliveries_intro": (
        "E-Mails und Webhook-Aufrufe, die auf den Versand warten, und "
        "solche, die endgültig fehlgeschlagen sind (der Mailserver hat "
        "sie abgelehnt oder jeder neue Versuch schlug fehl). Gesendete "
        "werden nicht aufbewahrt. `widget-api outbox list` zeigt dasselbe "
        "auf der Kommandozeile."
    ),
    "staff.deliveries_counts": "Wartend: {pending} · Fehlgeschlagen: {failed}",
    "staff.delivery_created": "Erstellt (UTC)",
    "staff.delivery_kind": "Was",
    "staff.delivery_attempts": "Versuche",
    "staff.delivery_error": "Letzter Fehler",
    "staff.delivery_staff_email": "E-Mail an das Team",
    "staff.delivery_visitor_email": "Antwort-E-Mail an den Besucher",
    "staff.delivery_webhook": "Webhook",
    "staff.delivery_status_pending": "wartet",
    "staff.delivery_status_sending": "wird gesendet",
    "staff.delivery_status_failed": "fehlgeschlagen",
    "staff.delivery_retry": "Erneut versuchen",
    "staff.delivery_retried": "Der Versand wird erneut versucht.",
    "staff.no_deliveries": "Nichts wartet, nichts ist fehlgeschlagen.",
    "staff.audit": "Protokoll",
    "staff.audit_intro": (
        "Wer hat wann was getan: Anmeldungen, Arbeit an Gesprächen, Entwürfe, "
        "Konten, Einstellungen, Auskünfte, Löschungen und Aufbewahrungsläufe. "
        "Nie ein Nachrichtentext oder eine Besucheradresse. `widget-api audit` "
        "zeigt dasselbe auf der Kommandozeile."
    ),
    "staff.audit_time": "Zeit (UTC)",
    "staff.audit_actor": "Wer",
    "staff.audit_action": "Aktion",
    "staff.audit_target": "Ziel",
    "staff.audit_details": "Details",
    "staff.audit_more": (
        "Nur die neuesten 500 Einträge werden gezeigt; alle mit `widget-api audit`."
    ),
    "staff.no_audit": "Keine Einträge in diesem Zeitraum.",
    "staff.admin_accounts": "Konten",
    "staff.admin_settings": "Einstellungen",
    "staff.accounts_intro": (
        "Wer sich im Mitarbeiterbereich anmelden darf, und mit welcher "
        "Rolle: staff bearbeitet den Posteingang; editor sieht auch die "
        "FAQ-Seiten; admin verwaltet auch Konten, Einstellungen und das "
        "Protokoll. Ein gesperrtes Konto kann sich nicht anmelden. Jede "
        "Änderung hier steht im Protokoll. Dein eigenes Konto ändert ein "
        "anderer Admin oder `widget-api staff`."
    ),
    "staff.role": "Rolle",
    "staff.last_sign_in": "Letzte Anmeldung",
    "staff.actions": "Aktionen",
    "staff.you": "du",
    "staff.never": "nie",
    "staff.state_active": "aktiv",
    "staff.state_disabled": "gesperrt",
    "staff.role_of": "Rolle von {email}",
    "staff.change_role": "Rolle ändern",
    "staff.disable": "Sperren",
    "staff.enable": "Entsperren",
    "staff.disable_account": "{email} sperren",
    "staff.enable_account": "{email} entsperren",
    "staff.reset_password": "Passwort zurücksetzen",
    "staff.reset_password_of": "Passwort von {email} zurücksetzen",
    "staff.not_yourself_short": "dieses Konto ändert ein anderer Admin",
    "staff.not_yourself": (
        "Dein eigenes Konto kannst du hier nicht ändern; das kann ein anderer "
        "Admin oder `widget-api staff` auf dem Server."
    ),
    "staff.add_account": "Konto anlegen",
    "staff.add_account_hint": (
        "Ein Passwort wird erzeugt und einmal angezeigt, auf der nächsten Seite."
    ),
    "staff.new_password_for": "Neues Passwort für {email}",
    "staff.new_password_hint": (
        "Wird nur dieses eine Mal angezeigt und nur als Hash "
        "gespeichert. Gib es {email} selbst, auf einem Weg, den niemand "
        "sonst liest (nicht per unverschlüsselter E-Mail). Setze es "
        "erneut zurück, falls es jemand gesehen haben kann."
    ),
    "staff.account_exists": "Für diese Adresse gibt es schon ein Konto.",
    "staff.account_bad_email": "Das ist keine E-Mail-Adresse.",
    "staff.bad_role": "Wähle eine der Rollen staff, editor oder admin.",
    "staff.role_changed": "{email} hat jetzt die Rolle {role}.",
    "staff.account_disabled": "{email} ist gesperrt und kann sich nicht mehr anmelden.",
    "staff.account_enabled": "{email} kann sich wieder anmelden.",
    "staff.settings_in_effect": "Geltende Einstellungen",
    "staff.settings_intro": (
        "Nur lesbar: die Werte, die dieser Arbeitsprozess verwendet, und "
        "woher jeder kommt. Ändern in config.toml im Instanzordner oder in "
        "der Umgebung, dann den Dienst neu starten. Geheimnisse und "
        "Passwörter in URLs sind verdeckt."
    ),
    "staff.setting": "Einstellung",
    "staff.value": "Wert",
    "staff.source": "Herkunft",
    "staff.source_default": "Voreinstellung",
    "staff.source_file": "Konfigurationsdatei {detail}",
    "staff.source_environment": "Umgebungsvariable {detail}",
    "staff.source_generated": "im Instanzordner erzeugt",
    "staff.source_test": "Testkonfiguration",
    "staff.health": "Zustand",
    "staff.health_intro": (
        "Was GET /api/v1/health Besuchern nur als ok oder degraded sagt, so "
        "wie dieser Arbeitsprozess es sieht. `widget-api health` zeigt "
        "dasselbe auf dem Server."
    ),
    "staff.health_database": "Datenbank",
    "staff.health_free": "Freier Platz, wo die Datenbank liegt",
    "staff.health_last_error": "Letzter Speicherfehler in diesem Prozess",
    "staff.health_schema": "Schemaschritte · Journal",
    "staff.health_faq": "FAQ",
    "staff.health_faq_entries": "{n} Einträge",
    "staff.health_faq_errors": "Warum die FAQ nicht neu geladen wurde",
    "staff.none": "keiner",
    "staff.actor_staff": "unbekanntes Konto",
    "staff.actor_cli": "Kommandozeile",
    "staff.actor_system": "der Dienst",
    "staff.actor_visitor": "ein Besucher",
    "staff.conversation_gone": "Dieses Gespräch gibt es nicht (mehr): Der Besucher hat es "
    "vielleicht gelöscht, oder es wurde gelöscht (widget-api gdpr erase) oder nach den "
    "Aufbewahrungsfristen entfernt.",
    "staff.back_to_inbox": "Zurück zum Posteingang",
    "staff.front_title": "Dienst des Support-Widgets",
    "staff.front_intro": "Dies ist der Server eines selbst betriebenen Support-Widgets: Es "
    "beantwortet Fragen der Besucher einer Website aus den FAQ des Unternehmens und gibt, was "
    "es nicht beantworten kann, an das Team weiter. Besucher nutzen es über das Widget auf "
    "der Website des Unternehmens, nicht hier.",
    "staff.front_staff": "Posteingang des Teams (Anmeldung)",
    "staff.front_health": "Zustand des Dienstes (GET /api/v1/health)",
    "staff.front_api": "Die Besucher-API, beschrieben als OpenAPI (GET /api/v1/openapi.json)",
    "staff.front_docs": "Für Betreiber: README.md und der Ordner docs/, die mit der Software "
    "kommen, erklären Installation, Einstellungen, die API, Rollen und Datenschutz.",
    # Der FAQ-Editor (staff/faq_views.py).
    "staff.faq": "FAQ",
    "staff.faq_search": "Suchen (wie das Widget zuordnet)",
    "staff.faq_search_button": "Suchen",
    "staff.faq_tag": "Schlagwort",
    "staff.faq_all_tags": "Alle Schlagwörter",
    "staff.faq_count": "{n} Einträge",
    "staff.faq_no_entries": "Keine Einträge.",
    "staff.faq_new": "Neuer Eintrag",
    "staff.faq_read_only": "Sie können die FAQ hier lesen; Redaktion und Admins ändern sie.",
    "staff.faq_not_editable": (
        "Die FAQ im Dienst ist das Beispiel im installierten Paket, in das nie geschrieben "
        "wird. Setzen Sie FAQ_DIR auf einen eigenen Ordner, um die FAQ im Browser zu ändern."
    ),
    "staff.faq_file": "Datei",
    "staff.faq_file_tags": "Schlagwörter der Datei: {tags}",
    "staff.faq_id": "Id",
    "staff.faq_id_hint": (
        "Ein fester Name: Buchstaben, Ziffern, '-', '_' und einzelne Punkte. Feedback und "
        "Statistik beziehen sich darauf; behalten Sie ihn, wenn Sie die Frage umformulieren."
    ),
    "staff.faq_question": "Frage",
    "staff.faq_phrasings": "Weitere Formulierungen, eine pro Zeile",
    "staff.faq_phrasings_hint": (
        "Zeilen hinzufügen, löschen oder umstellen. So schreiben, wie Kunden tippen; drei oder "
        "mehr helfen sehr."
    ),
    "staff.faq_counterpart": "Gegenstück (optional)",
    "staff.faq_counterpart_hint": (
        "Die Id desselben Themas in der anderen Sprache; das Hilfe-Center verlinkt beide."
    ),
    "staff.faq_tags": "Schlagwörter (durch Kommas getrennt)",
    "staff.faq_answer": "Antwort (Markdown)",
    "staff.faq_answer_hint": (
        "Höchstens {max} Zeichen. Absätze, Listen, **fett**, *kursiv* und Links (http, https, "
        "mailto) gehen; anderes HTML wird entfernt."
    ),
    "staff.faq_preview": "Was das Widget zeigt",
    "staff.faq_preview_button": "Vorschau",
    "staff.faq_save": "Speichern",
    "staff.faq_create": "Eintrag anlegen",
    "staff.faq_saved": "{id} gespeichert. Das Widget antwortet jetzt damit.",
    "staff.faq_created": "{id} angelegt. Das Widget antwortet jetzt damit.",
    "staff.faq_deleted": "Gelöscht. Das Widget zeigt den Eintrag nicht mehr.",
    "staff.faq_prefilled": (
        "Das Formular enthält noch nicht gespeicherte Änderungen: prüfen, dann speichern."
    ),
    "staff.faq_not_saved": "Nichts wurde gespeichert:",
    "staff.faq_delete": "Eintrag löschen",
    "staff.faq_delete_confirm": (
        "\u201e{question}\u201c ({id}) aus {file} löschen? Das Widget zeigt ihn sofort nicht mehr."
    ),
    "staff.faq_delete_yes": "Ja, löschen",
    "staff.faq_cancel": "Abbrechen",
    "staff.faq_conflict_title": "Inzwischen auf der Platte geändert",
    "staff.faq_conflict": (
        "Die Datei hat sich geändert, seit Sie den Eintrag geöffnet haben (jemand anderes hat "
        "gespeichert, oder sie kam mit git), daher wurde nichts gespeichert. Vergleichen Sie "
        "beide Fassungen. Das Formular enthält Ihre: Speichern ersetzt jetzt die Fassung auf "
        "der Platte."
    ),
    "staff.faq_yours": "Ihre Fassung",
    "staff.faq_on_disk": "Jetzt auf der Platte",
    "staff.faq_gone_on_disk": "Der Eintrag ist nicht mehr in der Datei.",
    "staff.faq_id_unsafe": (
        "Die Id darf nur Buchstaben, Ziffern, '-', '_' und einzelne Punkte enthalten, "
        "höchstens {max} Zeichen, am Anfang ein Buchstabe oder eine Ziffer."
    ),
    "staff.faq_question_missing": "Die Frage ist leer.",
    "staff.faq_answer_missing": "Die Antwort ist leer.",
    "staff.faq_answer_too_long": "Die Antwort ist länger als {max} Zeichen.",
    "staff.faq_too_many_phrasings": "Ein Eintrag hat höchstens {max} Formulierungen.",
    "staff.faq_phrasing_too_long": "Eine Formulierung ist länger als {max} Zeichen.",
    "staff.faq_tag_too_long": "Ein Schlagwort ist länger als {max} Zeichen.",
    "staff.faq_no_such_file": "Wählen Sie eine der FAQ-Dateien dieser Sprache.",
    "staff.faq_busy": "Die Datei wird gerade anderweitig geschrieben; bitte erneut speichern.",
    "staff.faq_not_utf8": "Die Datei ist kein UTF-8-Text; bitte zuerst auf dem Server reparieren.",
    "staff.faq_conflict_short": "Die Datei hat sich geändert, seit Sie sie geöffnet haben.",
    "staff.faq_versions": "Frühere Fassungen",
    "staff.faq_version_line": "{when}: {action} von Konto {who}",
    "staff.faq_action_before": "so, wie er vor dem ersten Speichern hier war",
    "staff.faq_action_saved": "gespeichert",
    "staff.faq_action_created": "angelegt",
    "staff.faq_action_deleted": "gelöscht",
    "staff.faq_show_version": "Anzeigen",
    "staff.faq_restore": "Ins Formular laden",
    "staff.faq_open_editor": "Im FAQ-Editor öffnen",
    "staff.faq_add_phrasing": "Als Formulierung dieses Eintrags hinzufügen",
    "staff.faq_add_button": "Eintrag damit öffnen",
}
