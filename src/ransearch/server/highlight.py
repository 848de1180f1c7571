"""Document text made safe for HTML: escaped first, then query words wrapped in ``<mark>``.

Every function here returns :class:`markupsafe.Markup` built from escaped pieces: the text of a
practice is never trusted as markup, whatever it contains (``<script>``, tags, entities).

Words are cut as search cuts them (:func:`ransearch.text.word_spans`, the positions of
:func:`ransearch.text.words`). A word of a snippet is marked when it is one of the query's content
words once folded (case and accents ignored, see :func:`ransearch.text.fold`; stopwords of every
language left out), or when it has the same stem as a query word in the practice's language
(``ransearch.lexical.analyse``, the terms the engine matches on).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

from ransearch.lexical import analyse, query_words
from ransearch.text import tokens, word_spans

__all__ = ["query_terms", "highlight", "linkify"]

_LINK = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MIN_CHARS = 3  # "de", "la", "of": never worth a mark


@lru_cache(maxsize=1024)
def query_terms(query: str, language: str) -> frozenset[str]:
    """What marks a word for ``query`` in text written in ``language``: its folded words and their stems."""
    folded = {t for word in query_words(query) for t in tokens(word) if len(t) >= _MIN_CHARS}
    return frozenset(folded | set(analyse(query, language)))


@lru_cache(maxsize=65536)
def _word_terms(word: str, language: str) -> frozenset[str]:
    if len(word) < _MIN_CHARS or not query_words(word):  # a stopword of some language: "leur", "the"
        return frozenset()
    return frozenset(set(tokens(word)) | set(analyse(word, language)))


def highlight(text: str, query: str, language: str) -> Markup:
    """``text`` escaped, with the words that match ``query`` wrapped in ``<mark>``."""
    terms = query_terms(query, language) if query else frozenset()
    if not terms:
        return escape(text)
    out: list[Markup] = []
    pos = 0
    for start, end in word_spans(text, _MIN_CHARS):
        word = text[start:end]
        if _word_terms(word, language) & terms:
            out.append(escape(text[pos:start]))
            out.append(Markup("<mark>%s</mark>") % word)  # % escapes its argument
            pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def linkify(text: str) -> Markup:
    """``text`` escaped, with its web addresses (http, https) and e-mail addresses made links."""
    out: list[Markup] = []
    pos = 0
    for m in _LINK.finditer(text):
        target = m.group()
        href = target if target.startswith(("http://", "https://")) else f"mailto:{target}"
        out.append(escape(text[pos:m.start()]))
        out.append(Markup('<a href="%s" rel="noopener noreferrer nofollow">%s</a>') % (href, target))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)
