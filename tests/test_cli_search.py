"""The query commands as a user runs them: exit codes and one clear line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent / "data" / "seeds"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ransearch", *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-index")
    done = run("index", str(CORPUS), "--index", str(folder))
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout
    return folder


def test_ask_json_and_text(index: Path) -> None:
    done = run("ask", "soutien familial combattants étrangers", "--index", str(index), "--json", "-k", "2")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["results"][0]["practice_id"] == "004_c92d1ef0c5228cd4"
    text = run("ask", "réseau local", "--index", str(index))
    assert text.returncode == 0 and "Mise en place d'un réseau local" in text.stdout


def test_show_practices_match_similar_facets(index: Path) -> None:
    assert "Sarpsborg" in run("show", "004_c92d1ef0c5228cd4", "--index", str(index)).stdout
    shown = json.loads(run("show", "004_c92d1ef0c5228cd4", "--index", str(index), "--json", "--no-contacts").stdout)
    assert "contacts" not in shown
    listed = json.loads(run("practices", "--index", str(index), "--json", "--country", "Belgique").stdout)
    assert {p["country_code"] for p in listed["practices"]} == {"BE"}
    matched = json.loads(run("match", "Des familles sont isolées. Nous cherchons un soutien familial.",
                             "--index", str(index), "--json").stdout)
    assert matched["needs"] and matched["results"]
    similar = json.loads(run("similar", "003_54bd44b4e51d05d2", "--index", str(index), "--json").stdout)
    assert similar["practice_id"] == "003_54bd44b4e51d05d2" and len(similar["results"]) == 2
    facets = json.loads(run("facets", "--index", str(index), "--json", "--lang", "fr").stdout)
    assert {"country", "theme", "audience", "language"} <= set(facets)


@pytest.mark.parametrize("args,code,message", [
    (["ask", ""], 2, "empty query"),
    (["ask", "   "], 2, "empty query"),
    (["ask", "x" * 20_000], 2, "query too long"),
    (["ask", "prévention", "--theme", "astrophysics"], 2, "unknown theme"),
    (["ask", "prévention", "--country", "Atlantis"], 2, "unknown country"),
    (["show", "no-such-practice"], 1, "no practice"),
    (["similar", "no-such-practice"], 1, "no practice"),
])
def test_bad_input_gets_one_line(index: Path, args: list[str], code: int, message: str) -> None:
    done = run(*args, "--index", str(index))
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_or_corrupt_index(tmp_path: Path, index: Path) -> None:
    missing = run("ask", "prévention", "--index", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no index" in missing.stderr and "Traceback" not in missing.stderr
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "manifest.json").write_text("{not json", "utf-8")
    broken = run("ask", "prévention", "--index", str(corrupt))
    assert broken.returncode == 1 and "Traceback" not in broken.stderr


def test_index_from_environment(index: Path) -> None:
    import os

    env = dict(os.environ, RANSEARCH_INDEX=str(index))
    assert run("ask", "réseau local", "--json", env=env).returncode == 0


def test_eval_scores_each_set_on_its_own_corpus_and_their_mean(tmp_path: Path) -> None:
    import shutil

    sets = tmp_path / "sets"
    for name, docs, text in (("a", ["000_e99056891810f22c.txt", "003_54bd44b4e51d05d2.txt"], "réseau local"),
                             ("b", ["004_c92d1ef0c5228cd4.txt"], "Hur stöttar kommunen familjer till utresta?")):
        (sets / name / "corpus").mkdir(parents=True)
        for doc in docs:
            shutil.copy(CORPUS / doc, sets / name / "corpus" / doc)
        query = {"id": "q1", "lang": "sv" if name == "b" else "fr", "kind": "keyword", "text": text,
                 "relevant": {docs[-1]: 3}}
        (sets / name / "queries.jsonl").write_text(json.dumps(query) + "\n", "utf-8")
    done = run("eval", str(sets), "--compare", "hybrid,lexical", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["name"] for s in data["sets"]] == ["a", "b"]
    for s in data["sets"]:
        assert [r["name"] for r in s["reports"]] == ["hybrid", "lexical"]
    # set b's only practice is the only one it can rank: its own corpus, not a merged one
    assert data["sets"][1]["reports"][0]["groups"]["all"]["ndcg@10"] == 1.0
    assert "uncovered-language" in data["sets"][1]["reports"][0]["groups"]  # Swedish is not one of use's languages
    assert data["mean"]["hybrid"]["all"]["sets"] == 2 and data["mean"]["hybrid"]["all"]["n"] == 2
    text = run("eval", str(sets / "a"), str(sets / "b" / "queries.jsonl"), "--corpus", str(sets / "b" / "corpus"))
    assert text.returncode == 0, text.stderr
    assert "mean of 2 sets (a, b)" in text.stdout
    missing = run("eval", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and missing.stderr.startswith("ransearch: ") and "Traceback" not in missing.stderr
