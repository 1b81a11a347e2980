"""Discord's limits on what a bot sends, checked the way Discord checks them.

Each check returns an *errors tree* in Discord's shape (the ``ErrorDetails`` schema of
discord/discord-api-spec): nested objects keyed by field name or array index (as a string), ending in
``{"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}``.
An empty tree means the payload is accepted; otherwise the fake answers ``400`` with
``{"code": 50035, "message": "Invalid Form Body", "errors": tree}``, as Discord does, and discord.py
raises ``HTTPException`` whose text reads ``In embeds.0.url: Must be 2048 or fewer in length.``.

The numbers are Discord's: the OpenAPI description's ``maxLength``/``maxItems``/``minimum``/``maximum``
(discord/discord-api-spec, ``specs/openapi.json``; the schema each rule comes from is named beside it) and,
where the developer documentation is stricter than the description, the documentation's: content 2,000
characters for a bot (the description allows a user's 4,000 on ``MessageCreateRequest``), 5 action rows (it
allows 40 top-level components, counting the layouts of components v2), 5 rows in a modal, and an autocomplete
choice's string value of 100 (it allows 6,000).

* a message: content 2,000; 10 embeds; an embed's title 256, description 4,096, url 2,048 (a web address),
  colour 0-16,777,215, 25 fields whose name (256) and value (1,024) are both required and not blank, footer
  2,048, author name 256, and 6,000 characters over every embed of a message; 10 attachments, a filename of
  1-1,024 and a description of 1,024; ``allowed_mentions`` (:func:`allowed_mentions_errors`);
* its components: 5 action rows of 1-5 components (a select fills a row); a button's style 1-6, a label of 80
  or an emoji (name 32), a link button's url (512) and no custom_id, any other's custom_id (1-100, unique in the
  message) and no url; a select's custom_id, placeholder 150, min_values 0-25, max_values 1-25 (and, for a
  string select, no more than its options), options 1-25 of label/value 1-100 and description 100;
* an autocomplete result: at most 25 choices, name 1-100 and a string value up to 100;
* a modal: title 1-45, custom_id 1-100, 1-5 rows; a text input's custom_id, style 1-2, label 1-45, placeholder
  100, value 4,000, min_length 0-4,000 and max_length 1-4,000.

Application commands are checked in :mod:`tests.fakediscord.command_limits`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CONTENT_MAX",
    "EMBEDS_MAX",
    "EMBED_TOTAL_MAX",
    "Tree",
    "allowed_mentions_errors",
    "autocomplete_errors",
    "bad_length",
    "check_length",
    "check_range",
    "error",
    "max_length",
    "message_errors",
    "modal_errors",
    "put",
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
EMBED_COLOUR_MAX = 0xFFFFFF
ATTACHMENTS_MAX = 10
ATTACHMENT_TEXT_MAX = 1024
MENTION_IDS_MAX = 100
MENTION_TYPES = ("users", "roles", "everyone")
EMOJI_NAME_MAX = 32
SELECT_VALUES_MAX = 25
TEXT_INPUT_PLACEHOLDER_MAX = 100
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


def error(code: str, message: str) -> Tree:
    """One error of Discord's shape: ``{"_errors": [{"code": ..., "message": ...}]}``."""
    return {"_errors": [{"code": code, "message": message}]}


def max_length(limit: int) -> Tree:
    return error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def bad_length(low: int, high: int) -> Tree:
    return error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def put(tree: Tree, path: Iterable[str | int], found: Tree) -> None:
    """Put the error ``found`` at ``path`` (keys and indexes), merging with errors already there."""
    node = tree
    for key in path:
        node = node.setdefault(str(key), {})
    node.setdefault("_errors", []).extend(found["_errors"])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _required(tree: Tree, path: tuple[str | int, ...], value: Any) -> bool:
    """Discord refuses a required text that is missing, empty or only white space; True if it is there."""
    if value is None or (isinstance(value, str) and not value.strip()):
        put(tree, path, error("BASE_TYPE_REQUIRED", "This field is required"))
        return False
    return True


