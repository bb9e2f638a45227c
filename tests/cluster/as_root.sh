#!/usr/bin/env bash
# Runs a test that needs root (network namespaces) as root: directly when the suite runs as root,
# else through sudo without a password, as scripts/setup installs packages. Neither: the test fails
# naming why, never skips.
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then exec "$@"; fi
if sudo -n true 2>/dev/null; then exec sudo -n --preserve-env=FLAMESTREAM_BIN,FLAMESTREAM_SOURCE_ROOT "$@"; fi
echo "as_root.sh: $1 needs root (network namespaces): run the suite as root, or allow sudo -n" >&2
exit 1
