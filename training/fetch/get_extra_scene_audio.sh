#!/usr/bin/env bash
# get_extra_scene_audio.sh OUT_DIR
# Fetches MORE real scene recordings (wind/thunder/rain/ocean/fire/explosion/gunshot) from Debian 12
# (bookworm, main) packages and files that ../shared/data/get_scene_audio.sh (from the repository
# root) does not use. Same layout:
# OUT_DIR/train/<label>/<package>__<flattened path>.<ext>, OUT_DIR/manifest.tsv (split label package
# source duration_s), OUT_DIR/licenses/<package>.copyright (each package's Debian copyright file).
# Licences (per package copyright file): 7kaa-data GPL-2+; freedink-data zlib-style (Seth A. Robinson)
# with CC-BY-3.0/GPL replacements; tuxpaint-plugins-default GPL-2+; freeciv-data GPL-2+; spacezero
# GPL-3+; sonic-pi-samples misc_cineboom CC0 (freesound 177242); boswars-data GPL-2+;
# powermanga-data GPL-3+; flare-game CC-BY-SA-3.0+; tuxpaint-stamps-default GPL-2+; freeorion-data
# sounds CC-BY-SA-3.0; openssn-data GPL-2. Further files of packages the shared script uses: 0ad-data CC-BY-SA-3.0,
# ufoai-sound GPL-2+/CC-BY(-SA)-3.0, nexuiz-data GPL-2+, naev-data GPL-2+, redeclipse-data
# CC-BY-SA-3.0 and others (per file). Credit them where used.
# Labels: candidates by file name, then every file checked by its log-mel spectrogram (onset and
# decay of explosions/gunshots, broadband texture for rain/wind, crackle for fire, rumble for
# thunder); wrong, ambiguous, synthetic-tonal and near-silent files were left out (see
# training/fetch/README.md). Exact/near duplicates of the shared corpus or of each other (max
# normalised waveform cross-correlation >= 0.85, 4 kHz mono, first 15 s) are left out of the rules.
# Reserved evaluation packages (see issue 12) are never used here; tests/training_data checks that.
# Per class, files and seconds (measured from both manifests on 2026-12-02). No new ocean recording
# passed the checks: Debian main has almost none outside the reserved packages.
#   label      shared corpus     this script        together
#   wind        21   770.1 s      2    64.8 s     23   834.9 s
#   thunder     12   167.2 s      4    16.9 s     16   184.1 s
#   rain         9   263.1 s      4   190.9 s     13   454.0 s
#   ocean        3    92.5 s      0     0.0 s      3    92.5 s
#   fire        40   204.0 s      5    21.7 s     45   225.7 s
#   explosion   57   126.9 s     16    48.9 s     73   175.8 s
#   gunshot     67   119.7 s     14    14.1 s     81   133.8 s
#   all        209  1743.6 s     45   357.2 s    254  2100.8 s
#   packages   21 shared, 17 here (12 not in the shared script), 33 together
# Needs: apt-get, dpkg-deb, tar, unzip, ffprobe (Debian package ffmpeg). About 2.4 GB of
# .debs (0ad-data alone 1.3 GB; the same cache serves the shared script).
# Env: DEB_CACHE=dir keeps the .debs (default: temp dir, deleted at exit).
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show 7kaa-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get, fetch_rules

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
# label|package|container inside the .deb ('-' = plain file)|extended regex on the member path
fire|7kaa-data|-|/7kaa/SOUND/FIRE\.WAV$
rain|7kaa-data|-|/7kaa/SOUND/RAIN\.WAV$
thunder|7kaa-data|-|/7kaa/SOUND/THUNDER\.WAV$
wind|7kaa-data|-|/7kaa/SOUND/WIND\.WAV$
fire|freedink-data|-|/dink/dink/Sound/(burn|fire)\.wav$
thunder|tuxpaint-plugins-default|-|/tuxpaint/sounds/magic/lightning\.ogg$
rain|tuxpaint-plugins-default|-|/tuxpaint/sounds/magic/rain\.ogg$
explosion|freeciv-data|-|/freeciv/stdsounds/(LrgExpl|SmlExpl)\.ogg$
gunshot|freeciv-data|-|/freeciv/stdsounds/(MgBar[12]|MgHeavy)\.ogg$
explosion|spacezero|-|/spacezero/sounds/explos\.wav$
explosion|sonic-pi-samples|-|/samples/misc_cineboom\.flac$
explosion|boswars-data|-|/boswars/sounds/(bazoo|grenadier)_g_hit\.wav$
gunshot|boswars-data|-|/boswars/units/gturret/gturret_attack\.wav$
explosion|powermanga-data|-|/powermanga/sounds/sound_big_explosion_[1-4]\.wav$
rain|flare-game|-|/flare/mods/empyrean_campaign/soundfx/environment/rain\.ogg$
fire|flare-game|-|/flare/mods/fantasycore/soundfx/environment/open_fire(_loop)?\.ogg$
wind|flare-game|-|/flare/mods/fantasycore/soundfx/environment/wind_loop\.ogg$
thunder|flare-game|-|/flare/mods/fantasycore/soundfx/powers/thunder\.ogg$
thunder|tuxpaint-stamps-default|-|/tuxpaint/stamps/naturalforces/lightningbolt\.ogg$
rain|0ad-data|usr/share/games/0ad/mods/public/public.zip|^audio/ambient/weather/rain_12\.ogg$
gunshot|ufoai-sound|usr/share/games/ufoai/base/0snd.pk3|^sound/weapons/bullet-sniper\.ogg$
explosion|nexuiz-data|usr/share/games/nexuiz/data/data.pk3|^sound/weapons/fireball_impact2\.wav$
explosion|freeorion-data|-|/freeorion/default/data/sound/combat/explosion-(heavy|light|med)1\.ogg$
explosion|naev-data|-|/naev/dat/snd/sounds/grenade\.wav$
explosion|openssn-data|-|/openssn/sounds/explosion\.ogg$
gunshot|redeclipse-data|-|/data/sounds/weapons/(pistol/secondary|rifle/primary[23]?|shotgun/secondary|smg/(primary|secondary[23]?))\.ogg$
RULES_END

fetch_rules "$RULES" train
