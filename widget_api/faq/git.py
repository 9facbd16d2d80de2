"""Committing an FAQ file the staff area's editor wrote, when the FAQ folder is a git repository.

Then the history of the FAQ is git's, with the editor as the commit's author, and a
`git pull` on the server meets commits instead of uncommitted changes. git is run as a
subprocess with a fixed argument list (no shell); the entry id and file name are single
arguments after `--` or in `-m`, so nothing an editor typed can become an option. Without
git, or when the folder is not a repository's top, nothing is committed (a log line says why
when git is missing); a failed commit is logged and never undoes the save (the file is
already written and in service).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)
GIT_TIMEOUT_SECONDS = 30
COMMITTER = ("widget-api", "widget-api@localhost")


def _git(git: str, folder: Path, *args: str, env: dict | None = None):
    """Run one git command; a git that cannot start or hangs counts as a failed command."""
    try:
        return subprocess.run(
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(args, 1, "", str(error))


def is_git_repository(folder: Path) -> bool:
    """True when git is installed and `folder` is the top of a git work tree: the FAQ's own
    repository. A folder that only lies inside some other repository (the sample `faq/` in a
    clone of this project) is not committed to: saves in the demo must not land as commits
    on a developer's branch."""
    git = shutil.which("git")
    if git is None:
        return False
    found = _git(git, folder, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        return False
    return Path(found.stdout.strip()).resolve() == folder.resolve()


def commit_file(folder: Path, relative: str, author: tuple[str, str], message: str) -> bool:
    """Commit the one file `relative` (inside `folder`) with `author` (name, e-mail);
    True when a commit was made."""
    git = shutil.which("git")
    if git is None:
        log.info("FAQ change to %s not committed: git is not installed", relative)
        return False
    if not is_git_repository(folder):
        return False
    env = {
        **os.environ,
        "GIT_COMMITTER_NAME": COMMITTER[0],
        "GIT_COMMITTER_EMAIL": COMMITTER[1],
    }
    steps = (
        ("add", "--", relative),
        (
            "commit",
            "--quiet",
            "--no-verify",
            f"--author={author[0]} <{author[1]}>",
            "-m",
            message,
            "--",
            relative,
        ),
    )
    for step in steps:
        done = _git(git, folder, *step, env=env)
        if done.returncode != 0:
            log.warning(
                "FAQ change to %s saved but not committed: git %s failed: %s",
                relative,
                step[0],
                (done.stderr or done.stdout).strip()[:300],
            )
            return False
    return True
