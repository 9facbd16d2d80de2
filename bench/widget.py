"""The widget's weight and start-up: widget.js raw and gzipped, and script tag to launcher.

    .venv/bin/python bench/widget.py [--loads 20]

Size: static/widget.js as the service serves it (`GET /widget.js`), raw and gzip-compressed
(levels 6, the usual server default, and 9). Target: at most 15 KB gzipped.

Start-up: the demo shop page (widget_api.server.demo, the page `widget-api demo` and the
browser tests use) served locally, the service beside it on its own port, both as
tests/conftest.py's
LiveServer serves them (werkzeug's threaded server on 127.0.0.1), loaded in headless Chromium
(Debian's /usr/bin/chromium via Playwright, with the tests' CHROMIUM_ARGS). Each load gets a
fresh browser context, so nothing comes from the cache (a first visit). An init script,
installed before the page's own, watches the document with a MutationObserver:
- "script tag": when the parser has put the widget's <script> element into the document;
- "running": the script's first read of `window.SupportWidget` (near its top, after its texts
  and styles are defined), i.e. fetched, compiled and executing;
- "launcher ready": when the launcher button exists in the widget's shadow root, has a box and
  takes focus (its click handler is attached in the same task that inserts it);
- "launcher painted": a requestAnimationFrame after that, then a task (the frame that shows it).
All times are milliseconds from the start of navigation (performance.now()). The baseline is
the same page with the script tag removed, served by the same server, loaded alternately
with the widget page in the same run: its load event and first contentful paint, against the
widget page's. Medians over `--loads` pairs, after two warm-up pairs. Asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _support import print_load, print_machine

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, make_app
from widget_api.server.demo import create_demo_app, serve_in_thread

GZIP_TARGET = 15_000
WARM_UP_PAIRS = 2
TIMEOUT_MS = 15_000
SCRIPT_TAG = re.compile(r'<script src="\{\{ widget_src \}\}"[^>]*></script>\n?')

# Runs at document start in every page, before any of the page's scripts.
PROBE = r"""
(() => {
  const marks = {};
  window.__bench = marks;
  const now = () => performance.now();
  // The widget's first statement that touches the page reads window.SupportWidget (a queue
  // of calls made before it loaded): its first read marks the script running.
  let api;
  Object.defineProperty(window, 'SupportWidget', {
    configurable: true,
    get() { if (marks.running === undefined) marks.running = now(); return api; },
    set(value) { api = value; },
  });
  const launcher = () => {
    const host = document.querySelector('support-widget');
    return host && host.shadowRoot && host.shadowRoot.getElementById('sw-launcher');
  };
  const ready = (button) => {
    const box = button.getBoundingClientRect();
    if (!(box.width > 0 && box.height > 0)) return false;
    const before = document.activeElement;
    button.focus({preventScroll: true});
    const focused = button.getRootNode().activeElement === button;
    button.blur();
    if (before && before !== document.body && before.focus) before.focus();
    return focused;
  };
  const check = () => {
    if (marks.tag === undefined && document.querySelector('script[src*="widget.js"]')) {
      marks.tag = now();
    }
    const button = launcher();
    if (!button || marks.ready !== undefined) return;
    if (!ready(button)) {
      requestAnimationFrame(check);
      return;
    }
    marks.ready = now();
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { marks.painted = now(); }, 0));
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {childList: true, subtree: true});
})();
"""

COLLECT = r"""
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByType('paint')
    .find((e) => e.name === 'first-contentful-paint');
  const script = performance.getEntriesByType('resource')
    .find((e) => e.name.includes('/widget.js'));
  return {
    ...window.__bench,
    dcl: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    fcp: fcp ? fcp.startTime : null,
    fetch_start: script ? script.startTime : null,
    fetch_end: script ? script.responseEnd : null,
  };
}
"""


def sizes(data: bytes) -> dict[str, int]:
    return {
        "raw": len(data),
        "gzip6": len(gzip.compress(data, compresslevel=6, mtime=0)),
        "gzip9": len(gzip.compress(data, compresslevel=9, mtime=0)),
    }


def shop_with_baseline(widget_src: str):
    """The demo shop app, plus /baseline: the same page without the widget's script tag."""
    from flask import render_template_string, request

    shop = create_demo_app(widget_src)
    source, _, _ = shop.jinja_env.loader.get_source(shop.jinja_env, "demo_shop.html")
    stripped, removed = SCRIPT_TAG.subn("", source)
    if removed != 1:
        sys.exit("demo_shop.html changed: cannot find the widget's one script tag")

    @shop.get("/baseline")
    def baseline_page() -> str:
        lang = request.args.get("lang", "en")
        return render_template_string(stripped, widget_src=widget_src, lang=lang)

    return shop


