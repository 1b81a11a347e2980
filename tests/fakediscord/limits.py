"""Discord's limits on what a bot sends, checked the way Discord checks them.

Each check returns an *errors tree* in Discord's shape (the ``ErrorDetails`` schema of
discord/discord-api-spec): nested objects keyed by field name or array index (as a string), ending in
``{"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}``.
An empty tree means the payload is accepted; otherwise the fake answers ``400`` with
``{"code": 50035, "message": "Invalid Form Body", "errors": tree}``, as Discord does, and discord.py
raises ``HTTPException`` whose text reads ``In embeds.0.url: Must be 2048 or fewer in length.``.

The numbers are Discord's (the OpenAPI description's ``maxLength``/``maxItems`` and the developer
documentation): content 2,000 characters for a bot; 10 embeds; an embed's title 256, description 4,096,
25 fields of name 256 and value 1,024, footer 2,048, author name 256, url 2,048, and 6,000 characters over
every embed of a message; 5 action rows of at most 5 buttons (a select fills a row), custom_id 1-100 and
unique in the message, button label 80, select options 1-25 of label/value 1-100; autocomplete at most 25
choices, name 1-100 and a string value up to 100; a modal's title 1-45, custom_id 1-100, 5 rows, text
input label 1-45.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CONTENT_MAX",
    "EMBEDS_MAX",
    "EMBED_TOTAL_MAX",
    "autocomplete_errors",
    "message_errors",
    "modal_errors",
]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_MAX = 256
EMBED_URL_MAX = 2048
EMBED_TOTAL_MAX = 6000
ACTION_ROWS_MAX = 5
ROW_WIDTH = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
BUTTON_URL_MAX = 512
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
MODAL_TITLE_MAX = 45
MODAL_ROWS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000

_ACTION_ROW, _BUTTON, _TEXT_INPUT = 1, 2, 4
_SELECTS = (3, 5, 6, 7, 8)
_LINK_STYLE, _PREMIUM_STYLE = 5, 6

Tree = dict[str, Any]


def _error(code: str, message: str) -> Tree:
    return {"_errors": [{"code": code, "message": message}]}


def _max_length(limit: int) -> Tree:
    return _error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_length(low: int, high: int) -> Tree:
    return _error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _put(tree: Tree, path: Iterable[str | int], error: Tree) -> None:
    """Put ``error`` at ``path`` (keys and indexes), merging with errors already there."""
    node = tree
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).extend(error["_errors"])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _check_length(tree: Tree, path: tuple[str | int, ...], value: Any, high: int, low: int = 0) -> None:
    if value is None:
        return
    size = len(_text(value))
    if size > high or size < low:
        _put(tree, path, _bad_length(low, high) if low else _max_length(high))


def _check_url(tree: Tree, path: tuple[str | int, ...], value: Any, high: int = EMBED_URL_MAX) -> None:
    if value is None:
        return
    url = _text(value)
    if len(url) > high:
        _put(tree, path, _max_length(high))
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "attachment") or not parts.netloc:
        _put(tree, path, _error("URL_TYPE_INVALID_URL", "Not a well formed URL."))


def _embed_errors(tree: Tree, embeds: list[Any]) -> None:
    if len(embeds) > EMBEDS_MAX:
        _put(tree, ("embeds",), _max_length(EMBEDS_MAX))
        return
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at: tuple[str | int, ...] = ("embeds", i)
        _check_length(tree, (*at, "title"), embed.get("title"), EMBED_TITLE_MAX)
        _check_length(tree, (*at, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
        _check_url(tree, (*at, "url"), embed.get("url"))
        total += len(_text(embed.get("title"))) + len(_text(embed.get("description")))
        footer = embed.get("footer") or {}
        _check_length(tree, (*at, "footer", "text"), footer.get("text"), EMBED_FOOTER_MAX)
        _check_url(tree, (*at, "footer", "icon_url"), footer.get("icon_url"))
        total += len(_text(footer.get("text")))
        author = embed.get("author") or {}
        _check_length(tree, (*at, "author", "name"), author.get("name"), EMBED_AUTHOR_MAX)
        _check_url(tree, (*at, "author", "url"), author.get("url"))
        _check_url(tree, (*at, "author", "icon_url"), author.get("icon_url"))
        total += len(_text(author.get("name")))
        for media in ("image", "thumbnail"):
            _check_url(tree, (*at, media, "url"), (embed.get(media) or {}).get("url"))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            _put(tree, (*at, "fields"), _max_length(EMBED_FIELDS_MAX))
            continue
        for j, item in enumerate(fields):
            name, value = _text(item.get("name")), _text(item.get("value"))
            _check_length(tree, (*at, "fields", j, "name"), name, EMBED_FIELD_NAME_MAX)
            _check_length(tree, (*at, "fields", j, "value"), value, EMBED_FIELD_VALUE_MAX)
            total += len(name) + len(value)
    if total > EMBED_TOTAL_MAX:
        _put(
            tree,
            ("embeds",),
            _error("MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        )


def _custom_id(tree: Tree, path: tuple[str | int, ...], value: Any, seen: set[str]) -> None:
    if value is None:
        _put(tree, path, _error("BASE_TYPE_REQUIRED", "This field is required"))
        return
    _check_length(tree, path, value, CUSTOM_ID_MAX, 1)
    if value in seen:
        _put(tree, path, _error("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id was already specified"))
    seen.add(value)


def _component_errors(tree: Tree, components: list[Any]) -> None:
    if len(components) > ACTION_ROWS_MAX:
        _put(tree, ("components",), _max_length(ACTION_ROWS_MAX))
        return
    seen: set[str] = set()
    for i, row in enumerate(components):
        at: tuple[str | int, ...] = ("components", i)
        if not isinstance(row, dict) or row.get("type") != _ACTION_ROW:
            continue  # components v2 layouts are not checked here
        children = row.get("components") or []
        if not 1 <= len(children) <= ROW_WIDTH:
            _put(tree, (*at, "components"), _bad_length(1, ROW_WIDTH))
            continue
        width = sum(ROW_WIDTH if c.get("type") in _SELECTS else 1 for c in children)
        if width > ROW_WIDTH:
            _put(
                tree,
                (*at, "components"),
                _error("COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"),
            )
        for j, child in enumerate(children):
            where = (*at, "components", j)
            ctype = child.get("type")
            if ctype == _BUTTON:
                _check_length(tree, (*where, "label"), child.get("label"), BUTTON_LABEL_MAX)
                if child.get("style") == _LINK_STYLE:
                    _check_url(tree, (*where, "url"), child.get("url"), BUTTON_URL_MAX)
                elif child.get("style") != _PREMIUM_STYLE:
                    _custom_id(tree, (*where, "custom_id"), child.get("custom_id"), seen)
            elif ctype in _SELECTS:
                _custom_id(tree, (*where, "custom_id"), child.get("custom_id"), seen)
                _check_length(tree, (*where, "placeholder"), child.get("placeholder"), SELECT_PLACEHOLDER_MAX)
                if ctype == 3:
                    options = child.get("options") or []
                    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
                        _put(tree, (*where, "options"), _bad_length(1, SELECT_OPTIONS_MAX))
                        continue
                    for k, option in enumerate(options):
                        for key in ("label", "value"):
                            path = (*where, "options", k, key)
                            _check_length(tree, path, option.get(key), SELECT_OPTION_TEXT_MAX, 1)
                        path = (*where, "options", k, "description")
                        _check_length(tree, path, option.get("description"), SELECT_OPTION_TEXT_MAX)


def message_errors(message: dict[str, Any]) -> Tree:
    """What Discord would refuse in a message a bot creates or edits (content, embeds, components)."""
    tree: Tree = {}
    _check_length(tree, ("content",), message.get("content"), CONTENT_MAX)
    _embed_errors(tree, list(message.get("embeds") or []))
    _component_errors(tree, list(message.get("components") or []))
    return tree


def autocomplete_errors(data: dict[str, Any]) -> Tree:
    """What Discord would refuse in an autocomplete result's ``data`` (at most 25 choices of 1-100)."""
    tree: Tree = {}
    choices = data.get("choices")
    if not isinstance(choices, list):
        _put(tree, ("choices",), _error("BASE_TYPE_REQUIRED", "This field is required"))
        return tree
    if len(choices) > CHOICES_MAX:
        _put(tree, ("choices",), _max_length(CHOICES_MAX))
        return tree
    for i, choice in enumerate(choices):
        _check_length(tree, ("choices", i, "name"), choice.get("name"), CHOICE_TEXT_MAX, 1)
        if isinstance(choice.get("value"), str):
            _check_length(tree, ("choices", i, "value"), choice["value"], CHOICE_TEXT_MAX)
    return tree


