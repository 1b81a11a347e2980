"""Discord's rules for the application commands a bot registers, checked the way Discord checks them.

The errors tree has the shape of :mod:`tests.fakediscord.limits` (Discord's ``ErrorDetails``); a refused sync is
``400`` / ``50035 Invalid Form Body``. The numbers are the OpenAPI description's (discord/discord-api-spec,
``specs/openapi.json``: ``ApplicationCommandCreateRequest``, ``ApplicationCommandUpdateRequest``,
``ApplicationCommand*Option``, ``ApplicationCommandOption*Choice``); the structural rules, and a choice's string
value of 100, are the developer documentation's ("Application Commands"). The description names no error codes
for the structural rules: those codes are the fake's own, in Discord's style.

* a bulk overwrite: at most 130 commands, and no two of one type with the same name;
* a command: name 1-32 (a slash command's lower case, letters, digits, ``-``, ``_`` and ``'``); a slash command's
  description 1-100 (a user or message command has none); at most 25 options; ``default_member_permissions``
  a permission integer; at most 4,000 characters of names, descriptions and choice values in all;
* an option: type 1-11, name as above and unique among its siblings, description 1-100, required ones before
  the others; subcommand groups hold only subcommands, subcommands hold no subcommands, and subcommands are not
  mixed with plain options; at most 25 choices of name 1-100 and a string value of 100, never with
  ``autocomplete``; a string's ``min_length`` 0-6,000 and ``max_length`` 1-6,000.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakediscord.limits import Tree, bad_length, check_length, check_range, error, max_length, put

__all__ = ["command_errors", "commands_errors"]

COMMANDS_MAX = 130  # the bulk overwrite's maxItems
NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_VALUE_MAX = 100  # the docs' limit for a string choice (the description allows 6,000)
STRING_LENGTH_MAX = 6000
COMMAND_CHARS_MAX = 4000
PERMISSIONS_MAX = 18014398509481983

_CHAT_INPUT = 1
_SUBCOMMAND, _GROUP, _STRING = 1, 2, 3
_NAME = re.compile(r"[\w'-]{1,32}")  # Discord's \p{L}\p{N} with - _ ' (Devanagari and Thai marks aside)

Path = tuple[str | int, ...]


def _name_errors(tree: Tree, at: Path, name: Any, chat_input: bool) -> int:
    if not isinstance(name, str) or not name:
        put(tree, (*at, "name"), error("BASE_TYPE_REQUIRED", "This field is required"))
        return 0
    if len(name) > NAME_MAX:
        put(tree, (*at, "name"), bad_length(1, NAME_MAX))
    elif chat_input and (not _NAME.fullmatch(name) or name != name.lower()):
        put(tree, (*at, "name"), error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    return len(name)


def _description_errors(tree: Tree, at: Path, description: Any) -> int:
    if not isinstance(description, str) or not description:
        put(tree, (*at, "description"), error("BASE_TYPE_REQUIRED", "This field is required"))
        return 0
    check_length(tree, (*at, "description"), description, DESCRIPTION_MAX, 1)
    return len(description)


def _choices_errors(tree: Tree, at: Path, option: dict[str, Any]) -> int:
    choices = option.get("choices")
    if not choices:
        return 0
    if option.get("autocomplete"):
        put(
            tree,
            (*at, "autocomplete"),
            error("APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE", "Autocomplete cannot be set with choices"),
        )
    if len(choices) > CHOICES_MAX:
        put(tree, (*at, "choices"), max_length(CHOICES_MAX))
        return 0
    chars = 0
    for i, choice in enumerate(choices):
        name, value = choice.get("name"), choice.get("value")
        check_length(tree, (*at, "choices", i, "name"), name, CHOICE_NAME_MAX, 1)
        if isinstance(value, str):
            check_length(tree, (*at, "choices", i, "value"), value, CHOICE_VALUE_MAX)
        chars += len(name or "") + len(str(value))
    return chars


def _options_errors(tree: Tree, at: Path, options: Any, parent: int | None) -> int:
    """The options under a command (``parent`` None), a group or a subcommand; their characters."""
    if not options:
        return 0
    if len(options) > OPTIONS_MAX:
        put(tree, (*at, "options"), max_length(OPTIONS_MAX))
        return 0
    kinds = {o.get("type") in (_SUBCOMMAND, _GROUP) for o in options if isinstance(o, dict)}
    if len(kinds) > 1:
        put(tree, (*at, "options"), error("APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands cannot be mixed"))
    chars, names, optional_seen = 0, set(), False
    for i, option in enumerate(options):
        where = (*at, "options", i)
        otype = option.get("type")
        if not isinstance(otype, int) or not 1 <= otype <= 11:
            put(tree, (*where, "type"), error("BASE_TYPE_CHOICES", "Value must be one of the option types."))
            continue
        nested = otype in (_SUBCOMMAND, _GROUP)
        if (parent == _GROUP and otype != _SUBCOMMAND) or (parent == _SUBCOMMAND and nested):
            put(tree, (*where, "type"), error("APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Option type is invalid"))
        chars += _name_errors(tree, where, option.get("name"), True) + _description_errors(
            tree, where, option.get("description")
        )
        if option.get("name") in names:
            put(tree, (*where, "name"), error("APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "Names must be unique"))
        names.add(option.get("name"))
        if not nested:
            if option.get("required") and optional_seen:
                put(
                    tree,
                    (*where, "required"),
                    error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ),
                )
            optional_seen = optional_seen or not option.get("required")
            chars += _choices_errors(tree, where, option)
        if otype == _STRING:
            check_range(tree, (*where, "min_length"), option.get("min_length"), 0, STRING_LENGTH_MAX)
            check_range(tree, (*where, "max_length"), option.get("max_length"), 1, STRING_LENGTH_MAX)
        if nested:
            chars += _options_errors(tree, where, option.get("options"), otype)
    return chars


def _command_tree(tree: Tree, at: Path, command: Any) -> None:
    if not isinstance(command, dict):
        put(tree, at, error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType"))
        return
    chat_input = command.get("type", _CHAT_INPUT) == _CHAT_INPUT
    chars = _name_errors(tree, at, command.get("name"), chat_input)
    if chat_input:
        chars += _description_errors(tree, at, command.get("description"))
        chars += _options_errors(tree, at, command.get("options"), None)
    elif command.get("description"):
        put(tree, (*at, "description"), bad_length(0, 0))
    permissions = command.get("default_member_permissions")
    if permissions is not None:
        value = int(permissions) if str(permissions).isdigit() else -1
        check_range(tree, (*at, "default_member_permissions"), value, 0, PERMISSIONS_MAX)
    if chars > COMMAND_CHARS_MAX:
        put(tree, at, error("APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({COMMAND_CHARS_MAX})"))


def command_errors(command: Any) -> Tree:
    """What Discord would refuse in one command it is sent (create, or an edit merged with the command)."""
    tree: Tree = {}
    _command_tree(tree, (), command)
    return tree


def commands_errors(commands: Any) -> Tree:
    """What Discord would refuse in a bulk overwrite of a scope's commands (``PUT .../commands``)."""
    tree: Tree = {}
    if not isinstance(commands, list):
        put(tree, (), error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType"))
        return tree
    if len(commands) > COMMANDS_MAX:
        put(tree, (), max_length(COMMANDS_MAX))
        return tree
    seen: set[tuple[Any, Any]] = set()
    for i, command in enumerate(commands):
        _command_tree(tree, (i,), command)
        if isinstance(command, dict):
            key = (command.get("type", _CHAT_INPUT), command.get("name"))
            if key in seen:
                put(
                    tree,
                    (i, "name"),
                    error("APPLICATION_COMMAND_ALREADY_EXISTS", "Application command names must be unique"),
                )
            seen.add(key)
    return tree
