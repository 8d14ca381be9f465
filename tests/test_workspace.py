"""The learner's workspace: made once, never overwritten, updates placed beside.

The central test simulates the real sequence with two git repositories in a
temporary folder: a teacher's repository, and a learner's clone that runs
``sync``, edits a notebook, then ``git pull``s a new version and syncs again.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gpool_helpers.workspace import copies as workspace
from gpool_helpers.workspace import MANIFEST_NAME, sync, updated_name

GIT = shutil.which("git")


def notebook_bytes(title: str, code: str = "x = 1") -> bytes:
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [code]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(notebook, indent=1) + "\n").encode("utf-8")


def make_collection(folder: Path) -> Path:
    notebooks = folder / "notebooks"
    notebooks.mkdir(parents=True)
    (notebooks / "00_start_here.ipynb").write_bytes(notebook_bytes("Start here"))
    (notebooks / "02_global_average_pooling.ipynb").write_bytes(notebook_bytes("GAP"))
    return notebooks


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def git(folder: Path, *args: str) -> None:
    subprocess.run(
        [GIT, "-c", "user.name=Teacher", "-c", "user.email=teacher@example.org", "-c", "init.defaultBranch=main", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def test_first_sync_copies_everything_and_a_second_changes_nothing(tmp_path):
    source = make_collection(tmp_path)
    (source / "images").mkdir()
    (source / "images" / "figure.png").write_bytes(b"\x89PNG fake")
    (source / ".ipynb_checkpoints").mkdir()
    (source / ".ipynb_checkpoints" / "00_start_here-checkpoint.ipynb").write_bytes(b"{}")
    mine = tmp_path / "workspace"

    report = sync(source, mine)
    assert snapshot(mine) == {k: v for k, v in snapshot(source).items() if not k.startswith(".ipynb_checkpoints")}
    assert sorted(a.path for a in report.actions if a.kind == "copied") == [
        "00_start_here.ipynb",
        "02_global_average_pooling.ipynb",
        "images/figure.png",
    ]
    before = snapshot(mine)
    again = sync(source, mine)
    assert again.actions == []
    assert snapshot(mine) == before
    assert not list(mine.rglob("*.tmp"))


def test_an_edited_copy_survives_git_pull_and_sync(tmp_path):
    if GIT is None:
        pytest.fail("git is needed to simulate a learner's git pull")
    teacher = tmp_path / "teacher"
    make_collection(teacher)
    git(teacher, "init")
    git(teacher, "add", ".")
    git(teacher, "commit", "-m", "first edition")
    learner = tmp_path / "learner"
    git(tmp_path, "clone", str(teacher), str(learner))

    sync(learner / "notebooks", learner / "workspace")
    edited_path = learner / "workspace" / "02_global_average_pooling.ipynb"
    my_work = notebook_bytes("GAP", code="def my_global_avg_pool(x):\n    return x.mean(dim=(2, 3))")
    edited_path.write_bytes(my_work)

    new_version = notebook_bytes("GAP, second edition", code="x = 2")
    (teacher / "notebooks" / "02_global_average_pooling.ipynb").write_bytes(new_version)
    (teacher / "notebooks" / "00_start_here.ipynb").write_bytes(notebook_bytes("Start here, second edition"))
    (teacher / "notebooks" / "03_global_max_pooling.ipynb").write_bytes(notebook_bytes("GMP"))
    git(teacher, "add", ".")
    git(teacher, "commit", "-m", "second edition")
    git(learner, "pull")

    report = workspace.sync(learner / "notebooks", learner / "workspace")

    assert edited_path.read_bytes() == my_work
    beside = learner / "workspace" / updated_name("02_global_average_pooling.ipynb", workspace.file_hash(teacher / "notebooks" / "02_global_average_pooling.ipynb"))
    assert beside.read_bytes() == new_version
    assert beside.name.startswith("02_global_average_pooling.updated-") and beside.suffix == ".ipynb"
    [message] = [a.message for a in report.actions if a.path == "02_global_average_pooling.ipynb"]
    assert beside.name in message and "left as it is" in message
    # The untouched notebook is updated in place, and says why that is safe.
    assert (learner / "workspace" / "00_start_here.ipynb").read_bytes() == notebook_bytes("Start here, second edition")
    assert report.kinds("00_start_here.ipynb") == ["updated"]
    assert report.kinds("03_global_max_pooling.ipynb") == ["copied"]
    # A third sync repeats nothing and touches nothing.
    before = snapshot(learner / "workspace")
    assert sync(learner / "notebooks", learner / "workspace").actions == []
    assert snapshot(learner / "workspace") == before


def test_a_run_but_unedited_notebook_counts_as_the_learners(tmp_path):
    # Running cells stores outputs: that is the learner's too, so it is not replaced.
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    sync(source, mine)
    ran = (mine / "00_start_here.ipynb").read_bytes().replace(b'"outputs": []', b'"outputs": [{"text": "1"}]')
    (mine / "00_start_here.ipynb").write_bytes(ran)
    (source / "00_start_here.ipynb").write_bytes(notebook_bytes("Start here, v2"))
    report = sync(source, mine)
    assert (mine / "00_start_here.ipynb").read_bytes() == ran
    assert report.kinds("00_start_here.ipynb") == ["placed beside"]


def test_a_second_upstream_change_gets_its_own_file_beside(tmp_path):
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    sync(source, mine)
    (mine / "00_start_here.ipynb").write_bytes(b"my notes")
    names = []
    for edition in ("v2", "v3"):
        (source / "00_start_here.ipynb").write_bytes(notebook_bytes(edition))
        sync(source, mine)
        names.append(updated_name("00_start_here.ipynb", workspace.file_hash(source / "00_start_here.ipynb")))
    assert names[0] != names[1]
    assert (mine / names[0]).read_bytes() == notebook_bytes("v2")
    assert (mine / names[1]).read_bytes() == notebook_bytes("v3")
    assert (mine / "00_start_here.ipynb").read_bytes() == b"my notes"


def synced_then_removed(tmp_path, side: str):
    """A collection and a synced workspace, then 02 removed from one side ("mine" or "source"); the next sync's report."""
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    sync(source, mine)
    ({"mine": mine, "source": source}[side] / "02_global_average_pooling.ipynb").unlink()
    return source, mine, sync(source, mine)


