#!/usr/bin/env bash
# Install or upgrade newsbot as a systemd service from this checkout. Run it as root; run it again to upgrade:
#
#   sudo deploy/install.sh
#
# It installs newsbot (no test or dev extras) into /opt/newsbot/venv, creates the system user newsbot, installs
# newsbot.service, newsbot-backup.service and newsbot-backup.timer into /etc/systemd/system, and creates
# /etc/newsbot/newsbot.env from deploy/.env.example (mode 0600) unless it exists: an existing one is never
# overwritten. It enables the daily backup, and enables and (re)starts the bot once DISCORD_TOKEN is set there.
#
# PYTHON picks the interpreter for the virtual environment (default: python3; newsbot needs 3.11 or newer).
set -euo pipefail

readonly PREFIX=/opt/newsbot
readonly VENV=$PREFIX/venv
readonly CONF_DIR=/etc/newsbot
readonly ENV_FILE=$CONF_DIR/newsbot.env
readonly UNIT_DIR=/etc/systemd/system
readonly SYSUSERS_FILE=/etc/sysusers.d/newsbot.conf
readonly UNITS=(newsbot.service newsbot-backup.service newsbot-backup.timer)
PYTHON=${PYTHON:-python3}

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly SRC
readonly DEPLOY=$SRC/deploy

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run me as root: sudo $0"
[[ -f $SRC/pyproject.toml && -d $SRC/bot && -f $DEPLOY/newsbot.service ]] || die "$SRC is not a newsbot checkout"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=/path/to/python3.11)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "newsbot needs Python 3.11 or newer ($PYTHON)"
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || die "$PYTHON cannot make virtual environments (apt-get install python3-venv)"

# 1. The system user.
say "system user newsbot"
install -D -m 0644 "$DEPLOY/newsbot.sysusers.conf" "$SYSUSERS_FILE"
if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$SYSUSERS_FILE"
elif ! id newsbot >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir / --shell /usr/sbin/nologin newsbot
fi

# 2. newsbot in its own virtual environment. A copy of only what the package needs is built, so that nothing is
# written into the checkout (pip builds in place) and a stale build/ directory cannot leak into the install.
say "newsbot into $VENV"
if [[ ! -x $VENV/bin/python ]]; then
    install -d -m 0755 "$PREFIX"
    "$PYTHON" -m venv "$VENV"
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -R "$SRC/pyproject.toml" "$SRC/README.md" "$SRC/bot" "$SRC/corpus" "$build/"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir --upgrade "$build"
# A reinstall even when the version number did not change (a checkout between two releases).
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir --force-reinstall --no-deps "$build"
# The service runs as newsbot: the interpreter the venv links to must be reachable by that user (not, say, a
# pyenv Python under /root).
runuser -u newsbot -- "$VENV/bin/newsbot" --version >/dev/null \
    || die "user newsbot cannot run $VENV/bin/newsbot: use a system-wide Python (PYTHON=/usr/bin/python3.11), rm -r $VENV, retry"
say "installed $("$VENV/bin/newsbot" --version)"

# 3. The settings: created once from the example, never overwritten; only root may read them (the token).
install -d -m 0755 "$CONF_DIR"
if [[ ! -e $ENV_FILE ]]; then
    install -m 0600 -o root -g root "$DEPLOY/.env.example" "$ENV_FILE"
    say "created $ENV_FILE: put the bot's token in DISCORD_TOKEN there"
fi
chown root:root "$ENV_FILE"
chmod 0600 "$ENV_FILE"

# 4. The units.
for unit in "${UNITS[@]}"; do
    install -m 0644 "$DEPLOY/$unit" "$UNIT_DIR/$unit"
done
say "installed ${UNITS[*]} into $UNIT_DIR"

if [[ ! -d /run/systemd/system ]]; then
    say "systemd is not running here: start the services on the target with"
    say "  systemctl daemon-reload && systemctl enable --now newsbot-backup.timer newsbot.service"
    exit 0
fi
systemctl daemon-reload
systemctl enable --now newsbot-backup.timer
if grep -Eq '^DISCORD_TOKEN=[^[:space:]]+' "$ENV_FILE"; then
    systemctl enable newsbot.service
    systemctl restart newsbot.service
    say "newsbot is running: systemctl status newsbot; journalctl -u newsbot -f"
else
    say "DISCORD_TOKEN is empty in $ENV_FILE: set it, then: systemctl enable --now newsbot.service"
fi
