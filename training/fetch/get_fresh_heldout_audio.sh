#!/usr/bin/env bash
# get_fresh_heldout_audio.sh OUT_DIR
# A FRESH held-out set for the next detector (issue 12): labelled recordings from Debian 12 packages
# that no model, tuning or report of this project has used. The test packages of training/film.py
# have been reported on six times (models 2.0-2.3), so the next model's final report should read
# these, once, and nothing else should: keep OUT_DIR apart from the training work folders.
# Same layout as ../shared/data/get_scene_audio.sh: OUT_DIR/test/<label>/<package>__<name>.<ext>,
# OUT_DIR/manifest.tsv (split label package source duration_s), OUT_DIR/licenses/<package>.copyright.
# Licences (per package copyright file): chromium-bsu-data data/wav Expat; gl-117-data GPL-2;
# granatier GPL-2+; solarwolf GPL-2 / LGPL-2.1; freedoom BSD-3-clause-style (freedoom-license);
# openttd-opensfx "Explosion" (Janis Lukss) and "Wind" (wind1.wav by Anton, edited by Janis Lukss)
# CC-BY-3.0 (the Debian copyright file: src/wav CC-BY-SA-3.0, single files CC-BY-3.0 / CC0; credits
# in each entry's name).
# Labels: candidates by file name, then each file's log-mel spectrogram looked at (64 mels, 16 kHz,
# 2026-12-06); kept and rejected files with reasons in training/fetch/README.md. No model has
# scored any of them. Explosions, gunshots, one thunder and one wind: they cover four labels.
# Freedoom's sounds are DMX lumps inside its IWAD (written out as 8-bit WAV), OpenSFX's are WAVs
# inside OpenTTD's sound catalogue.
# Needs: apt-get, dpkg-deb, tar, ffprobe, python3. Env: DEB_CACHE=dir keeps the .debs.
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
PY=${PYTHON:-python3}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show gl-117-data >/dev/null 2>&1 || apt-get update -qq

get() { local f; f=$(ls "$D/$1"_*.deb 2>/dev/null | head -1 || true)
  [ -n "$f" ] || { (cd "$D" && apt-get download -qq -o APT::Sandbox::User=root "$1" >/dev/null </dev/null); f=$(ls "$D/$1"_*.deb | head -1); }
  echo "$f"; }

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
# label|package|container inside the .deb ('-' = plain file; a .wad = Doom lumps, matched by lump
# name; a .cat = OpenTTD sound catalogue, matched by the quoted title of each entry)|extended regex
explosion|chromium-bsu-data|-|/chromium-bsu/wav/explo(Big|Pop|Std)\.wav$
explosion|gl-117-data|-|/gl-117/sounds/explode1\.wav$
thunder|gl-117-data|-|/gl-117/sounds/thunder1\.wav$
explosion|granatier|-|/granatier/sounds/explode\.wav$
explosion|solarwolf|-|/solarwolf/data/audio/explode\.wav$
gunshot|freedoom|usr/share/games/doom/freedoom2.wad|^DS(PISTOL|SHOTGN|DSHTGN)$
explosion|freedoom|usr/share/games/doom/freedoom2.wad|^DSBAREXP$
explosion|openttd-opensfx|usr/share/games/openttd/baseset/opensfx/opensfx.cat|^Explosion$
wind|openttd-opensfx|usr/share/games/openttd/baseset/opensfx/opensfx.cat|^Wind$
RULES_END

