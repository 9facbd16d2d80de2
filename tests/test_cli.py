"""The widget-api command: faq eval on a small labelled set, and the demo's two origins."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from widget_api.cli import main

FAQ = [
    {
        "id": "ship",
        "question": "How long does shipping take?",
        "lang": "en",
        "alternatives": ["delivery time", "when will my parcel arrive"],
        "answer": "2 days.",
    },
    {
        "id": "return",
        "question": "How do I return an item?",
        "lang": "en",
        "alternatives": ["send something back", "return policy"],
        "answer": "Use the form.",
    },
    {
        "id": "pay",
        "question": "Which payment methods do you accept?",
        "lang": "en",
        "alternatives": ["can I pay with paypal", "pay by invoice"],
        "answer": "Cards, PayPal.",
    },
]
QUESTIONS = [
    {"text": "how long does shipping take to austria", "expected": "ship"},
    {"text": "i want to send my jacket back", "expected": "return"},
    {"text": "do you take paypal", "expected": "pay"},
    {"text": "what is the meaning of life", "expected": None},
]


def write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def test_faq_eval_json(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "instance"))
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    queries = write_jsonl(tmp_path / "q.jsonl", QUESTIONS)
    result = CliRunner().invoke(
        main, ["faq", "eval", "--faq", str(faq), "--queries", str(queries), "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    for key in (
        "top1_accuracy",
        "answered_correct",
        "answered_wrong",
        "suggested",
        "suggested_right",
        "handed_off",
    ):
        assert 0.0 <= figures[key] <= 1.0, key
    shares = ("answered_correct", "answered_wrong", "suggested", "handed_off")
    assert abs(sum(figures[k] for k in shares) - 1.0) < 1e-9
    assert figures["top1_accuracy"] == 1.0
    assert [p["text"] for p in figures["predictions"]] == [q["text"] for q in QUESTIONS]
    assert all(
        set(p) == {"text", "expected", "predicted", "score", "outcome"}
        for p in figures["predictions"]
    )
    assert {p["outcome"] for p in figures["predictions"]} <= {"answer", "suggest", "handoff"}

    text = CliRunner().invoke(main, ["faq", "eval", "--faq", str(faq), "--queries", str(queries)])
    assert text.exit_code == 0 and "top-1 accuracy" in text.output


def test_faq_eval_errors_exit_non_zero(tmp_path):
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"text": "ok", "expected": null}\n{"expected": "ship"}\n')
    result = CliRunner().invoke(main, ["faq", "eval", "--faq", str(faq), "--queries", str(bad)])
    assert result.exit_code == 1 and f"{bad}:2:" in result.output
    missing = CliRunner().invoke(
        main, ["faq", "eval", "--faq", str(tmp_path / "nope"), "--queries", str(bad)]
    )
    assert missing.exit_code == 1 and "no such file or folder" in missing.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, dict(response.headers), response.read().decode()


@pytest.mark.slow
def test_demo_serves_api_and_shop_page_on_two_origins(tmp_path):
    api_port, shop_port = free_port(), free_port()
    env = {**os.environ, "WIDGET_INSTANCE_PATH": str(tmp_path / "instance")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "widget_api.cli",
            "demo",
            "--port",
            str(api_port),
            "--demo-port",
            str(shop_port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _, body = get(f"http://127.0.0.1:{api_port}/api/v1/health")
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["status"] == "ok"
        _, _, page = get(f"http://127.0.0.1:{shop_port}/")
        assert f'src="http://127.0.0.1:{api_port}/widget.js"' in page
        shop_origin = f"http://127.0.0.1:{shop_port}"
        _, headers, _ = get(
            f"http://127.0.0.1:{api_port}/api/v1/widget-config?lang=de", {"Origin": shop_origin}
        )
        assert headers["Access-Control-Allow-Origin"] == shop_origin
        assert (tmp_path / "instance" / "widget.sqlite3").stat().st_size != 0
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_faq_tune_prints_and_writes_thresholds(tmp_path, monkeypatch):
    monkeypatch.setenv("WIDGET_INSTANCE_PATH", str(tmp_path / "instance"))
    faq = write_jsonl(tmp_path / "faq.jsonl", FAQ)
    queries = write_jsonl(tmp_path / "q.jsonl", QUESTIONS)
    result = CliRunner().invoke(main, ["faq", "tune", "--faq", str(faq), "--queries", str(queries)])
    assert result.exit_code == 0, result.output
    printed = dict(line.split(" = ") for line in result.output.strip().splitlines())
    assert set(printed) == {"ANSWER_THRESHOLD", "ANSWER_MARGIN", "SUGGEST_THRESHOLD"}
    assert not (tmp_path / "instance" / "config.toml").exists()

    written = CliRunner().invoke(
        main, ["faq", "tune", "--faq", str(faq), "--queries", str(queries), "--write"]
    )
    assert written.exit_code == 0
    from widget_api.settings import load_settings

    values = load_settings(str(tmp_path / "instance"), {})
    assert values["ANSWER_THRESHOLD"] == float(printed["ANSWER_THRESHOLD"])
    assert values["SUGGEST_THRESHOLD"] == float(printed["SUGGEST_THRESHOLD"])

    # faq eval then uses the configured thresholds; --tune-on chooses them for one run.
    figures = json.loads(
        CliRunner()
        .invoke(main, ["faq", "eval", "--faq", str(faq), "--queries", str(queries), "--json"])
        .output
    )
    assert figures["thresholds"]["answer"] == values["ANSWER_THRESHOLD"]
    tuned = json.loads(
        CliRunner()
        .invoke(
            main,
            [
                "faq",
                "eval",
                "--faq",
                str(faq),
                "--queries",
                str(queries),
                "--tune-on",
                str(queries),
                "--json",
            ],
        )
        .output
    )
    assert "auroc" in tuned and "answer_rate_at_max_wrong" in tuned
    assert tuned["answered_wrong"] <= 0.05