def modal_errors(data: dict[str, Any]) -> Tree:
    """What Discord would refuse in a modal: title 1-45, custom_id 1-100, 1-5 rows of one text input each."""
    tree: Tree = {}
    for key, high in (("custom_id", CUSTOM_ID_MAX), ("title", MODAL_TITLE_MAX)):
        if not data.get(key):
            _put(tree, (key,), _error("BASE_TYPE_REQUIRED", "This field is required"))
        else:
            _check_length(tree, (key,), data[key], high, 1)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS_MAX:
        _put(tree, ("components",), _bad_length(1, MODAL_ROWS_MAX))
        return tree
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.get("type") != _ACTION_ROW:
            continue  # label (type 18) layouts are not checked here
        for j, field in enumerate(row.get("components") or []):
            if field.get("type") != _TEXT_INPUT:
                continue
            where = ("components", i, "components", j)
            _custom_id(tree, (*where, "custom_id"), field.get("custom_id"), seen)
            _check_length(tree, (*where, "label"), field.get("label"), TEXT_INPUT_LABEL_MAX, 1)
            _check_length(tree, (*where, "value"), field.get("value"), TEXT_INPUT_VALUE_MAX)
            if field.get("max_length") is not None and not 1 <= int(field["max_length"]) <= TEXT_INPUT_VALUE_MAX:
                _put(tree, (*where, "max_length"), _error("NUMBER_TYPE_MAX", "int value should be <= 4000."))
    return tree
