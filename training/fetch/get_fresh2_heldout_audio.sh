#!/usr/bin/env bash
# get_fresh2_heldout_audio.sh OUT_DIR
# The SECOND FRESH held-out set (issue 12): labelled recordings from Debian 12 packages that no
# model, tuning or report of this project has used, gathered 2026-12-07 after the first fresh set
# (get_fresh_heldout_audio.sh) had been read four times (reports of models 2.3 to 2.5). The next model
# report reads these first; nothing else may: keep OUT_DIR apart from the training work folders, and
# never train, tune or pick thresholds on them.
# Same layout as ../shared/data/get_scene_audio.sh: OUT_DIR/test/<label>/<package>__<name>.<ext>,
# OUT_DIR/manifest.tsv (split label package source duration_s), OUT_DIR/licenses/<package>.copyright.
# No music beds: these packages hold little usable music (arcade loops and chiptunes), so a report
# that needs film-like timelines takes its beds from get_fresh_heldout_audio.sh's beds/music.
# Licences (per package copyright file): amphetamine-data GPL-2; bambam data/boom.wav GPL-2+ (taken
# from pygame); bomberclone-data GPL-2; castle-game-engine-doc GPL-2+ or LGPL-2+ with static linking
# exception (Files: *); ceferino-data GPL-2; clanlib-doc zlib-style (ClanLib licence); enigma-data
# GPL-2+; hex-a-hop-data sound-explode-* public domain (Stephen Cameron, remaxim, Ari Mustonen);
# lmarbles GPL-2+; ltris GPL; penguin-command GPL-2+; starfighter-data GPL-2+ (Files: *); vor GPL-2+;
# xemacs21-basesupport GPL; dopewars-data GPL-2+; wing-data GPL; lgc-pg GPL-2+ (Files: *).
# Labels: candidates by file name in Debian 12's Contents-all and Contents-amd64 listings, then each
# file's log-mel spectrogram looked at (64 mels, 16 kHz, dB re max, with its RMS envelope),
# 2026-12-07. No model, detector or report has scored any of them. 23 files: 17 explosions,
# 4 gunshots, 1 thunder, 1 ocean, and no rain, wind or fire (none found that was a real recording,
# fresh and not a copy). Kept and rejected files with reasons: training/fetch/README.md.
# Duplicates left out: max normalised waveform cross-correlation (4 kHz mono, 40 Hz high-pass,
# silence trimmed, over every lag with at least 0.5 s of overlap, normalised over the overlap)
# >= 0.85 with a file of the shared corpus, the extra corpus, the first fresh set or an earlier kept
# file, or a near copy (0.62-0.83, or a match over seconds of overlap well above chance: unrelated
# files score 0.2-0.52, the highest against 0.2 s clips) of one; of two identical files in two unused
# packages only one is kept (lmarbles over vectoroids, enigma-data over briquolo-data).
# Needs: apt-get, dpkg-deb, tar, ffprobe. Env: DEB_CACHE=dir keeps the .debs (castle-game-engine-doc
# is a 256 MB download).
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show hex-a-hop-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get, fetch_rules

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
# label|package|container inside the .deb ('-' = plain file)|extended regex
explosion|amphetamine-data|-|/amphetamine/sounds/bombh\.wav$
explosion|bambam|-|/bambam/data/boom\.wav$
explosion|bomberclone-data|-|/bomberclone/tileset/default/explode\.wav$
explosion|castle-game-engine-doc|-|/examples/audio/game_3d_sound/data/sounds/kaboom\.wav$
thunder|castle-game-engine-doc|-|/examples/audio/game_3d_sound/data/sounds/thunder\.wav$
explosion|ceferino-data|-|/ceferino/sounds/explo\.wav$
explosion|clanlib-doc|-|/examples/SoundBuffer/explode\.wav$
gunshot|clanlib-doc|-|/examples/SoundBuffer/gun\.wav$
explosion|enigma-data|-|/enigma/soundsets/enigma/explosion[12]\.wav$
explosion|hex-a-hop-data|-|/hex-a-hop/sound-explode-(big|small)\.ogg$
explosion|lmarbles|-|/lmarbles/sounds/explode\.wav$
explosion|ltris|-|/ltris/sounds/explosion\.wav$
explosion|penguin-command|-|/penguin-command/sound/bombex\.wav$
explosion|starfighter-data|-|/starfighter/sound/explode[23]\.ogg$
explosion|vor|-|/vor/bang\.wav$
explosion|xemacs21-basesupport|-|/xemacs-packages/etc/sounds/explosion\.au$
gunshot|xemacs21-basesupport|-|/xemacs-packages/etc/sounds/shotgun\.wav$
gunshot|dopewars-data|-|/dopewars/colt\.wav$
gunshot|wing-data|-|/wing/sound/minigun\.wav$
ocean|lgc-pg|-|/lgeneral/convdata/sea\.wav$
RULES_END

fetch_rules "$RULES" test
