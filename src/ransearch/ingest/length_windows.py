"""Candidates of tolerant matching pruned by length, before rapidfuzz scores them.

A text can only be a near copy of the strings whose length its own is close to: rapidfuzz's
ratio is at most 100 × (1 − |a − b| / (a + b)). :class:`LengthWindows` keeps, per length, the
strings a text of that length may reach under a bound its user gives, so that matching a label or
a vocabulary value scores a few dozen wordings instead of every wording of 24 languages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["LengthWindows"]


class LengthWindows:
    """The strings within reach of a text of a given length (``reachable(text length, string
    length)``), with their positions in ``strings``; computed once per length."""

    def __init__(self, strings: Sequence[str], reachable: Callable[[int, int], bool]) -> None:
        self.strings = list(strings)
        self.reachable = reachable
        self._by_length: dict[int, tuple[list[str], list[int]]] = {}

    def near(self, length: int) -> tuple[list[str], list[int]]:
        """(strings a text of ``length`` characters may match, their positions in ``strings``)."""
        if length not in self._by_length:
            near = [k for k, s in enumerate(self.strings) if self.reachable(length, len(s))]
            self._by_length[length] = ([self.strings[k] for k in near], near)
        return self._by_length[length]