def check_range(tree: Tree, path: tuple[str | int, ...], value: Any, low: int, high: int) -> None:
    if value is None or not isinstance(value, int) or isinstance(value, bool):
        return
    if value < low:
        put(tree, path, error("NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}."))
    elif value > high:
        put(tree, path, error("NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}."))


def _check_choice(tree: Tree, path: tuple[str | int, ...], value: Any, allowed: Iterable[int]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        put(tree, path, error("BASE_TYPE_CHOICES", f"Value must be one of {set(allowed)}."))


def check_length(tree: Tree, path: tuple[str | int, ...], value: Any, high: int, low: int = 0) -> None:
    if value is None:
        return
    size = len(_text(value))
    if size > high or size < low:
        put(tree, path, bad_length(low, high) if low else max_length(high))


def _check_url(tree: Tree, path: tuple[str | int, ...], value: Any, high: int = EMBED_URL_MAX) -> None:
    if value is None:
        return
    url = _text(value)
    if len(url) > high:
        put(tree, path, max_length(high))
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "attachment") or not parts.netloc:
        put(tree, path, error("URL_TYPE_INVALID_URL", "Not a well formed URL."))


def _embed_errors(tree: Tree, embeds: list[Any]) -> None:
    if len(embeds) > EMBEDS_MAX:
        put(tree, ("embeds",), max_length(EMBEDS_MAX))
        return
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        at: tuple[str | int, ...] = ("embeds", i)
        check_length(tree, (*at, "title"), embed.get("title"), EMBED_TITLE_MAX)
        check_length(tree, (*at, "description"), embed.get("description"), EMBED_DESCRIPTION_MAX)
        _check_url(tree, (*at, "url"), embed.get("url"))
        check_range(tree, (*at, "color"), embed.get("color"), 0, EMBED_COLOUR_MAX)
        total += len(_text(embed.get("title"))) + len(_text(embed.get("description")))
        footer = embed.get("footer") or {}
        check_length(tree, (*at, "footer", "text"), footer.get("text"), EMBED_FOOTER_MAX)
        _check_url(tree, (*at, "footer", "icon_url"), footer.get("icon_url"))
        total += len(_text(footer.get("text")))
        author = embed.get("author") or {}
        check_length(tree, (*at, "author", "name"), author.get("name"), EMBED_AUTHOR_MAX)
        _check_url(tree, (*at, "author", "url"), author.get("url"))
        _check_url(tree, (*at, "author", "icon_url"), author.get("icon_url"))
        total += len(_text(author.get("name")))
        for media in ("image", "thumbnail"):
            _check_url(tree, (*at, media, "url"), (embed.get(media) or {}).get("url"))
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS_MAX:
            put(tree, (*at, "fields"), max_length(EMBED_FIELDS_MAX))
            continue
        for j, item in enumerate(fields):
            name, value = _text(item.get("name")), _text(item.get("value"))
            if _required(tree, (*at, "fields", j, "name"), item.get("name")):
                check_length(tree, (*at, "fields", j, "name"), name, EMBED_FIELD_NAME_MAX)
            if _required(tree, (*at, "fields", j, "value"), item.get("value")):
                check_length(tree, (*at, "fields", j, "value"), value, EMBED_FIELD_VALUE_MAX)
            total += len(name) + len(value)
    if total > EMBED_TOTAL_MAX:
        put(
            tree,
            ("embeds",),
            error("MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}"),
        )


def _custom_id(tree: Tree, path: tuple[str | int, ...], value: Any, seen: set[str]) -> None:
    if value is None:
        put(tree, path, error("BASE_TYPE_REQUIRED", "This field is required"))
        return
    check_length(tree, path, value, CUSTOM_ID_MAX, 1)
    if value in seen:
        put(tree, path, error("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id was already specified"))
    seen.add(value)


def _emoji_errors(tree: Tree, path: tuple[str | int, ...], emoji: Any) -> None:
    if isinstance(emoji, dict):  # ComponentEmojiForRequest: a name (a unicode emoji, or a custom one's name)
        if _required(tree, (*path, "name"), emoji.get("name")):
            check_length(tree, (*path, "name"), emoji.get("name"), EMOJI_NAME_MAX)


