#!/usr/bin/env bash
# get_fresh_heldout_audio.sh OUT_DIR
# A FRESH held-out set (issue 12): labelled recordings from Debian 12 packages that no model, tuning
# or report of this project had used. The test packages of training/film.py had been reported on six
# times (models 2.0-2.3), so model 2.4's report reads these (scripts/model2/5_report.py --fresh),
# its first read, 2026-12-06; nothing else may: keep OUT_DIR apart from the training work folders.
# Same layout as ../shared/data/get_scene_audio.sh: OUT_DIR/test/<label>/<package>__<name>.<ext>,
# OUT_DIR/manifest.tsv (split label package source duration_s), OUT_DIR/licenses/<package>.copyright;
# and music of the same packages for the report's film-like timelines, OUT_DIR/beds/music/.
# Licences (per package copyright file): chromium-bsu-data data/wav Expat; gl-117-data GPL-2;
# granatier GPL-2+; solarwolf GPL-2 / LGPL-2.1; freedoom BSD-3-clause-style (freedoom-license);
# openttd-opensfx "Explosion" (Janis Lukss) and "Wind" (wind1.wav by Anton, edited by Janis Lukss)
# CC-BY-3.0 (the Debian copyright file: src/wav CC-BY-SA-3.0, single files CC-BY-3.0 / CC0; credits
# in each entry's name); ardentryst Sounds/* and Music/* CC-BY-SA-3.0 (Freesound.org users);
# plee-the-bear-data media CC-BY-SA-3.0; csoundqt-examples LGPL-2.1+; searchandrescue-data GPL;
# berusky2-data GPL-2+; moon-lander-data BSD-2-Clause; hyperrogue-music sounds/explosion.ogg CC0-1.0,
# music/* CC-BY-SA-3.0; davegnukem-data sfx_weapon_singleshot7.wav CC0-1.0.
# Labels: candidates by file name, then each file's log-mel spectrogram looked at (64 mels, 16 kHz,
# 2026-12-06); kept and rejected files with reasons in training/fetch/README.md. No model had
# scored any of them before 2.4's report. 25 files: 14 explosions, 4 gunshots, 3 thunders, 2 rain, 1 wind, 1 ocean and
# no fire (the fire candidates found were copies of training files). Duplicates left out: max
# normalised cross-correlation >= 0.85 with a corpus file or an earlier kept file, or a near copy
# (0.62-0.83) of one; see training/fetch/README.md.
# Freedoom's sounds are DMX lumps inside its IWAD (written out as 8-bit WAV), OpenSFX's are WAVs
# inside OpenTTD's sound catalogue.
# Needs: apt-get, dpkg-deb, tar, ffprobe, python3. Env: DEB_CACHE=dir keeps the .debs.
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
PY=${PYTHON:-python3}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show gl-117-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get, fetch_rules

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
rain|ardentryst|-|/ardentryst/Sounds/Rain_Loop\.ogg$
rain|plee-the-bear-data|-|/plee-the-bear/sound/weather/rain\.ogg$
ocean|csoundqt-examples|-|/csoundqt/Examples/SourceMaterials/Seashore\.wav$
thunder|searchandrescue-data|-|/searchandrescue/sounds/thunder_(moderate|loud)\.wav$
explosion|berusky2-data|-|/berusky2/sound/sound/Exploze[1235]\.wav$
explosion|moon-lander-data|-|/moon-lander/sounds/explosion2\.wav$
explosion|hyperrogue-music|-|/hyperrogue/sounds/explosion\.ogg$
gunshot|davegnukem-data|-|/davegnukem/sounds/sfx_weapon_singleshot7\.wav$
RULES_END

# Music beds of the held-out timelines, from packages above; tracks named after storms, seas,
# battles or hunts, and two ambient tracks with wind-like broadband noise, are left out.
BEDS=$W/beds; cat > "$BEDS" <<'BEDS_END'
music|hyperrogue-music|-|/hyperrogue/music/(hr-domina-mountain|hr-savino-palace|hr3-(caves|crossroads|desert|graveyard|icyland|jungle|laboratory|mirror|motion|rlyeh))\.ogg$
music|ardentryst|-|/ardentryst/Music/(Story|World_Map|castle|holy|shop|theme1)\.ogg$
BEDS_END

fetch_rules "$RULES" test
fetch_rules "$BEDS" beds
