"""The RAN practice template as data: fields, labels, instruction text and vocabularies.

The data live in JSON files beside this module (``fields.json``, ``vocabulary.json``,
``countries.json``, ``needs.json``, ``languages.json``); this module loads them once and answers
questions about them (``languages.json`` is read by :mod:`ransearch.languages`). Adding a
language is an edit of those files, not of code.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from ransearch.text import fold, tokens

# a host in contact details: an e-mail's domain, or a web address ("www.…", "https://…")
_HOST = re.compile(r"(?:@|\bwww\.|https?://)([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_INTERNATIONAL_PHONE = re.compile(r"\+\s?\(?\d[\d\s().-]{6,}\d")  # "+43 7252 000 00", "+32 (0)2 …"
_PHONE_DIGITS = 8  # fewer digits after a "+" are a number in prose ("+30 000"), not a phone

__all__ = [
    "Field",
    "Catalogue",
    "Vocabulary",
    "catalogue",
    "vocabulary",
    "countries",
    "FIELD_KEYS",
    "SECTION_KEYS",
]


def _load(name: str) -> Any:
    return json.loads(files(__package__).joinpath(name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Field:
    """One field of the template, with its wording in every catalogued language."""

    key: str
    labels: dict[str, tuple[str, ...]]
    instructions: dict[str, tuple[str, ...]]
    cues: dict[str, tuple[str, ...]]

    def label(self, language: str) -> str:
        """The field's label in ``language`` (English when that language is not catalogued)."""
        for lang in (language, "en"):
            if self.labels.get(lang):
                return self.labels[lang][0]
        return self.key


@dataclass(frozen=True)
class LabelMatch:
    key: str
    language: str
    n_tokens: int


class Catalogue:
    """The template's fields in order, and lookups on their labels and instructions."""

    def __init__(self, data: dict[str, Any], drop_languages: frozenset[str] = frozenset()) -> None:
        def keep(d: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in d.items() if k not in drop_languages}

        self._data = data
        self._drop = drop_languages
        fields = []
        for f in data["fields"]:
            instr: dict[str, list[str]] = {}
            for lang, text in keep(f["instructions"]).items():
                instr.setdefault(lang, []).append(text)
            for lang, texts in keep(f.get("instruction_variants", {})).items():
                instr.setdefault(lang, []).extend(texts)
            fields.append(Field(
                key=f["key"],
                labels={lang: tuple(v) for lang, v in keep(f["labels"]).items()},
                instructions={lang: tuple(t for t in v if t) for lang, v in instr.items()},
                cues={lang: tuple(v) for lang, v in keep(f.get("cues", {})).items()},
            ))
        self.fields: tuple[Field, ...] = tuple(fields)
        self.keys: tuple[str, ...] = tuple(f.key for f in fields)
        self.languages: tuple[str, ...] = tuple(sorted({lang for f in fields for lang in f.labels}))
        # the languages the whole template is written in (labels and instructions); the others
        # are known by their labels, titles and vocabularies only
        self.written_languages = frozenset(lang for f in fields for lang in f.instructions)
        # and those whose instructions were learned from a corpus (``with_labels``)
        self.instructions_known = self.written_languages | frozenset(data.get("learned_instructions", ()))
        self.template_titles = {lang: tuple(v) for lang, v in keep(data["template_title"]).items()}
        self.organisation_type_prefixes = {
            lang: tuple(v) for lang, v in keep(data["organisation_type_prefix"]).items()}
        self.profile_labels: dict[str, str] = dict(data.get("profile_label", {}))
        # label token sequences, longest first so "Organisation" never shadows a longer label
        seqs = []
        for i, f in enumerate(fields):
            for lang, labels in f.labels.items():
                for label in labels:
                    seqs.append((tuple(tokens(label)), f.key, lang, i))
        self._label_seqs = sorted(seqs, key=lambda s: -len(s[0]))
        # by first token: label_at_start runs on every line and paragraph of every document
        self._labels_by_first: dict[str, list[tuple[tuple[str, ...], str, str, int]]] = {}
        for seq in self._label_seqs:
            if seq[0]:
                self._labels_by_first.setdefault(seq[0][0], []).append(seq)
        self._title_seqs = {tuple(tokens(t)) for v in self.template_titles.values() for t in v}

    def index(self, key: str) -> int:
        return self.keys.index(key)

    def profile_label(self, language: str) -> str:
        """The name of the profile section (title, themes, audience, country) in ``language``
        (English when that language has none)."""
        return self.profile_labels.get(language) or self.profile_labels["en"]

    def with_labels(self, labels: Mapping[str, Mapping[str, Sequence[str]]],
                    titles: Mapping[str, Sequence[str]] | None = None,
                    instructions: Iterable[str] = ()) -> Catalogue:
        """A copy that also knows ``labels`` (language → field key → labels) and template ``titles``,
        and the languages whose ``instructions`` are known otherwise (learned as template text).

        Labels learned from a corpus in a language the catalogue lacks (or in another wording of
        one it has) are added this way; the catalogue itself is not changed.
        """
        data = copy.deepcopy(self._data)
        data["learned_instructions"] = sorted(set(data.get("learned_instructions", ())) | set(instructions))
        dropped = self._drop
        for f in data["fields"]:
            for part in ("labels", "instructions", "instruction_variants", "cues"):
                f[part] = {k: v for k, v in f.get(part, {}).items() if k not in dropped}
            for lang, by_key in labels.items():
                if by_key.get(f["key"]):
                    f["labels"][lang] = list(f["labels"].get(lang, [])) + list(by_key[f["key"]])
        for part in ("template_title", "organisation_type_prefix"):
            data[part] = {k: v for k, v in data[part].items() if k not in dropped}
        for lang, texts in (titles or {}).items():
            data["template_title"][lang] = list(data["template_title"].get(lang, [])) + list(texts)
        return Catalogue(data)

    def field(self, key: str) -> Field:
        return self.fields[self.index(key)]

    def label_at_start(self, toks: list[str], after: int = -1) -> LabelMatch | None:
        """The field whose label starts the token list ``toks``, if it comes after field ``after``."""
        if not toks:
            return None
        for seq, key, lang, i in self._labels_by_first.get(toks[0], ()):
            if i > after and tuple(toks[: len(seq)]) == seq:
                return LabelMatch(key, lang, len(seq))
        return None

    def whole_label(self, toks: list[str], languages: Iterable[str]) -> int | None:
        """The index of the field whose label in one of ``languages`` the tokens ``toks`` are, whole."""
        wanted = set(languages)
        for seq, _, lang, i in self._labels_by_first.get(toks[0], ()) if toks else ():
            if lang in wanted and seq == tuple(toks):
                return i
        return None

    def is_template_title(self, toks: list[str]) -> bool:
        return tuple(toks) in self._title_seqs

    def template_texts(self) -> dict[str, list[str]]:
        """Every label, instruction and title of the template, per language."""
        out: dict[str, list[str]] = {}
        for lang, titles in self.template_titles.items():
            out.setdefault(lang, []).extend(titles)
        for f in self.fields:
            for lang, labels in f.labels.items():
                out.setdefault(lang, []).extend(labels)
            for lang, texts in f.instructions.items():
                out.setdefault(lang, []).extend(texts)
        for lang, prefixes in self.organisation_type_prefixes.items():
            out.setdefault(lang, []).extend(prefixes)
        return out


