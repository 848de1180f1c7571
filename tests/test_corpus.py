"""The corpus walk: unreadable folders and links are not deletions, ids are unique by construction,
links out of the corpus are not followed, a corpus that suddenly shrinks is refused."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ransearch.corpus
import ransearch.engine
from conftest import DEV_CORPUS
from ransearch.corpus import find_documents
from ransearch.engine import Engine
from ransearch.errors import RansearchError
from ransearch.indexing import build_index
from ransearch.store import open_generation


def _ids(index: Path) -> set[str]:
    return set(open_generation(index).manifest.documents[s].practice_id
               for s in open_generation(index).manifest.documents)


def _practices(index: Path, encoder) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.id: p.source for p in Engine.open(index, encoder=encoder).practices()}


@pytest.fixture()
def nested(reindex_corpus: Path) -> Path:
    """The 6-document corpus with two of them in a subfolder."""
    sub = reindex_corpus / "sub"
    sub.mkdir()
    for path in sorted(reindex_corpus.glob("*.txt"))[:2]:
        path.rename(sub / path.name)
    return reindex_corpus


def _scandir_refusing(folder: Path):  # type: ignore[no-untyped-def]
    real = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if Path(path) == folder.resolve():
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)
    return scandir


def test_an_unreadable_folder_keeps_its_documents(nested: Path, tmp_path: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    build_index([nested], index, reindex_encoder)
    before = _practices(index, reindex_encoder)
    monkeypatch.setattr(ransearch.corpus.os, "scandir", _scandir_refusing(nested / "sub"))
    report = build_index([nested], index, reindex_encoder)
    assert report.removed == () and report.exit_status == 3
    assert [(f.path, f.kept) for f in report.failed] == [(str((nested / "sub").resolve()), True)]
    assert "Permission denied" in report.failed[0].reason
    assert _practices(index, reindex_encoder) == before  # nothing left the index
    # and once readable again, nothing changed
    monkeypatch.undo()
    again = build_index([nested], index, reindex_encoder)
    assert again.exit_status == 0 and again.outcome == "unchanged" and again.removed == ()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_a_chmod_000_folder_keeps_its_documents(nested: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    index = tmp_path / "index"
    build_index([nested], index, reindex_encoder)
    (nested / "sub").chmod(0)
    try:
        report = build_index([nested], index, reindex_encoder)
    finally:
        (nested / "sub").chmod(0o755)
    assert report.removed == () and report.exit_status == 3 and report.failed[0].kept


def test_a_dangling_link_keeps_its_last_good_version(reindex_corpus: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    elsewhere = tmp_path / "share"
    elsewhere.mkdir()
    target = elsewhere / "linked.txt"
    shutil.copy(sorted(DEV_CORPUS.glob("*.txt"))[-1], target)
    (reindex_corpus / "linked.txt").symlink_to(target)
    index = tmp_path / "index"
    build_index([reindex_corpus], index, reindex_encoder, follow_links=True)
    assert "linked" in _practices(index, reindex_encoder)
    target.unlink()  # the share is gone: the link dangles
    report = build_index([reindex_corpus], index, reindex_encoder, follow_links=True)
    assert report.removed == () and report.exit_status == 3
    assert report.failed[0].kept and "link" in report.failed[0].reason
    assert "linked" in _practices(index, reindex_encoder)
    (reindex_corpus / "linked.txt").unlink()  # really gone now
    report = build_index([reindex_corpus], index, reindex_encoder)
    assert report.removed == ("linked.txt",) and report.exit_status == 0


def test_an_unreadable_file_keeps_its_last_good_version(reindex_corpus: Path, tmp_path: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    build_index([reindex_corpus], index, reindex_encoder)
    victim = sorted(reindex_corpus.glob("*.txt"))[0].resolve()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if self == victim else real(self))
    report = build_index([reindex_corpus], index, reindex_encoder)
    assert report.removed == () and report.exit_status == 3 and report.failed[0].kept


def test_a_corpus_that_shrinks_is_refused_unless_allowed(reindex_corpus: Path, tmp_path: Path, reindex_encoder,  # type: ignore[no-untyped-def]
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ransearch.cli import _register, app

    index = tmp_path / "index"
    build_index([reindex_corpus], index, reindex_encoder)
    generation = open_generation(index).id
    docs = sorted(reindex_corpus.glob("*.txt"))
    for path in docs[:4]:  # 4 of 6 gone: more than half
        path.rename(tmp_path / path.name)
    with pytest.raises(RansearchError, match="shrank.*--allow-shrink"):
        build_index([reindex_corpus], index, reindex_encoder)
    assert open_generation(index).id == generation
    for path in docs[:4]:
        (tmp_path / path.name).rename(path)
    docs[0].unlink()  # one of six: an ordinary deletion
    assert build_index([reindex_corpus], index, reindex_encoder).removed == (docs[0].name,)
    # an unmounted share: the folder is there and empty
    moved = tmp_path / "moved"
    reindex_corpus.rename(moved)
    reindex_corpus.mkdir()
    _register()
    monkeypatch.setattr(ransearch.engine, "load_encoder", lambda name, **kwargs: reindex_encoder)
    args = ["index", str(reindex_corpus), "--index", str(index), "--encoder", "fake", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--allow-shrink" in result.stderr
    (reindex_corpus / docs[1].name).write_bytes((moved / docs[1].name).read_bytes())  # one document left of five
    assert CliRunner().invoke(app, args).exit_code == 2
    result = CliRunner().invoke(app, [*args, "--allow-shrink"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["counts"]["removed"] == 4


def test_a_folder_given_twice_is_indexed_once(reindex_corpus: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    once, twice = tmp_path / "once", tmp_path / "twice"
    build_index([reindex_corpus], once, reindex_encoder)
    report = build_index([reindex_corpus, reindex_corpus / ".." / reindex_corpus.name], twice, reindex_encoder)
    assert report.practices == 6 and _practices(twice, reindex_encoder) == _practices(once, reindex_encoder)


def test_two_folders_with_the_same_file_name_get_distinct_ids(reindex_corpus: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                              reindex_encoder) -> None:
    other = tmp_path / "other"
    other.mkdir()
    name = sorted(reindex_corpus.glob("*.txt"))[0].name
    shutil.copy(sorted(DEV_CORPUS.glob("*.txt"))[-1], other / name)  # another practice, same name
    shutil.copy(sorted(DEV_CORPUS.glob("*.txt"))[-2], other / "only-here.txt")
    index = tmp_path / "index"
    report = build_index([reindex_corpus, other], index, reindex_encoder)
    practices = _practices(index, reindex_encoder)
    stem = name.removesuffix(".txt")
    assert report.practices == 8 and len(practices) == 8 and not report.failed
    assert practices[f"corpus--{stem}"] == f"corpus/{name}" and practices[f"other--{stem}"] == f"other/{name}"
    assert practices["only-here"] == "only-here.txt"  # names no other folder has keep their id
    again = build_index([reindex_corpus, other], index, reindex_encoder)
    assert again.outcome == "unchanged" and not again.changed  # one manifest entry per document


def test_a_link_to_a_corpus_file_is_that_file(reindex_corpus: Path, tmp_path: Path, reindex_encoder) -> None:  # type: ignore[no-untyped-def]
    first = sorted(reindex_corpus.glob("*.txt"))[0]
    (reindex_corpus / "alias.txt").symlink_to(first)
    (reindex_corpus / "folder-alias").symlink_to(reindex_corpus, target_is_directory=True)  # a loop, too
    walk = find_documents([reindex_corpus])
    assert sorted(d.source for d in walk.documents) == sorted(p.name for p in reindex_corpus.glob("*.txt")
                                                              if not p.is_symlink())
    report = build_index([reindex_corpus], tmp_path / "index", reindex_encoder)
    assert report.practices == 6 and not report.failed


def test_links_out_of_the_corpus_are_not_followed_unless_asked(reindex_corpus: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               reindex_encoder) -> None:
    secret = tmp_path / "private"
    secret.mkdir()
    shutil.copy(sorted(DEV_CORPUS.glob("*.txt"))[-1], secret / "personal.txt")
    (reindex_corpus / "leak.txt").symlink_to(secret / "personal.txt")
    (reindex_corpus / "leakdir").symlink_to(secret, target_is_directory=True)
    report = build_index([reindex_corpus], tmp_path / "index", reindex_encoder)
    assert report.practices == 6 and report.exit_status == 0
    assert sum("not followed" in w for w in report.warnings) == 2
    followed = build_index([reindex_corpus], tmp_path / "followed", reindex_encoder, follow_links=True)
    sources = {p.source for p in Engine.open(tmp_path / "followed", encoder=reindex_encoder).practices()}
    assert followed.practices == 7 and ({"leak.txt", "leakdir/personal.txt"} & sources)
