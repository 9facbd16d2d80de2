"""What a browser finds at the service's own root: a page saying what this is, and the icon.

Someone who opens the service's address (`http://127.0.0.1:5000/` after `widget-api demo`)
should learn what answers there and where to go next, rather than meet a bare 404. The page
names the public addresses only (health, the staff sign-in, the API description) and nothing
about the deployment: no version, no settings, no shop name. Browsers ask every origin for
`/favicon.ico`; answering it keeps a 404 out of every page's console and the request log.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, send_from_directory

from ..paths import static_dir
from ..staff.texts import staff_lang, t

bp = Blueprint("front_page", __name__, template_folder="templates")
# The page loads only the staff stylesheet and the icon, both from this origin.
FRONT_PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
ICON_MAX_AGE = 86400


@bp.get("/")
def front_page() -> Response:
    """A short page: what this service is, with links to health, the staff area and the API."""
    response = Response(render_template("front_page.html", t=t, lang=staff_lang()))
    response.headers["Content-Security-Policy"] = FRONT_PAGE_CSP
    return response


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The service's icon (a 32-pixel speech bubble), for every page of this origin."""
    return send_from_directory(
        static_dir(), "favicon.ico", mimetype="image/x-icon", max_age=ICON_MAX_AGE
    )