class Vocabulary:
    """A controlled list (themes, audiences, organisation types) across languages.

    Every entry has a canonical English label; any catalogued wording in any language
    (folded: case, accents and OCR noise ignored) maps to it.
    """

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        self.labels: tuple[str, ...] = tuple(e["label"] for e in entries)
        self._by_tokens: dict[tuple[str, ...], str] = {}
        self.translations: dict[str, dict[str, str]] = {}
        self._all: dict[str, list[tuple[str, list[str]]]] = {}
        for e in entries:
            self._all[e["label"]] = [(lang, names) for lang, names in e.items() if lang != "label"]
            self._by_tokens[tuple(tokens(e["label"]))] = e["label"]
            self.translations[e["label"]] = {}
            for lang, names in e.items():
                if lang == "label":
                    continue
                self.translations[e["label"]].setdefault(lang, names[0])
                for name in names:
                    self._by_tokens.setdefault(tuple(tokens(name)), e["label"])
        # longest wording starting with each word: most words start none, and segment() runs
        # on every line of every OCR'd paragraph
        self._max_len_from: dict[str, int] = {}
        for key in self._by_tokens:
            if key:
                self._max_len_from[key[0]] = max(self._max_len_from.get(key[0], 0), len(key))

    def canonical(self, text: str) -> str | None:
        """The canonical label for a wording in any language, or None."""
        return self._by_tokens.get(tuple(tokens(text)))

    def label_in(self, canonical: str, language: str) -> str:
        return self.translations.get(canonical, {}).get(language, canonical)

    def wordings(self, languages: frozenset[str] | None = None) -> list[tuple[str, str]]:
        """(wording, canonical label) for every catalogued wording in every language (in
        ``languages`` only, when given; the canonical labels always)."""
        out = [(label, label) for label in self.labels]
        for label, by_lang in self._all.items():
            out.extend((name, label) for lang, names in by_lang
                       if languages is None or lang in languages for name in names)
        return out

    def runs(self, text: str) -> list[tuple[str | None, str]]:
        """``text`` cut into catalogued items and the runs of words between them, in order.

        Each piece is (canonical label, its folded words), or (None, folded words of a run that
        matched nothing): a wording the catalogue lacks, for a tolerant lookup.
        """
        toks = tokens(text)
        out: list[tuple[str | None, str]] = []
        run: list[str] = []
        i = 0
        while i < len(toks):
            for n in range(min(self._max_len_from.get(toks[i], 0), len(toks) - i), 0, -1):
                label = self._by_tokens.get(tuple(toks[i:i + n]))
                if label:
                    if run:
                        out.append((None, " ".join(run)))
                        run = []
                    out.append((label, " ".join(toks[i:i + n])))
                    i += n
                    break
            else:
                run.append(toks[i])
                i += 1
        if run:
            out.append((None, " ".join(run)))
        return out

    def segment(self, text: str) -> tuple[list[str], list[str]]:
        """Split a run of vocabulary items written one after another into canonical labels.

        Returns (canonical labels found, in order, without repeats; leftover words that matched
        nothing). Greedy longest match over folded tokens.
        """
        toks = tokens(text)
        found: list[str] = []
        leftover: list[str] = []
        i = 0
        while i < len(toks):
            for n in range(min(self._max_len_from.get(toks[i], 0), len(toks) - i), 0, -1):
                label = self._by_tokens.get(tuple(toks[i:i + n]))
                if label:
                    if label not in found:
                        found.append(label)
                    i += n
                    break
            else:
                leftover.append(toks[i])
                i += 1
        return found, leftover