def _button_errors(tree: Tree, where: tuple[str | int, ...], button: dict[str, Any], seen: set[str]) -> None:
    """ButtonComponentForMessageRequest: a style; a label or an emoji; a link's url and no custom_id, or a
    custom_id and no url."""
    style = button.get("style")
    _check_choice(tree, (*where, "style"), style, range(1, 7))
    check_length(tree, (*where, "label"), button.get("label"), BUTTON_LABEL_MAX)
    _emoji_errors(tree, (*where, "emoji"), button.get("emoji"))
    if style != _PREMIUM_STYLE and not button.get("label") and not button.get("emoji"):
        put(tree, (*where, "label"), error("BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required"))
    if style == _LINK_STYLE:
        if _required(tree, (*where, "url"), button.get("url")):
            _check_url(tree, (*where, "url"), button.get("url"), BUTTON_URL_MAX)
        if button.get("custom_id") is not None:
            put(tree, (*where, "custom_id"), error("BUTTON_COMPONENT_CUSTOM_ID_INVALID", "A link has no custom id"))
    elif style != _PREMIUM_STYLE:
        _custom_id(tree, (*where, "custom_id"), button.get("custom_id"), seen)
        if button.get("url") is not None:
            put(tree, (*where, "url"), error("BUTTON_COMPONENT_URL_INVALID", "Only a link button has a url"))


