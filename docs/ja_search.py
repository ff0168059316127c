"""Japanese search for the documentation site: offline, no dictionary, the same on every machine.

Japanese writes no spaces, and the browser side of Sphinx's search splits a query only where letters stop,
so ``入院時情報連携加算`` reaches the index as one word. This splitter therefore puts into the index, for
every run of Japanese characters, the run itself and every two-character piece of it (character bigrams,
the usual way to search CJK text without a dictionary):

* a query of two characters (``入院``, ``加算``) matches a bigram exactly;
* a longer query (``入院時情報連携加算``, ``看取り``) matches, through Sphinx's partial-term search, every run
  that contains it.

Other words are split as Sphinx splits them and lower-cased (the Japanese search language keeps case,
the browser lower-cases the query). ``conf.py`` selects it with ``html_search_language = "ja"`` and
``html_search_options = {"type": "ja_search.BigramSplitter"}``.
"""

from __future__ import annotations

import re
import unicodedata

from sphinx.search.ja import BaseSplitter

__all__ = ["BigramSplitter"]

# Hiragana, katakana (with the prolonged sound mark), CJK ideographs and their iteration marks.
_JAPANESE = "\u3005\u3006\u303b\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"[{_JAPANESE}]+|[^\W{_JAPANESE}]+|_+")


class BigramSplitter(BaseSplitter):
    """Index words: each Japanese run with its character bigrams, and every other word lower-cased."""

    def split(self, input: str) -> list[str]:
        words: list[str] = []
        for piece in _PIECES.findall(unicodedata.normalize("NFKC", input)):
            if re.match(rf"[{_JAPANESE}]", piece):
                words.append(piece)
                words.extend(piece[i : i + 2] for i in range(len(piece) - 1))
            else:
                words.append(piece.lower())
        return words
