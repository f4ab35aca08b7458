#!/usr/bin/env bash
# get_everyday_audio.sh OUT_DIR
# EVERYDAY SOUNDS of none of the seven labels, held out for the false-alarm check of the detector
# report (training/report_detector.py --everyday OUT_DIR): animals, instruments, vehicles, tools and
# toys recorded for children's alphabet cards (qabcs-data, GPL-3+), a package no training, tuning or
# report of this project had used. Never train on these: they measure how often the detector calls
# a dog, a drum or a tractor an explosion.
# Names that could hold one of the labels (fire, rain on an umbrella, wind on a kite or an igloo,
# the sea, whales, a rocket, ...) were left out by name, before any model scored a file: EXCLUDE.
# Layout as the other fetch scripts: OUT_DIR/test/everyday/qabcs-data__<name>.ogg,
# OUT_DIR/manifest.tsv (split label package source duration_s), OUT_DIR/licenses/qabcs-data.copyright.
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show qabcs-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get, fetch_rules

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
everyday|qabcs-data|-|/qabcs/abcs/all/noises/[a-z_-]+\.ogg$
RULES_END
EXCLUDE='^(fire|firebird|umbrella|kite|igloo|rocket|sailorboy|urchin|whale|dolphin|fish|otter|earth|star|watercolor|x-men|yeti)$'

fetch_rules "$RULES" test
for f in "$OUT"/test/everyday/qabcs-data__*.ogg; do
  n=${f##*_noises_}; n=${n%.ogg}
  if printf '%s' "$n" | grep -Eq "$EXCLUDE"; then rm -f "$f"; fi
done
awk -F'\t' -v rx="$EXCLUDE" 'NR == 1 { print; next } { n = $4; sub(/.*\//, "", n); sub(/\.ogg$/, "", n); if (n !~ rx) print }' \
  "$OUT/manifest.tsv" > "$W/m" && mv "$W/m" "$OUT/manifest.tsv"
echo "$(($(wc -l < "$OUT/manifest.tsv") - 1)) everyday sounds in $OUT"
