"""An extractive summary (the first sentence, cut to a word limit) and a word
count. Twin of examples/tools/text.ts."""

import re

from ._js import SPACE_CLASS, trim

_WORDS = re.compile("[%s]+" % SPACE_CLASS)
# /^[\s\S]*?[.!?](\s|$)/
_FIRST_SENTENCE = re.compile("\\A[\\s\\S]*?[.!?](?:[%s]|\\Z)" % SPACE_CLASS)


def summarise(text: str, max_words: float = 40) -> dict:
    words = [w for w in _WORDS.split(text) if w != ""]
    m = _FIRST_SENTENCE.match(trim(text))
    first_sentence = m.group(0) if m else text
    cut = _WORDS.split(trim(first_sentence))[: max(1, int(max_words))]
    return {"summary": " ".join(cut), "words": len(words)}
