#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine that has only Node and npm.
# Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').config.pnpm")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want" ]; then
  echo "setup: installing pnpm $want" >&2
  npm install -g "pnpm@$want" --no-fund --no-audit >/dev/null
fi
# better-sqlite3 compiles from source with node-gyp: point it at the local Node headers
# instead of letting it download them (no network beyond the registries).
nodedir=$(node -p "require('path').resolve(process.execPath, '../..')")
if [ ! -f "$nodedir/include/node/node.h" ] && [ -f /usr/include/node/node.h ]; then nodedir=/usr; fi
export npm_config_nodedir="$nodedir"
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install --prefer-offline
fi
# The portal's browser tests drive Debian's chromium; install it only as root and only when missing.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  (apt-get update && apt-get install -y chromium) >&2 || echo "setup: chromium not installed; browser tests will skip" >&2
fi
# CJK fonts, so the browser tests and screenshots show Korean and Chinese glyphs; root only, once.
if [ "$(id -u)" = "0" ] && ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then
  (apt-get update && apt-get install -y fonts-noto-cjk) >&2 || echo "setup: fonts-noto-cjk not installed; CJK pages render with fallback glyphs" >&2
fi