# sounds CONTAINER DIR REGEX: each sound of a Doom WAD (DMX lump, by lump name; written as 8-bit
# mono WAV) or of an OpenTTD .cat (a WAV per entry, by the quoted title that starts its name)
# that matches -> DIR/<name>.wav; prints the names
sounds() { "$PY" - "$@" <<'PY'
import re, struct, sys, wave
from pathlib import Path
path, out, rx = Path(sys.argv[1]), Path(sys.argv[2]), re.compile(sys.argv[3])
wad = path.read_bytes()
if path.suffix == ".cat":  # [offset, size] table, then per entry: name length, name, RIFF WAV
    for i in range((struct.unpack("<I", wad[:4])[0] & 0x7FFFFFFF) // 8):
        pos, size = struct.unpack("<II", wad[8 * i: 8 * i + 8])
        pos &= 0x7FFFFFFF
        ln = wad[pos]
        m = re.match(r'"([^"]+)"', wad[pos + 1: pos + 1 + ln].decode("latin-1"))
        data = wad[pos + 1 + ln: pos + size]
        if m and rx.search(m.group(1)) and data[:4] == b"RIFF":
            name = re.sub(r"[^A-Za-z0-9._-]", "_", m.group(1))
            (out / f"{name}.wav").write_bytes(data)
            print(name)
    sys.exit(0)
kind, n, off = struct.unpack("<4sii", wad[:12])
assert kind in (b"IWAD", b"PWAD"), kind
for i in range(n):
    pos, size, name = struct.unpack("<ii8s", wad[off + 16 * i: off + 16 * i + 16])
    name = name.rstrip(b"\0").decode("ascii")
    if not rx.search(name):
        continue
    fmt, rate, count = struct.unpack("<HHI", wad[pos:pos + 8])
    assert fmt == 3 and 16 < count <= size - 8, (name, fmt, count)
    with wave.open(str(out / f"{name}.wav"), "wb") as w:  # DMX: unsigned 8-bit, 16 pad bytes each side
        w.setnchannels(1), w.setsampwidth(1), w.setframerate(rate)
        w.writeframes(wad[pos + 8 + 16: pos + 8 + count - 16])
    print(name)
PY
}

: > "$W/man"
for pkg in $(grep -v '^#' "$RULES" | cut -d'|' -f2 | awk '!s[$0]++'); do
  deb=$(get "$pkg"); X=$W/x; rm -rf "$X"; mkdir -p "$X"
  grep "^[a-z]*|$pkg|" "$RULES" > "$W/r"
  plainrx=$(awk -F'|' '$3=="-"{sub(/^[^|]*[|][^|]*[|][^|]*[|]/, ""); print "(" $0 ")"}' "$W/r" | paste -sd'|')
  mapfile -t want < <( { awk -F'|' '$3!="-"{print "./"$3}' "$W/r"; [ -z "$plainrx" ] || dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E "$plainrx"; echo "./usr/share/doc/$pkg/copyright"; } | sort -u)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$X" "${want[@]}"
  cp "$X/usr/share/doc/$pkg/copyright" "$OUT/licenses/$pkg.copyright"
  while IFS='|' read -r label _ cont rx <&3; do
    if [ "$cont" = - ]; then base=$X; mapfile -t m < <(printf '%s\n' "${want[@]}" | grep -E "$rx" | sed 's#^\./##')
    else
      base=$X/$cont.x; mkdir -p "$base"
      mapfile -t m < <(sounds "$X/$cont" "$base" "$rx" | sed 's/$/.wav/')
    fi
    [ ${#m[@]} -gt 0 ] || { echo "WARN no match: $label $pkg $rx" >&2; continue; }
    mkdir -p "$OUT/test/$label"
    for f in "${m[@]}"; do
      [ -f "$base/$f" ] || { echo "WARN not a plain file: $pkg $f" >&2; continue; }
      name=$(printf '%s' "$f" | sed -e 's#^usr/share/games/##' -e 's#^usr/share/##' -e 's#[^A-Za-z0-9._-]#_#g')
      cp "$base/$f" "$OUT/test/$label/${pkg}__$name"
      d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$base/$f" </dev/null 2>/dev/null || echo NA)
      src=$f; [ "$cont" = - ] || src="$cont:${f%.wav}"
      printf 'test\t%s\t%s\t%s\t%s\n' "$label" "$pkg" "$src" "$d" >> "$W/man"
    done
  done 3< "$W/r"
done
{ printf 'split\tlabel\tpackage\tsource\tduration_s\n'; cat "$W/man"; } > "$OUT/manifest.tsv"
cut -f1,2 "$W/man" | sort | uniq -c