def load(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.add_init_script(PROBE)
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        if "baseline" not in url:
            page.wait_for_function(
                "() => window.__bench && window.__bench.painted !== undefined",
                timeout=TIMEOUT_MS,
            )
        else:
            # The same wait for a frame after load, so both pages are read alike.
            page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r)))")
        return page.evaluate(COLLECT)
    finally:
        context.close()


def median(rows: list[dict], key: str) -> float:
    values = [row[key] for row in rows if row.get(key) is not None]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=20, help="page loads of each page")
    args = parser.parse_args()
    print_machine()

    with tempfile.TemporaryDirectory(prefix="widget-bench-") as folder:
        api_app = make_app(Path(folder))
        api = serve_in_thread(api_app)
        widget_src = f"{api.url}/widget.js"
        shop = serve_in_thread(shop_with_baseline(widget_src))
        try:
            served = api_app.test_client().get("/widget.js")
            data = served.get_data()
            size = sizes(data)
            print(f"widget.js as served by GET /widget.js ({served.headers['Content-Type']}):")
            print(f"  raw       {size['raw']:>7,} bytes ({size['raw'] / 1024:.1f} KiB)")
            for level in ("gzip6", "gzip9"):
                print(
                    f"  {level:<9} {size[level]:>7,} bytes ({size[level] / 1024:.1f} KiB), "
                    f"{size[level] / size['raw']:.0%} of raw"
                )
            verdict = "met" if size["gzip6"] <= GZIP_TARGET else "NOT met"
            print(f"  target at most 15 KB ({GZIP_TARGET:,} bytes) gzipped: {verdict}")
            print(
                "  (for comparison, the issue's figure, not measured here: widely used chat "
                "widgets ship 90-170 KB before compression)"
            )
            print()
            if not CHROMIUM.exists():
                sys.exit(
                    "start-up not measured: /usr/bin/chromium is missing "
                    "(`apt-get install chromium`)"
                )
            startup(shop.url, args.loads)
        finally:
            shop.stop()
            api.stop()


def startup(shop_url: str, loads: int) -> None:
    from playwright.sync_api import sync_playwright

    widget_url = f"{shop_url}/?lang=en"
    baseline_url = f"{shop_url}/baseline?lang=en"
    with_widget: list[dict] = []
    without: list[dict] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            print(f"headless Chromium {browser.version}, {loads} loads of each page")
            for number in range(WARM_UP_PAIRS + loads):
                pair = [(widget_url, with_widget), (baseline_url, without)]
                if number % 2:
                    pair.reverse()
                for url, rows in pair:
                    row = load(browser, url)
                    if number >= WARM_UP_PAIRS:
                        rows.append(row)
        finally:
            browser.close()

    for row in with_widget:
        row["tag_to_ready"] = row["ready"] - row["tag"]
        row["tag_to_painted"] = row["painted"] - row["tag"]
        row["fetch"] = row["fetch_end"] - row["fetch_start"]
    print()
    print("medians, ms from navigation start:")
    print(f"{'':<34} {'baseline (no widget)':>21} {'with widget':>12} {'difference':>11}")
    for label, key in (
        ("first contentful paint", "fcp"),
        ("DOMContentLoaded done", "dcl"),
        ("load event done", "load"),
    ):
        base, mine = median(without, key), median(with_widget, key)
        print(f"{label:<34} {base:>21.1f} {mine:>12.1f} {mine - base:>+11.1f}")
    print()
    print("with widget, medians:")
    for label, key in (
        ("script tag in the document", "tag"),
        ("widget.js request start", "fetch_start"),
        ("widget.js fetched (duration)", "fetch"),
        ("widget.js running", "running"),
        ("launcher ready (in DOM, focusable)", "ready"),
        ("launcher painted (next frame)", "painted"),
    ):
        print(f"  {label:<36} {median(with_widget, key):>8.1f}")
    ready = sorted(row["tag_to_ready"] for row in with_widget)
    painted = sorted(row["tag_to_painted"] for row in with_widget)
    print()
    print(
        f"script tag -> interactive launcher: median {statistics.median(ready):.1f} ms "
        f"(min {ready[0]:.1f}, max {ready[-1]:.1f}); "
        f"-> painted: median {statistics.median(painted):.1f} ms"
    )
    base_load = median(without, "load")
    print(
        f"launcher ready vs the baseline page's load event: "
        f"{median(with_widget, 'ready') - base_load:+.1f} ms"
    )


if __name__ == "__main__":
    main()
    print()
    print_load("at the end")