def test_a_deleted_copy_comes_back_fresh(tmp_path):
    source, mine, report = synced_then_removed(tmp_path, "mine")
    assert report.kinds("02_global_average_pooling.ipynb") == ["restored"]
    assert (mine / "02_global_average_pooling.ipynb").read_bytes() == (source / "02_global_average_pooling.ipynb").read_bytes()


def test_a_notebook_removed_upstream_stays_in_the_workspace(tmp_path):
    source, mine, report = synced_then_removed(tmp_path, "source")
    assert report.kinds("02_global_average_pooling.ipynb") == ["gone upstream"]
    assert (mine / "02_global_average_pooling.ipynb").exists()
    assert sync(source, mine).actions == []


@pytest.mark.parametrize(
    "manifest_text",
    ["{not json", "[]", '{"version": 1, "files": {"00_start_here.ipynb": "abc"}}', '{"version": 99, "files": {}}', "\udcff"],
    ids=["not json", "a list", "wrong entries", "unknown version", "not utf-8"],
)
def test_an_unreadable_manifest_is_moved_aside_and_nothing_is_overwritten(tmp_path, manifest_text):
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    sync(source, mine)
    (mine / "02_global_average_pooling.ipynb").write_bytes(b"my work")
    broken = manifest_text.encode("utf-8", errors="surrogateescape")
    (mine / MANIFEST_NAME).write_bytes(broken)
    # Both notebooks change upstream; even the unedited one is not replaced
    # now, because without the record nothing proves it is unedited.
    (source / "00_start_here.ipynb").write_bytes(notebook_bytes("Start v2"))
    (source / "02_global_average_pooling.ipynb").write_bytes(notebook_bytes("GAP v2"))
    unedited_before = (mine / "00_start_here.ipynb").read_bytes()

    report = sync(source, mine)

    [note] = [a for a in report.actions if a.kind == "manifest"]
    assert "could not be read" in note.message and "No notebook was overwritten" in note.message
    assert (mine / f"{MANIFEST_NAME}.unreadable").read_bytes() == broken
    assert (mine / "02_global_average_pooling.ipynb").read_bytes() == b"my work"
    assert (mine / "00_start_here.ipynb").read_bytes() == unedited_before
    assert report.kinds("00_start_here.ipynb") == ["placed beside"]
    assert report.kinds("02_global_average_pooling.ipynb") == ["placed beside"]
    # The new record is readable again.
    assert json.loads((mine / MANIFEST_NAME).read_text())["version"] == workspace.MANIFEST_VERSION


