"""The learner's own copy of the notebooks, which an update never overwrites.

``make lab`` runs ``python -m gpool_helpers.workspace sync`` and then opens
JupyterLab in ``workspace/`` (git-ignored). The rules, in order of what
matters most:

1. A learner's file is never overwritten, never deleted.
2. The first sync copies every notebook (and any file beside them) from
   ``notebooks/`` into ``workspace/``.
3. Later, when a notebook in ``notebooks/`` has changed (after a ``git pull``,
   say) the new version goes *beside* the learner's copy, as
   ``02_global_average_pooling.updated-1a2b3c4d.ipynb`` (the short hash of the
   new version), with a message saying what to do.
4. Only when the learner's copy is byte for byte what was copied (never
   opened and saved, never run) is it replaced in place; nothing of theirs is
   lost, and the message says so.
5. New notebooks are copied in; a notebook the learner deleted is copied in
   again, fresh (the way to start one over).

What was copied is recorded in ``workspace/.gpool-workspace.json``: per file,
the hash of the version copied. If that manifest is missing or unreadable,
every file already in the workspace is treated as the learner's own: a
changed notebook then always goes beside it, never over it.

The messages speak the learner's language: ``sync --language zh`` (what
``make lab LANG=zh`` runs) prints them in Simplified Chinese. Each is an
English template with named placeholders, shown through ``_()`` (see
:mod:`gpool_helpers.i18n`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import LANGUAGES, N_, get_language, gettext as _, set_language

MANIFEST_NAME = ".gpool-workspace.json"
MANIFEST_VERSION = 1
REPOSITORY = Path(__file__).resolve().parents[2]
#: Folders never copied: editor and Python caches.
IGNORED_PARTS = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Action:
    """One thing ``sync`` did (or chose not to do), with the message it printed."""

    kind: str  # "copied", "updated", "placed beside", "restored", "kept", "adopted", "gone upstream", "manifest"
    path: str
    message: str


@dataclass
class SyncReport:
    actions: list[Action] = field(default_factory=list)

    def kinds(self, path: str) -> list[str]:
        return [a.kind for a in self.actions if a.path == path]

    def add(self, kind: str, path: str, message: str, /, **values: object) -> None:
        """Record what was done; ``message`` is an English template (marked ``N_``),
        shown in the learner's language with ``values`` filled into its placeholders."""
        self.actions.append(Action(kind, path, _(message).format(**values)))


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def updated_name(relative: str, source_hash: str) -> str:
    """``02_x.ipynb`` -> ``02_x.updated-<first 8 hex of the new version's hash>.ipynb``."""
    path = Path(relative)
    return str(path.with_name(f"{path.stem}.updated-{source_hash[:8]}{path.suffix}"))


def _write_atomically(target: Path, data: bytes) -> None:
    """Write through a temporary file and a rename, so an interrupted sync
    leaves the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _source_files(source: Path) -> list[str]:
    files = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or IGNORED_PARTS.intersection(relative.parts):
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue
        files.append(relative.as_posix())
    return files


def _read_manifest(workspace: Path, report: SyncReport) -> dict[str, dict[str, str]]:
    """The recorded copies, or an empty record if there is none or it is unreadable.

    An unreadable manifest is moved aside (never deleted) and the sync goes on
    without it, which only ever makes it more careful.
    """
    path = workspace / MANIFEST_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            raise ValueError(_("expected a JSON object with version {version}").format(version=MANIFEST_VERSION))
        notebooks = data.get("files")
        if not isinstance(notebooks, dict) or not all(
            isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("copied"), str)
            for k, v in notebooks.items()
        ):
            raise ValueError(_("expected 'files' to map each file name to {entry}").format(entry="{'copied': <hash>}"))
        return {name: dict(entry) for name, entry in notebooks.items()}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        aside = path.with_name(f"{MANIFEST_NAME}.unreadable")
        counter = 1
        while aside.exists():
            counter += 1
            aside = path.with_name(f"{MANIFEST_NAME}.unreadable-{counter}")
        path.rename(aside)
        report.add(
            "manifest",
            MANIFEST_NAME,
            N_("The workspace record {record} could not be read ({error}). It was moved to {aside}. "
               "No notebook was overwritten: every file already in the workspace is kept as yours, "
               "and a changed notebook is placed beside your copy instead."),
            record=path, error=error, aside=aside.name,
        )
        return {}


def _write_manifest(workspace: Path, entries: dict[str, dict[str, str]]) -> None:
    data = {"version": MANIFEST_VERSION, "files": dict(sorted(entries.items()))}
    _write_atomically(workspace / MANIFEST_NAME, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def sync(source: Path, workspace: Path) -> SyncReport:
    """Bring ``workspace`` up to date with ``source`` without losing a learner's work."""
    source, workspace = Path(source), Path(workspace)
    if not source.is_dir():
        raise ValueError(_("workspace sync expects the notebooks folder {source} to exist; it does not").format(
            source=source))
    if workspace.exists() and not workspace.is_dir():
        raise ValueError(_("workspace sync expects {workspace} to be a folder; it is a file").format(
            workspace=workspace))
    workspace.mkdir(parents=True, exist_ok=True)
    report = SyncReport()
    manifest = _read_manifest(workspace, report)
    for relative in _source_files(source):
        _sync_file(source, workspace, relative, manifest, report)
    for relative in sorted(set(manifest) - set(_source_files(source))):
        if (workspace / relative).exists():
            report.add(
                "gone upstream",
                relative,
                N_("{path} is no longer in the collection; your copy stays in {folder}/."),
                path=relative, folder=workspace.name,
            )
        del manifest[relative]
    _write_manifest(workspace, manifest)
    return report


