"""Reading and writing article files: the shipped corpus/ and what moderators add.

Formats (documented in corpus/README.md):

* ``.md``: YAML front matter (``title``, ``source``, ``date``, ``url``, ``authors``, optional ``id``) between
  ``---`` lines, then the body. This is the format of corpus/ and of ``newsbot export``.
* ``.json``: one article object, or a list of them.
* ``.jsonl``: one article object per line.

Every error names the file, the line where one is known, and the field, and nothing is returned half-read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.errors import InvalidArticle
from bot.core.models import Article, ArticleIn

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_JSON_DIGITS",
    "SUFFIXES",
    "JSONProblem",
    "article_to_markdown",
    "articles_from_text",
    "describe_validation_error",
    "json_type",
    "load_corpus_dir",
    "parse_json",
    "read_article_file",
    "too_large",
]

MAX_FILE_BYTES = 5_000_000


class _FrontMatterLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: a date stays the text that was written ("2017-10", "2020-02-31")
    and is checked by the article model, which says what is wrong with it."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SUFFIXES = (".md", ".json", ".jsonl", ".txt", ".html", ".htm")


def read_article_file(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, overrides: dict[str, Any] | None = None
) -> list[ArticleIn]:
    """Read and validate the articles in ``path``; raise :class:`InvalidArticle` naming what is wrong and where.

    ``overrides`` (title, source, date, url) replace the file's fields; they apply to a file of one article."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidArticle(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if not path.is_file():
        raise InvalidArticle(f"{path}: not a file")
    if size > max_bytes:
        raise InvalidArticle(too_large(str(path), size, max_bytes))
    return articles_from_text(path.name, path.read_bytes(), label=str(path), overrides=overrides)


def too_large(label: str, size: int, limit: int) -> str:
    """The message for a file over the size limit, in units a person reads ("50.0 MB", "12 KB")."""
    return f"{label}: the file is {_human(size)}; the limit is {_human(limit)}"


def _human(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1e6:.1f} MB".replace(".0 MB", " MB") if size % 1_000_000 == 0 else f"{size / 1e6:.1f} MB"
    return f"{size / 1e3:.0f} KB"


def articles_from_text(
    name: str, data: bytes, *, label: str | None = None, overrides: dict[str, Any] | None = None
) -> list[ArticleIn]:
    """Parse ``data`` as the file ``name`` (its suffix picks the format); ``label`` names it in errors."""
    label = label or name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidArticle(f"{label}: unsupported file type {suffix or '(none)'!r}; use {', '.join(SUFFIXES)}")
    if suffix in (".html", ".htm"):
        raw = [(label, _from_html(data, label))]
    else:
        text = _decode(data, label)
        if suffix == ".md":
            raw = [(label, _from_markdown(text, label))]
        elif suffix == ".json":
            raw = _from_json(text, label)
        elif suffix == ".jsonl":
            raw = _from_jsonl(text, label)
        else:
            raw = [(label, _from_plain_text(text, label))]
    wanted = {k: v for k, v in (overrides or {}).items() if v}
    if wanted and len(raw) != 1:
        raise InvalidArticle(f"{label}: {', '.join(sorted(wanted))} can only replace the fields of a one-article file")
    articles = []
    for where, fields in raw:
        if not isinstance(fields, dict):
            raise InvalidArticle(f"{where}: expected an article object, got {json_type(fields)}")
        fields = {**fields, **wanted}
        if suffix in (".txt", ".html", ".htm") and not fields.get("source"):
            raise InvalidArticle(f"{label}: the file does not name its outlet; give one (--source, or outlet:)")
        articles.append(_validate(fields, where))
    return articles


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidArticle(
            f"{label}:{line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc


def load_corpus_dir(directory: Path) -> list[ArticleIn]:
    """All articles of a corpus directory, in file-name order (``articles/*.md`` and any ``*.jsonl``)."""
    if not directory.is_dir():
        raise InvalidArticle(f"{directory}: the corpus directory does not exist")
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".md", ".jsonl") and p.name.lower() != "readme.md")
    articles: list[ArticleIn] = []
    for path in files:
        articles.extend(read_article_file(path, max_bytes=200_000_000))
    return articles


def article_to_markdown(article: Article | ArticleIn) -> str:
    """The corpus/ form of an article: front matter, then the body verbatim."""
    front: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "date": article.date,
        "url": article.url,
        "authors": list(article.authors),
    }
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    lines.append("---")
    text = "\n".join(lines) + "\n"
    return text + (article.body + "\n" if article.body else "")


def describe_validation_error(error: ValidationError) -> str:
    """``field 'date': ...; field 'title': ...`` from a pydantic error, fit for one line."""
    parts = []
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "article"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a known field (use title, source, date, url, authors, body)"
        parts.append(f"field {field!r}: {message}")
    return "; ".join(parts)


