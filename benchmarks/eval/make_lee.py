"""Build lee.jsonl from the Lee corpus that the gensim wheel ships (no newsbot code is used).

    pip download --no-deps --only-binary=:all: -d /tmp/g gensim
    unzip -q /tmp/g/gensim-*.whl 'gensim/test/test_data/lee*.cor' -d /tmp/g
    python benchmarks/eval/make_lee.py /tmp/g/gensim/test/test_data > benchmarks/eval/lee.jsonl

One article a corpus line, in newsbot's article format: ``id`` "lee-background-NNN" / "lee-cor-NNN" (NNN is the
line number, so that a question's source "lee_background.cor line N" names the article), ``title`` the article's
own first sentence (the corpus has no headlines), ``source`` "ABC News (Australia), Lee corpus", ``date`` null (the
corpus has no dates), no url or authors, and ``body`` the corpus line exactly as it is, less its newline
(lee.cor is Latin-1: its one non-ASCII byte, a pound sign, is written as UTF-8).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

SOURCE = "ABC News (Australia), Lee corpus"
FILES = (("lee_background.cor", "lee-background"), ("lee.cor", "lee-cor"))
TITLE_MAX = 500  # ArticleIn.title's max_length
# The end of the first sentence: . ! or ? (and a closing quote), then a space and a capital, digit or quote.
_END = re.compile(r"[.!?][\"']?(?=\s+[\"'A-Z0-9])")


def first_sentence(text: str) -> str:
    text = text.strip()
    match = _END.search(text)
    sentence = text[: match.end()] if match else text
    if len(sentence) > TITLE_MAX:  # cut at a word boundary
        sentence = sentence[:TITLE_MAX].rsplit(" ", 1)[0]
    return sentence


def rows(folder: Path):
    for name, prefix in FILES:
        lines = (folder / name).read_bytes().decode("latin-1").split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            yield {
                "id": f"{prefix}-{number:03d}",
                "title": first_sentence(line),
                "source": SOURCE,
                "date": None,
                "url": None,
                "authors": [],
                "body": line,
            }


def main(folder: Path) -> int:
    for row in rows(folder):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
