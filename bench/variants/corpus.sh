#!/usr/bin/env bash
# Builds the variants corpus from Debian packages: downloads them with
# apt-get download (no installation, no dependencies), unpacks them under
# $CACHE/pkg/<package>, then lets `variants prepare` pick and normalise the
# images and `variants edit` apply the recipe. Usage:
#   bench/variants/corpus.sh [CORPUS_DIR] [CACHE_DIR]
# Defaults: /tmp/hg-variants/corpus and /tmp/hg-variants/cache.
#
# listed   (the list is built from these): plasma-workspace-wallpapers,
#          gnome-backgrounds, mate-backgrounds
# holdout  (listed too, never used to choose a parameter): ukui-wallpapers,
#          python3-skimage's sample photos
# unrelated (must never match): tuxpaint-stamps-default, wesnoth-1.16-data,
#          supertuxkart-data
set -euo pipefail
cd "$(dirname "$0")/../.."
# The recipe is ImageMagick 6's operators: another `convert` first on PATH
# (a stand-in, GraphicsMagick, IM 7's shim) writes nothing or other pixels.
if [[ "$(convert -version 2>/dev/null || true)" != "Version: ImageMagick 6"* ]]; then
  echo "corpus.sh: needs ImageMagick 6's convert first on PATH (apt-get install imagemagick); found: $(command -v convert || echo none)" >&2
  exit 1
fi
CORPUS=${1:-/tmp/hg-variants/corpus}
CACHE=${2:-/tmp/hg-variants/cache}
mkdir -p "$CACHE/deb" "$CACHE/pkg" "$CORPUS"
pkgs=(plasma-workspace-wallpapers gnome-backgrounds mate-backgrounds ukui-wallpapers python3-skimage
      tuxpaint-stamps-default wesnoth-1.16-data supertuxkart-data)
for p in "${pkgs[@]}"; do
  [ -d "$CACHE/pkg/$p" ] && continue
  (cd "$CACHE/deb" && ls ${p}_*.deb >/dev/null 2>&1 || apt-get download "$p")
  mkdir -p "$CACHE/pkg/$p.tmp" && dpkg -x "$CACHE"/deb/${p}_*.deb "$CACHE/pkg/$p.tmp" && mv "$CACHE/pkg/$p.tmp" "$CACHE/pkg/$p"
done
P=$CACHE/pkg
go run ./bench/variants prepare -out "$CORPUS" \
  -set listed=$P/plasma-workspace-wallpapers/usr/share/wallpapers,$P/gnome-backgrounds/usr/share/backgrounds,$P/mate-backgrounds/usr/share/backgrounds \
  -set holdout=$P/ukui-wallpapers/usr/share,$P/python3-skimage/usr/lib/python3/dist-packages/skimage/data \
  -set unrelated=$P/tuxpaint-stamps-default/usr/share,$P/wesnoth-1.16-data/usr/share,$P/supertuxkart-data/usr/share
go run ./bench/variants edit -corpus "$CORPUS" -j "${JOBS:-2}"
