# Sourced by the fetch scripts of this folder: fetching a Debian package, and copying the files
# its rules name. The caller sets W (a work folder), D (the .deb cache) and OUT; PY (python3 by
# default) is needed only for .wad and .cat containers.

# get PACKAGE: the path of its .deb in D, downloaded there first when missing
get() { local f; f=$(ls "$D/$1"_*.deb 2>/dev/null | head -1 || true)
  [ -n "$f" ] || { (cd "$D" && apt-get download -qq -o APT::Sandbox::User=root "$1" >/dev/null </dev/null); f=$(ls "$D/$1"_*.deb | head -1); }
  echo "$f"; }

# container_sounds CONTAINER DIR REGEX: each sound of a Doom WAD (DMX lump, by lump name; written
# as 8-bit mono WAV) or of an OpenTTD .cat (a WAV per entry, by the quoted title that starts its
# name) that matches -> DIR/<name>.wav; prints the names
container_sounds() { "${PY:-python3}" - "$@" <<'PY'
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

# fetch_rules RULES SPLIT: for every package of RULES (lines label|package|container|regex; the
# container '-' for plain files, else a .zip/.pk3, .wad or .cat inside the .deb), copies each
# matching file to OUT/SPLIT/<label>/<package>__<flattened path> and the package's copyright file
# to OUT/licenses/; writes OUT/manifest.tsv (split label package source duration_s: the rows of
# every fetch_rules call of the script so far) and prints the files per label.
fetch_rules() {
  local rules=$1 split=$2 pkg deb X plainrx label cont rx base f name d src
  local -a want m
  [ -f "$W/man" ] || : > "$W/man"
  for pkg in $(grep -v '^#' "$rules" | cut -d'|' -f2 | awk '!s[$0]++'); do
    deb=$(get "$pkg"); X=$W/x; rm -rf "$X"; mkdir -p "$X"
    grep "^[a-z]*|$pkg|" "$rules" > "$W/r"
    # One pass to list the data tarball, one pass to extract every wanted member, container and the copyright file.
    plainrx=$(awk -F'|' '$3=="-"{sub(/^[^|]*[|][^|]*[|][^|]*[|]/, ""); print "(" $0 ")"}' "$W/r" | paste -sd'|')
    mapfile -t want < <( { awk -F'|' '$3!="-"{print "./"$3}' "$W/r"; [ -z "$plainrx" ] || dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E "$plainrx"; echo "./usr/share/doc/$pkg/copyright"; } | sort -u)
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$X" "${want[@]}"
    cp "$X/usr/share/doc/$pkg/copyright" "$OUT/licenses/$pkg.copyright"
    while IFS='|' read -r label _ cont rx <&3; do
      base=$X/$cont.x
      case $cont in
        -) base=$X; mapfile -t m < <(printf '%s\n' "${want[@]}" | grep -E "$rx" | sed 's#^\./##') ;;
        *.wad|*.cat) mkdir -p "$base"; mapfile -t m < <(container_sounds "$X/$cont" "$base" "$rx" | sed 's/$/.wav/') ;;
        *) mkdir -p "$base"
           mapfile -t m < <(unzip -Z1 "$X/$cont" | grep -E "$rx"); [ ${#m[@]} -eq 0 ] || unzip -q -o "$X/$cont" "${m[@]}" -d "$base" </dev/null ;;
      esac
      [ ${#m[@]} -gt 0 ] || { echo "WARN no match: $label $pkg $rx" >&2; continue; }
      mkdir -p "$OUT/$split/$label"
      for f in "${m[@]}"; do
        [ -f "$base/$f" ] || { echo "WARN not a plain file: $pkg $f" >&2; continue; }
        name=$(printf '%s' "$f" | sed -e 's#^usr/share/games/##' -e 's#^usr/share/##' -e 's#[^A-Za-z0-9._-]#_#g')
        cp "$base/$f" "$OUT/$split/$label/${pkg}__$name"
        d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$base/$f" </dev/null 2>/dev/null || echo NA)
        case $cont in -) src=$f ;; *.wad|*.cat) src="$cont:${f%.wav}" ;; *) src="$cont:$f" ;; esac
        printf '%s\t%s\t%s\t%s\t%s\n' "$split" "$label" "$pkg" "$src" "$d" >> "$W/man"
      done
    done 3< "$W/r"
  done
  { printf 'split\tlabel\tpackage\tsource\tduration_s\n'; cat "$W/man"; } > "$OUT/manifest.tsv"
  cut -f1,2 "$W/man" | sort | uniq -c
}
