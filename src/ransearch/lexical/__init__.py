"""Lexical search: BM25 (bm25s) over whole practices, one index per document language, with
cross-lingual term expansion.

    analysis   text → terms: the search's words, stopwords out, Snowball stems (per language,
               as the template data names them)
    storage    one language's index on disk: bm25s's own index (``BM25.save``), read with numpy
    cognates   words of different languages spelt alike (encoder-free)
    lexicon    a query word's translations in every language's lexicon (embeddings, cognates)
    rendering  a text in a language the encoder does not cover, word by word in the covered ones
    index      :class:`LexicalIndex`: build, save, load, expand, score

Each practice is one BM25 document in the index of its own language. A query word is looked up
in every language's lexicon, and its nearest words there count as the query word, weighted by
their similarity. Scores read as "how much of the query a practice matches", from 0 to about 1.
"""

from __future__ import annotations

from ransearch.lexical.analysis import analyse, is_stopword, query_words
from ransearch.lexical.index import LexicalIndex, WordScores
from ransearch.lexical.lexicon import Expansion, ExpansionPlan, WordEncoder

__all__ = ["LexicalIndex", "ExpansionPlan", "Expansion", "WordScores", "WordEncoder", "analyse", "query_words",
           "is_stopword"]
