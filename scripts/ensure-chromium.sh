#!/usr/bin/env bash
# The browser tests (test/e2e/*.browser.test.ts) drive Debian's Chromium through playwright-core: Playwright's own
# browser download cannot work on a machine without general internet access, the distribution package can. Installs
# it once when missing (as root, or with sudo when available); otherwise says how. CHROMIUM_PATH points elsewhere.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if ! command -v apt-get >/dev/null; then
    echo "The browser tests need Chromium: install it, or set CHROMIUM_PATH to its executable." >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "The browser tests need Debian's chromium: run 'apt-get install chromium' as root." >&2
      exit 1
    fi
    sudo="sudo"
  fi
  echo "Installing Debian's chromium for the browser tests (once)..."
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
"$chromium" --version 2>/dev/null | grep -i chromium
