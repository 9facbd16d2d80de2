"""Where the package's own files are: the widget script and the sample FAQ.

Installed from a wheel they are package data inside `widget_api/`; in a checkout they are the
top-level `static/` and `faq/` folders. Nothing is ever written into the installed package;
in a checkout the staff area's FAQ editor writes `faq/` when FAQ_DIR is left empty (the demo).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


def static_dir() -> Path:
    """The folder that holds widget.js."""
    return _first_existing(PACKAGE / "static", PACKAGE.parent / "static")


def sample_faq_dir() -> Path:
    """The sample FAQ of the fictional shop that ships with the package."""
    return _first_existing(PACKAGE / "sample_faq", PACKAGE.parent / "faq")
