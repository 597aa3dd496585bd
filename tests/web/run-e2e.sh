#!/usr/bin/env bash
# The phone page end to end: node and playwright-core drive Debian's
# Chromium against a real `dropify --headless` (see e2e.mjs).
#   run-e2e.sh SOURCE_DIR WORK_DIR
# playwright-core is installed with npm into WORK_DIR (in the build dir)
# from the committed lock file, once, and again only when the lock changes.
# Exits 77 (skipped) when chromium, node or npm is missing; as root,
# `build-aux/install-deps --test` installs them.
set -euo pipefail

src=$1
work=$2
chromium=${DROPIFY_CHROMIUM:-/usr/bin/chromium}

for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing; build-aux/install-deps --test installs it"
    exit 77
  fi
done
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "SKIP: playwright-core needs Node.js 20 or later; this is $(node --version)"
  exit 77
fi
if [ ! -x "$chromium" ]; then
  echo "SKIP: $chromium is missing (Debian package chromium); build-aux/install-deps --test installs it"
  exit 77
fi

mkdir -p "$work"
if ! cmp -s "$src/package-lock.json" "$work/package-lock.json" ||
   [ ! -f "$work/node_modules/playwright-core/package.json" ]; then
  rm -rf "$work/node_modules" "$work/package-lock.json"
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  # playwright-core never downloads a browser; --ignore-scripts makes sure.
  (cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

export DROPIFY_E2E_MODULES="$work/node_modules"
export DROPIFY_E2E_WORK="$work"
export DROPIFY_CHROMIUM="$chromium"
exec node "$src/e2e.mjs"
