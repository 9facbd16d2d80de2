"""Self-hosted customer-support widget: FAQ answers at any hour, a human queue, no third parties.

`create_app` is the only place an application is built: declared settings, then the instance
config file, then `WIDGET_*` environment variables, then the test config.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, send_from_directory

from . import help_centre, notifications, settings, staff
from .faq.library import FaqLibrary
from .paths import static_dir
from .privacy import retention
from .server import front_page, request_log, security, storage_health
from .store import app_db
from .visitor import errors, faq_api
from .visitor.ask_records import AskCounter, AskRecordWriter
from .visitor.handoff_api import bp as handoff_api_bp
from .visitor.openapi import bp as openapi_bp

WIDGET_MAX_AGE = 300


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application; raises settings.SettingsError for a setting it cannot use."""
    instance_path = settings.resolve_instance_path()
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = test_config["INSTANCE_PATH"]
    app = Flask(__name__, instance_path=instance_path, static_folder=None)
    # No 308 redirect (an HTML page) for a path with doubled slashes, such as an id with an
    # encoded "//" in it: an unknown path is a plain 404, in the API's error shape.
    app.url_map.merge_slashes = False
    # Before any route is added: an integer id SQLite cannot store is a 404, not a 500.
    app.url_map.converters["int"] = app_db.RowIdConverter
    sources: dict[str, str] = {}
    app.config.update(settings.load_settings(app.instance_path, sources=sources))
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "INSTANCE_PATH"})
        sources.update({k: "test config" for k in test_config if k in settings.BY_NAME})
    app.extensions["settings_sources"] = sources
    _resolve_defaults(app)
    settings.check_settings(app.config)

    app.json.ensure_ascii = False
    app.json.sort_keys = False

    faq_api.init_app(app)
    app.extensions["faq_library"] = FaqLibrary(
        app.config["FAQ_DIR"], reload_seconds=app.config["FAQ_RELOAD_SECONDS"]
    )
    app.extensions["ask_counter"] = AskCounter()
    app.extensions["ask_record_writer"] = AskRecordWriter()
    app_db.init_app(app)
    storage_health.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    notifications.init_app(app)
    retention.init_app(app)
    request_log.init_app(app)
    app.register_blueprint(faq_api.bp)
    app.register_blueprint(handoff_api_bp)
    app.register_blueprint(openapi_bp)
    app.register_blueprint(front_page.bp)
    staff.init_app(app)
    help_centre.init_app(app)

    @app.get("/widget.js")
    def widget_js() -> Response:
        response = send_from_directory(
            static_dir(), "widget.js", mimetype="text/javascript", max_age=WIDGET_MAX_AGE
        )
        response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return app


def _resolve_defaults(app: Flask) -> None:
    """Fill the settings whose default depends on the instance folder."""
    app.config["DATABASE"] = settings.database_path(app.config, app.instance_path)
    app.config["FAQ_DIR"] = settings.faq_folder(app.config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = settings.ensure_secret_key(app.instance_path)
        app.extensions["settings_sources"]["SECRET_KEY"] = "generated: secret_key file"
    logging.getLogger("widget_api").setLevel(logging.INFO)