def _select_errors(tree: Tree, where: tuple[str | int, ...], select: dict[str, Any], seen: set[str]) -> None:
    """StringSelectComponentForMessageRequest (and the other selects): custom_id, placeholder, how many values
    may be picked, and a string select's options."""
    _custom_id(tree, (*where, "custom_id"), select.get("custom_id"), seen)
    check_length(tree, (*where, "placeholder"), select.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    check_range(tree, (*where, "min_values"), select.get("min_values"), 0, SELECT_VALUES_MAX)
    check_range(tree, (*where, "max_values"), select.get("max_values"), 1, SELECT_VALUES_MAX)
    if select.get("type") != 3:
        return
    options = select.get("options") or []
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        put(tree, (*where, "options"), bad_length(1, SELECT_OPTIONS_MAX))
        return
    for key in ("min_values", "max_values"):
        if isinstance(select.get(key), int) and select[key] > len(options):
            put(
                tree,
                (*where, key),
                error("NUMBER_TYPE_MAX", f"int value should be less than or equal to {len(options)}."),
            )
    for k, option in enumerate(options):
        for key in ("label", "value"):
            check_length(tree, (*where, "options", k, key), option.get(key), SELECT_OPTION_TEXT_MAX, 1)
        check_length(tree, (*where, "options", k, "description"), option.get("description"), SELECT_OPTION_TEXT_MAX)
        _emoji_errors(tree, (*where, "options", k, "emoji"), option.get("emoji"))


def _component_errors(tree: Tree, components: list[Any]) -> None:
    if len(components) > ACTION_ROWS_MAX:
        put(tree, ("components",), max_length(ACTION_ROWS_MAX))
        return
    seen: set[str] = set()
    for i, row in enumerate(components):
        at: tuple[str | int, ...] = ("components", i)
        if not isinstance(row, dict) or row.get("type") != _ACTION_ROW:
            continue  # components v2 layouts are not checked here
        children = row.get("components") or []
        if not 1 <= len(children) <= ROW_WIDTH:
            put(tree, (*at, "components"), bad_length(1, ROW_WIDTH))
            continue
        width = sum(ROW_WIDTH if c.get("type") in _SELECTS else 1 for c in children)
        if width > ROW_WIDTH:
            put(
                tree,
                (*at, "components"),
                error("COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"),
            )
        for j, child in enumerate(children):
            where = (*at, "components", j)
            ctype = child.get("type")
            if ctype == _BUTTON:
                _button_errors(tree, where, child, seen)
            elif ctype in _SELECTS:
                _select_errors(tree, where, child, seen)


def _attachment_errors(tree: Tree, attachments: list[Any]) -> None:
    """MessageAttachmentRequest: at most 10, a filename of 1-1,024, a description of 1,024."""
    if len(attachments) > ATTACHMENTS_MAX:
        put(tree, ("attachments",), max_length(ATTACHMENTS_MAX))
        return
    for i, attachment in enumerate(attachments):
        if isinstance(attachment, dict):
            check_length(tree, ("attachments", i, "filename"), attachment.get("filename"), ATTACHMENT_TEXT_MAX, 1)
            check_length(tree, ("attachments", i, "description"), attachment.get("description"), ATTACHMENT_TEXT_MAX)


def allowed_mentions_errors(allowed: Any) -> Tree:
    """MessageAllowedMentionsRequest: ``parse`` of users, roles, everyone; at most 100 ``users`` and ``roles``;
    and ``parse: ["users"]`` with a ``users`` list (or roles with roles) is refused as contradictory."""
    tree: Tree = {}
    if not isinstance(allowed, dict):
        return tree
    parse = allowed.get("parse") or []
    for i, kind in enumerate(parse):
        if kind not in MENTION_TYPES:
            put(
                tree,
                ("allowed_mentions", "parse", i),
                error("BASE_TYPE_CHOICES", f"Value must be one of {MENTION_TYPES}."),
            )
    for key in ("users", "roles"):
        ids = allowed.get(key) or []
        if len(ids) > MENTION_IDS_MAX:
            put(tree, ("allowed_mentions", key), max_length(MENTION_IDS_MAX))
        if ids and key in parse:
            put(
                tree,
                ("allowed_mentions",),
                error(
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{key}"] and {key}: [ids] are mutually exclusive.',
                ),
            )
    return tree


def message_errors(message: dict[str, Any], allowed_mentions: Any = None) -> Tree:
    """What Discord would refuse in a message a bot creates or edits (content, embeds, components, attachments,
    and the ``allowed_mentions`` it was sent with)."""
    tree: Tree = allowed_mentions_errors(allowed_mentions)
    check_length(tree, ("content",), message.get("content"), CONTENT_MAX)
    _embed_errors(tree, list(message.get("embeds") or []))
    _component_errors(tree, list(message.get("components") or []))
    _attachment_errors(tree, list(message.get("attachments") or []))
    return tree


def autocomplete_errors(data: dict[str, Any]) -> Tree:
    """What Discord would refuse in an autocomplete result's ``data`` (at most 25 choices of 1-100)."""
    tree: Tree = {}
    choices = data.get("choices")
    if not isinstance(choices, list):
        put(tree, ("choices",), error("BASE_TYPE_REQUIRED", "This field is required"))
        return tree
    if len(choices) > CHOICES_MAX:
        put(tree, ("choices",), max_length(CHOICES_MAX))
        return tree
    for i, choice in enumerate(choices):
        check_length(tree, ("choices", i, "name"), choice.get("name"), CHOICE_TEXT_MAX, 1)
        if isinstance(choice.get("value"), str):
            check_length(tree, ("choices", i, "value"), choice["value"], CHOICE_TEXT_MAX)
    return tree


def modal_errors(data: dict[str, Any]) -> Tree:
    """What Discord would refuse in a modal: title 1-45, custom_id 1-100, 1-5 rows of one text input each."""
    tree: Tree = {}
    for key, high in (("custom_id", CUSTOM_ID_MAX), ("title", MODAL_TITLE_MAX)):
        if not data.get(key):
            put(tree, (key,), error("BASE_TYPE_REQUIRED", "This field is required"))
        else:
            check_length(tree, (key,), data[key], high, 1)
    rows = data.get("components") or []
    if not 1 <= len(rows) <= MODAL_ROWS_MAX:
        put(tree, ("components",), bad_length(1, MODAL_ROWS_MAX))
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
            _check_choice(tree, (*where, "style"), field.get("style"), (1, 2))
            check_length(tree, (*where, "label"), field.get("label"), TEXT_INPUT_LABEL_MAX, 1)
            check_length(tree, (*where, "placeholder"), field.get("placeholder"), TEXT_INPUT_PLACEHOLDER_MAX)
            check_length(tree, (*where, "value"), field.get("value"), TEXT_INPUT_VALUE_MAX)
            check_range(tree, (*where, "min_length"), field.get("min_length"), 0, TEXT_INPUT_VALUE_MAX)
            check_range(tree, (*where, "max_length"), field.get("max_length"), 1, TEXT_INPUT_VALUE_MAX)
    return tree