def test_a_learner_file_made_before_any_sync_is_kept(tmp_path):
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    mine.mkdir()
    (mine / "00_start_here.ipynb").write_bytes(b"my own start")
    sync(source, mine)
    assert (mine / "00_start_here.ipynb").read_bytes() == b"my own start"
    assert any(p.name.startswith("00_start_here.updated-") for p in mine.iterdir())


def test_nothing_is_ever_lost_over_random_histories(tmp_path):
    """Random edits, upstream changes, deletions and syncs: after every sync
    each learner edit is still in its file, and each notebook that changed
    upstream has its new version in the workspace, in place or beside."""
    randomness = random.Random(7)
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    names = ["00_start_here.ipynb", "02_global_average_pooling.ipynb"]
    sync(source, mine)
    learner_edits: dict[str, bytes] = {}
    changed_upstream: set[str] = set()
    seen_kinds: set[str] = set()
    for step in range(150):
        name = randomness.choice(names)
        move = randomness.choice(["edit", "upstream", "sync", "sync", "delete"])
        if move == "edit":
            learner_edits[name] = f"learner edit {step}".encode()
            (mine / name).write_bytes(learner_edits[name])
        elif move == "upstream":
            (source / name).write_bytes(notebook_bytes(f"edition {step}"))
            changed_upstream.add(name)
        elif move == "delete" and (mine / name).exists():
            (mine / name).unlink()
            learner_edits.pop(name, None)
        else:
            seen_kinds.update(action.kind for action in sync(source, mine).actions)
            contents = {p.read_bytes() for p in mine.iterdir() if p.is_file()}
            for edit in learner_edits.values():
                assert edit in contents, f"step {step}: a learner's edit was lost"
            for upstream in changed_upstream:
                assert (source / upstream).read_bytes() in contents, f"step {step}: {upstream}'s new version is missing"
            changed_upstream.clear()
            for edited_name, edit in learner_edits.items():
                assert (mine / edited_name).read_bytes() == edit
    # The history must have exercised every path, or it proves little.
    assert {"updated", "placed beside", "restored"} <= seen_kinds


def test_command_line_prints_what_happened(tmp_path, capsys):
    source = make_collection(tmp_path)
    mine = tmp_path / "workspace"
    assert workspace.main(["sync", "--source", str(source), "--workspace", str(mine)]) == 0
    assert "Copied 00_start_here.ipynb" in capsys.readouterr().out
    assert workspace.main(["sync", "--source", str(source), "--workspace", str(mine)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_command_line_explains_a_missing_source_or_a_file_in_the_way(tmp_path, capsys):
    assert workspace.main(["sync", "--source", str(tmp_path / "nowhere"), "--workspace", str(tmp_path / "w")]) == 1
    assert "notebooks folder" in capsys.readouterr().err
    source = make_collection(tmp_path)
    (tmp_path / "blocked").write_text("a file")
    assert workspace.main(["sync", "--source", str(source), "--workspace", str(tmp_path / "blocked")]) == 1
    assert "is a file" in capsys.readouterr().err
    assert (tmp_path / "blocked").read_text() == "a file"


def test_module_runs_as_a_script(tmp_path):
    source = make_collection(tmp_path)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "gpool_helpers.workspace",
            "sync",
            "--source",
            str(source),
            "--workspace",
            str(tmp_path / "workspace"),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "workspace" / "00_start_here.ipynb").exists()
