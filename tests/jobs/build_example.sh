#!/usr/bin/env bash
# Installs FlameStream from BUILD into OUT/root (meson install --destdir), then builds the
# sessions example (graphs/sessions) in OUT/sessions finding FlameStream only through pkg-config.
# Prints the PKG_CONFIG_PATH to use, the installed binary and the example library, one a line.
set -euo pipefail
build=$1; src=$2; out=$3
meson install -C "$build" --destdir "$out/root" --no-rebuild --quiet >&2
pc=$(dirname "$(find "$out/root" -name flamestream.pc)")
PKG_CONFIG_PATH=$pc meson setup "$out/sessions" "$src/graphs/sessions" >&2
ninja -C "$out/sessions" >&2
echo "$pc"
find "$out/root" -path '*/bin/flamestream'
echo "$out/sessions/libsessions.so"
