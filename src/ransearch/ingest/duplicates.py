"""What a corpus shares and repeats, read once: its learned template and its duplicate groups.

A folder often holds one practice several times: a PDF and the Word file it came from, the
web page and its text copy, an old and a new version. How documents are compared and grouped
is :mod:`ransearch.ingest.shingling`; what template text a corpus shares is
:mod:`ransearch.ingest.learning`. :func:`study_files` reads each file of a corpus once for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ransearch.errors import ParseError
from ransearch.ingest.boilerplate import Template
from ransearch.ingest.formats import extract_file
from ransearch.ingest.learning import learn_template
from ransearch.ingest.shingling import duplicate_groups, shingles
from ransearch.ingest.table import Extraction

__all__ = ["study_files"]


def study_files(paths: Sequence[Path]) -> tuple[Template, list[list[int]]]:
    """What a corpus shares and repeats, reading each file once: the template learned from it
    (:func:`~ransearch.ingest.learning.learn_template`) and its duplicate groups.

    Groups hold indices into ``paths``; a file that cannot be read is a group of its own.
    """
    read: list[int] = []
    extractions: list[Extraction] = []
    for i, path in enumerate(paths):
        try:
            extractions.append(extract_file(Path(path))[0])
        except ParseError:
            continue
        read.append(i)
    groups = duplicate_groups([shingles(e) for e in extractions])
    template = learn_template(extractions, groups=groups)
    found = [[read[i] for i in group] for group in groups]
    alone = sorted(set(range(len(paths))) - set(read))
    return template, sorted(found + [[i] for i in alone])