class Countries:
    """Country names in the main EU languages, to ISO 3166-1 alpha-2 codes."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.names: dict[str, dict[str, str]] = {}
        self._by_name: dict[str, str] = {}
        self._by_calling_code: dict[str, str] = {}
        for code, entry in data["countries"].items():
            self.names[code] = entry["names"]
            if entry.get("calling_code"):
                self._by_calling_code[entry["calling_code"]] = code
            for name in list(entry["names"].values()) + entry["aliases"] + [code]:
                self._by_name.setdefault(fold(name), code)

    def code(self, text: str) -> str | None:
        """ISO code for a country written in any catalogued language (or its code), else None."""
        return self._by_name.get(fold(text))

    def find(self, text: str) -> str | None:
        """The first country named anywhere in ``text`` (longest names tried first)."""
        folded = f" {fold(text)} "
        best: tuple[int, str] | None = None
        for name, code in self._by_name.items():
            if len(name) < 4 and name != fold(code):
                continue
            if len(name) == 2:  # bare ISO codes only when the whole text is the code
                continue
            pos = folded.find(f" {name} ")
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, code)
        return best[1] if best else None

    def of_address(self, url: str) -> str | None:
        """The country whose top-level domain a web address is on ("https://www.gemeinde.at/…"
        → AT, ".uk" → GB), else None (.eu, .org, .com: no country)."""
        try:
            host = urlsplit(url.strip()).hostname or ""
        except ValueError:
            return None
        tld = host.rstrip(".").rsplit(".", 1)[-1].upper() if "." in host else ""
        tld = "GB" if tld == "UK" else tld
        return tld if len(tld) == 2 and tld in self.names else None

    def of_contacts(self, text: str) -> str | None:
        """The country that contact details agree on: the country domains of their e-mail and
        web addresses ("kompass@steinbach.at", "www.hayat.de") and the international codes of
        their phone numbers ("+43 7252 …"); None when they name none, or several."""
        found = {self.of_address(f"http://{host}") for host in _HOST.findall(text)}
        for number in _INTERNATIONAL_PHONE.findall(text):
            digits = re.sub(r"\D", "", number)
            if len(digits) < _PHONE_DIGITS:
                continue
            found.add(next((code for n in (1, 2, 3) if (code := self._by_calling_code.get(digits[:n]))), None))
        found.discard(None)
        return found.pop() if len(found) == 1 else None

    def name(self, code: str, language: str = "en") -> str:
        names = self.names.get(code, {})
        return names.get(language) or names.get("en") or code


@lru_cache(maxsize=4)
def catalogue(drop_languages: frozenset[str] = frozenset()) -> Catalogue:
    """The template catalogue, optionally without some languages (to test learned boilerplate)."""
    return Catalogue(_load("fields.json"), drop_languages)


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Vocabulary]:
    data = _load("vocabulary.json")
    return {name: Vocabulary(data[name]) for name in ("themes", "audience", "organisation_type")}


@lru_cache(maxsize=1)
def yes_no() -> dict[str, bool]:
    data = _load("vocabulary.json")
    out = {fold(w): True for words in data["yes"].values() for w in words}
    out.update({fold(w): False for words in data["no"].values() for w in words})
    return out


@lru_cache(maxsize=1)
def countries() -> Countries:
    return Countries(_load("countries.json"))


FIELD_KEYS: tuple[str, ...] = (
    "name", "description", "peer_reviewed", "themes", "audience", "geography", "start",
    "deliverables", "evaluation", "sustainability", "ran_meeting", "eu_links", "organisation",
    "country", "contacts", "last_update",
)
"""Stable keys of the template's fields, in template order."""

SECTION_KEYS: tuple[str, ...] = tuple(k for k in FIELD_KEYS if k != "contacts")
"""Fields whose text is content (contacts are kept apart and never embedded or searched)."""
