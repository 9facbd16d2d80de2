"""`widget-api health`: the whole report for the operator, which the public endpoint withholds."""

from __future__ import annotations

import json


def test_health_command_prints_the_details_and_fails_when_degraded(cli, tmp_path):
    result = cli("health")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "ok" and report["database"]["free_bytes"] > 0
    assert report["database"]["journal_mode"] == "wal" and report["faq"]["entries"] >= 80

    broken = tmp_path / "faq"
    broken.mkdir()
    (broken / "a.md").write_text("## no front matter\nid: x\n\nAnswer\n", encoding="utf-8")
    result = cli(
        "health", env={"WIDGET_HEALTH_MIN_FREE_MB": str(1024**4), "WIDGET_FAQ_DIR": str(broken)}
    )
    assert result.exit_code == 1  # a monitor on the server can act on the status alone
    report = json.loads(result.output)
    assert report["status"] == "degraded"
    assert report["database"]["problems"] == ["low_disk_space"]
    assert report["faq"]["status"] == "error" and report["faq"]["errors"] >= 1


def test_health_command_says_when_the_database_cannot_be_read(cli):
    cli.instance.mkdir()
    cli.database.write_bytes(b"not a database at all" * 100)
    result = cli("health")
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database cannot be read: ")
