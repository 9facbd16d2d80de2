"""`widget-api demo`: the service plus a demo shop page on a second port.

The shop page is served from its own origin, so the widget runs cross-origin exactly as it
does on a real company site, CORS included. Tests use the same servers.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import Flask, Response, render_template, request
from werkzeug.serving import BaseWSGIServer, make_server

from ..texts import LANGUAGES
from .front_page import favicon


def create_demo_app(widget_src: str) -> Flask:
    """A small fictional shop page that embeds the widget with one script tag."""
    app = Flask(__name__)

    @app.get("/")
    def shop_page() -> str:
        lang = request.args.get("lang", "en")
        return render_template(
            "demo_shop.html", widget_src=widget_src, lang=lang if lang in LANGUAGES else "en"
        )

    @app.get("/favicon.ico")
    def shop_icon() -> Response:
        """The browser asks for it with the page; the service's icon, rather than a 404."""
        return favicon()

    @app.after_request
    def page_headers(response):
        # The demo page itself loads nothing but the widget script from the service's origin.
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src {widget_src}; connect-src 'self' "
            f"{widget_src.rsplit('/', 1)[0]}; style-src 'self' 'unsafe-inline'; img-src 'self' "
            "data:; frame-ancestors 'none'"
        )
        return response

    return app


@dataclass
class RunningServer:
    """A WSGI server on a background thread; `url` is where it answers."""

    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


def serve_in_thread(app: Flask, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve an app with werkzeug's threaded server; port 0 picks a free port."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{port}", daemon=True)
    thread.start()
    return RunningServer(server, thread)
