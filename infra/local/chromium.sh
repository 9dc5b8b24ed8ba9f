#!/usr/bin/env bash
# Debian's Chromium for the browser tests (playwright-core drives it headless; Playwright's
# own browser downloads are never used). Installed with apt-get when /usr/bin/chromium is
# missing; quick otherwise.
#
#   chromium.sh          install when missing, then print one line: path and version
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LOG_TAG=chromium

CHROMIUM=/usr/bin/chromium

[ -x "$CHROMIUM" ] || apt_install chromium
[ -x "$CHROMIUM" ] || die "apt-get installed chromium but $CHROMIUM is missing"
echo "chromium $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