def _sync_file(
    source: Path, workspace: Path, relative: str, manifest: dict[str, dict[str, str]], report: SyncReport
) -> None:
    new_bytes = (source / relative).read_bytes()
    new_hash = hashlib.sha256(new_bytes).hexdigest()
    mine = workspace / relative
    entry = manifest.get(relative)

    if not mine.exists():
        _write_atomically(mine, new_bytes)
        manifest[relative] = {"copied": new_hash}
        if entry is None:
            report.add("copied", relative, N_("Copied {path} into {folder}/."), path=relative, folder=workspace.name)
        else:
            report.add("restored", relative, N_("{path} was missing from {folder}/; copied a fresh one in."),
                       path=relative, folder=workspace.name)
        return

    my_hash = file_hash(mine)
    if my_hash == new_hash:
        # Already the current version (or the learner's copy happens to equal it).
        manifest[relative] = {"copied": new_hash}
        if entry is None:
            report.add("adopted", relative, N_("{path} already matches the collection."), path=relative)
        return

    if entry is not None and entry.get("copied") == new_hash:
        # The collection has not changed since the copy; the learner's edits are theirs.
        return

    if entry is not None and entry.get("copied") == my_hash:
        # The learner never changed their copy: replacing it loses nothing.
        _write_atomically(mine, new_bytes)
        manifest[relative] = {"copied": new_hash}
        report.add(
            "updated",
            relative,
            N_("Updated {path} to the new version (you had not changed your copy, so nothing is lost)."),
            path=relative,
        )
        return

    if entry is not None and entry.get("offered") == new_hash:
        # This version was already placed beside the learner's copy.
        return

    beside = updated_name(relative, new_hash)
    if not (workspace / beside).exists():
        _write_atomically(workspace / beside, new_bytes)
    recorded = dict(entry) if entry is not None else {"copied": ""}
    recorded["offered"] = new_hash
    manifest[relative] = recorded
    report.add(
        "placed beside",
        relative,
        N_("{path} has a new version in the collection. Your copy has your work in it, so it was "
           "left as it is, and the new version is at {beside}. Open both and copy across what you "
           "want; delete {beside} when you are done."),
        path=relative, beside=beside,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m gpool_helpers.workspace",
        description="Keep your own copy of the notebooks in workspace/, never overwriting your work.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("sync", help="copy new and changed notebooks into the workspace")
    command.add_argument("--source", type=Path, default=REPOSITORY / "notebooks")
    command.add_argument("--workspace", type=Path, default=REPOSITORY / "workspace")
    command.add_argument("--language", choices=list(LANGUAGES), default="en",
                         help="the language of the messages (make lab LANG=zh passes zh)")
    args = parser.parse_args(argv)
    previous = get_language()
    set_language(args.language)
    try:
        return _run_sync(args)
    finally:
        set_language(previous)  # called in a kernel or a test, leave its language as it was


def _run_sync(args: argparse.Namespace) -> int:
    """``sync`` itself: its messages in the language already set."""
    try:
        report = sync(args.source, args.workspace)
    except (ValueError, OSError) as error:
        print(_("workspace sync: {error}").format(error=error), file=sys.stderr)
        return 1
    # "adopted" only records a file that already matched; it needs no words.
    shown = [a for a in report.actions if a.kind != "adopted"]
    for action in shown:
        stream = sys.stderr if action.kind == "manifest" else sys.stdout
        print(action.message, file=stream)
    if not shown:
        print(_("Your workspace in {workspace} is up to date.").format(workspace=args.workspace))
    elif any(a.kind == "copied" for a in shown) and not any(a.kind in ("updated", "placed beside") for a in shown):
        print(_("Your own copy of the notebooks is in {workspace}: edit freely; "
                "a sync never overwrites your work.").format(workspace=args.workspace))
    return 0


if __name__ == "__main__":
    sys.exit(main())