def json_type(value: Any) -> str:
    """What a JSON value is, in JSON's words."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")


def _validate(raw: Any, where: str) -> ArticleIn:
    if not isinstance(raw, dict):
        raise InvalidArticle(f"{where}: expected an article object, got {json_type(raw)}")
    try:
        return ArticleIn.model_validate(raw)
    except ValidationError as exc:
        raise InvalidArticle(f"{where}: {describe_validation_error(exc)}") from exc


class JSONProblem(ValueError):
    """JSON that cannot be an article: malformed, nested too deeply, or holding a huge number."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


MAX_JSON_DIGITS = 100  # an article holds no number longer than a year; a 5,000-digit one only costs time


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_JSON_DIGITS:
        raise JSONProblem(f"a number of {digits:,} digits (at most {MAX_JSON_DIGITS} are read)")
    return int(text)


def parse_json(text: str) -> Any:
    """``text`` as JSON, or :class:`JSONProblem` saying why not (with its line where known). Malformed text,
    nesting deeper than Python's recursion limit (an article is one flat object) and numbers of more than
    :data:`MAX_JSON_DIGITS` digits are problems, never a crash."""
    try:
        return json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"malformed JSON ({exc.msg}, column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise JSONProblem("malformed JSON: nested too deeply (an article is one flat object)") from None
    except JSONProblem:
        raise
    except ValueError as exc:  # e.g. Python's limit on converting long numbers
        raise JSONProblem(f"malformed JSON ({str(exc)[:100]})") from None


def _from_json(text: str, label: str) -> list[tuple[str, Any]]:
    try:
        raw = parse_json(text)
    except JSONProblem as exc:
        where = f"{label}:{exc.line}" if exc.line else label
        raise InvalidArticle(f"{where}: {exc}") from None
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise InvalidArticle(f"{label}: the file holds no article")
    listed = isinstance(raw, list)
    return [(f"{label}: article {i + 1}" if listed else label, item) for i, item in enumerate(items)]


def _from_jsonl(text: str, label: str) -> list[tuple[str, Any]]:
    articles: list[tuple[str, Any]] = []
    for number, line in _numbered(text.splitlines()):
        try:
            raw = parse_json(line)
        except JSONProblem as exc:
            raise InvalidArticle(f"{label}:{number}: {exc}") from None
        articles.append((f"{label}:{number}", raw))
    if not articles:
        raise InvalidArticle(f"{label}: the file holds no article")
    return articles


def _numbered(lines: Iterable[str]) -> Iterable[tuple[int, str]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def _from_markdown(text: str, label: str) -> dict[str, Any]:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise InvalidArticle(f"{label}:1: expected front matter starting with '---' (title, source, ...)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise InvalidArticle(f"{label}: the front matter has no closing '---' line") from None
    try:
        front = yaml.load("\n".join(lines[1:end]), Loader=_FrontMatterLoader) or {}  # noqa: S506 - safe loader
    except RecursionError:
        raise InvalidArticle(f"{label}: malformed front matter (nested too deeply)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        raise InvalidArticle(f"{label}:{line}: malformed front matter ({getattr(exc, 'problem', exc)})") from exc
    if not isinstance(front, dict):
        raise InvalidArticle(f"{label}:2: the front matter must be 'key: value' lines")
    if "body" in front:
        raise InvalidArticle(f"{label}: field 'body' belongs below the front matter, not in it")
    body = "\n".join(lines[end + 1 :]).strip("\n")
    return {**front, "body": body}


def _from_plain_text(text: str, label: str) -> dict[str, Any]:
    """A .txt article: the first line is the headline, the rest is the body."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise InvalidArticle(f"{label}: the file is empty")
    return {"title": lines[0].strip(), "body": "\n".join(lines[1:]).strip("\n")}


def _from_html(data: bytes, label: str) -> dict[str, Any]:
    """A saved web page: the article is extracted as from a fetched page (headline, text, date, outlet), under the
    same limits (:mod:`bot.intake.worker`)."""
    from bot.core.errors import FetchError
    from bot.intake.page import FetchedPage, decode_html
    from bot.intake.worker import DEFAULT_MEMORY, DEFAULT_TIMEOUT, extract_in_worker

    text, charset = decode_html(data)
    page = FetchedPage(url="", final_url="", status=200, content_type="text/html", charset=charset, text=text)
    try:
        extracted = extract_in_worker(page, timeout=DEFAULT_TIMEOUT, max_memory=DEFAULT_MEMORY)
    except FetchError as exc:
        raise InvalidArticle(f"{label}: {exc}") from None
    fields: dict[str, Any] = {"title": extracted.title, "body": extracted.body, "authors": extracted.authors}
    if extracted.date:
        fields["date"] = extracted.date
    if extracted.source:
        fields["source"] = extracted.source
    return fields
