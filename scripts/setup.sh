#!/usr/bin/env bash
# Set up a fresh machine for dxreport: uv (in a private tools venv when missing), the locked Python
# environment, and the Debian packages the PDFs need. Idempotent: a second run does nothing new.
set -euo pipefail
cd "$(dirname "$0")/.."

export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
TOOLS_DIR="${DXREPORT_TOOLS_DIR:-$HOME/.cache/dxreport-tools}"

say() { printf 'dxreport setup: %s\n' "$*" >&2; }

# 1. Debian packages: a Times-metric font with Vietnamese glyphs, harfbuzz subsetting, poppler.
need_pkgs=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
if command -v dpkg-query >/dev/null 2>&1; then
  have_pkg fonts-liberation2 || have_pkg fonts-croscore || need_pkgs+=(fonts-liberation2)
  have_pkg libharfbuzz-subset0 || need_pkgs+=(libharfbuzz-subset0)
  have_pkg poppler-utils || need_pkgs+=(poppler-utils)
  have_pkg libpango-1.0-0 || need_pkgs+=(libpango-1.0-0 libpangoft2-1.0-0)
  have_pkg fontconfig || need_pkgs+=(fontconfig)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends ${need_pkgs[*]}"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${need_pkgs[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null) \
      || { say "could not install Debian packages; run as root: $cmd"; exit 1; }
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    say "installing Debian packages with sudo: ${need_pkgs[*]}"
    sudo -n sh -c "$cmd" || { say "could not install Debian packages; run: sudo sh -c '$cmd'"; exit 1; }
  else
    say "missing Debian packages ${need_pkgs[*]}; install them with: sudo sh -c '$cmd'"
    exit 1
  fi
fi

# 2. uv: use the one on PATH, else bootstrap it into a private venv (works under PEP 668).
if command -v uv >/dev/null 2>&1; then
  UV=$(command -v uv)
elif [ -x "$TOOLS_DIR/bin/uv" ]; then
  UV="$TOOLS_DIR/bin/uv"
else
  say "installing uv into $TOOLS_DIR"
  PY=$(command -v python3 || command -v python)
  "$PY" -m venv "$TOOLS_DIR"
  "$TOOLS_DIR/bin/pip" install -q --disable-pip-version-check uv
  UV="$TOOLS_DIR/bin/uv"
fi

# 3. The locked Python environment (.venv), dev group included for the tests. Compiled to bytecode
#    once here: with PYTHONDONTWRITEBYTECODE set (common in containers) Python would otherwise
#    recompile every module on every start (`dxreport` start-up 2-3x slower).
"$UV" sync --frozen --quiet --compile-bytecode
# ... and the project's own modules, for the same reason (about 0.06 s of every command's imports;
# a module edited later is compiled in memory again, as without this).
.venv/bin/python -m compileall -q -j 0 flows tasks schemas >/dev/null || true
echo "$UV"
