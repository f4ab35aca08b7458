#!/usr/bin/env bash
# get_film_beds.sh OUT_DIR
# Fetches FILM BED material for realistic training mixes: music tracks (game scores of several
# styles: orchestral, electronic, rock, ambient, chiptune-like) and ambiences / room tone (market
# crowd murmur, stadium crowd, restaurant, airport announcements, TV news, distant traffic, machine
# hum, drones and TV hiss), with none of the 7 scene classes (wind, thunder, rain, ocean, fire,
# explosion, gunshot) in them, from Debian 12 (bookworm, main) packages. Dialogue is not fetched
# (make it with espeak-ng); the TV news and airport bed have some speech in them.
# Output: OUT_DIR/train/{music,ambience}/<package>__<flattened path>.<ext>, OUT_DIR/manifest.tsv
# (split label package source duration_s, as the scene corpus), OUT_DIR/licenses/<pkg>.copyright.
# Licences (Debian copyright files): extremetuxracer-data GPL-2+/CC0; xmoto-data GPL-2+;
# frozen-bubble-data GPL-2; gunroar-data BSD-2-clause; glob2-data GPL-3; widelands-data GPL-2+;
# naev-data music GPL-2+ / GPL-3-or-CC-BY-3.0 / CC-BY-SA-3.0 (per file); asc-music GPL-2+;
# flare-game CC-BY-SA-3.0+; 0ad-data music CC-BY-SA-3.0; freedroidrpg-data GPL-2+;
# ufoai-music GPL-2+/CC-BY(-SA)-3.0; ufoai-sound GPL-2+/CC-BY(-SA)-3.0;
# redeclipse-data CC-BY-SA-3.0 and others (per file); nexuiz-data GPL-2+; 0ad-data CC-BY-SA-3.0;
# tuxfootball GPL-2+; sonic-pi-samples ambi_* CC0; supertuxkart-data restaurant CC0, airport PA
# CC-BY-SA-4.0.
# Credit them where used.
# Selection: music by track name, leaving out anything named after storms, sea, tides, fire,
# battles or war (a score can carry effects); ambiences checked by log-mel spectrogram, leaving
# out anything with wind gusts, water, rain-like noise or bangs (e.g. ufoai city/night
# atmospheres, widelands tavern noise, 0ad port/dayscapes). See training/fetch/README.md.
# Fetched (measured from the manifest on 2026-12-02): music 99 tracks, 16468 s (4.6 h) from 12
# packages; ambience 26 files, 626 s from 7 packages (the mixer should loop the short ones).
# Needs: apt-get, dpkg-deb, tar, unzip, ffprobe. About 2.4 GB of .debs (0ad-data 1.3 GB).
# Env: DEB_CACHE=dir keeps the .debs (default: temp dir, deleted at exit).
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show xmoto-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get, fetch_rules

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
# label|package|container inside the .deb ('-' = plain file)|extended regex on the member path
music|extremetuxracer-data|-|/etr/music/(calmrace-ks|credits1-cp|freezingpoint|options1-jt|race1-jt|spunkyrace-ks|start1-jt)\.ogg$
music|xmoto-data|-|/xmoto/Textures/Musics/(MadeiraStew|batcave|foxrun|legolodio|menu|ridealong|speeditup)\.ogg$
music|frozen-bubble-data|-|/frozen-bubble/snd/(frozen-mainzik-[12]p|introzik)\.ogg$
music|gunroar-data|-|/gunroar/sounds/musics/gr[0-3]\.ogg$
music|glob2-data|-|/glob2/data/zik/(a[123]|menu)\.ogg$
music|widelands-data|-|/widelands/data/music/ingame_0[0-9]\.ogg$
music|naev-data|-|/naev/dat/snd/music/(agriculture|ambient[123]|empire1|intrigue|machina|peace[124]|sirius1|upbeat|zalek1)\.ogg$
music|asc-music|-|/asc/music/(frontiers|time_to_strike)\.mp3$
music|flare-game|-|/flare/mods/fantasycore/music/(cave|dungeon|forest|magical|overworld|safe_room|title|town)_theme\.ogg$
music|freedroidrpg-data|-|/freedroidrpg/data/sound/music/(Bleostrada|NewTutorialStage|Suspicion|TheBeginning|menu|temple|town|underground)\.ogg$
music|ufoai-music|usr/share/games/ufoai/base/0music.pk3|^music/(Crystan-Geosphere0[234]|David0[1-5]|PsymongN[123]|PsymongO[12]|dawn|greecei|space|karlmacklin_geoscape|van_geoscape)\.ogg$
music|0ad-data|usr/share/games/0ad/mods/public/public.zip|^audio/music/(Albian_Nocturne|Along_the_Nile|Ammon-Ra|Celtica|Eastern_Dreams|Elysian_Fields|Harvest_Festival|Highland_Mist|Karmic_Confluence|Mountain_Idyll|Sunrise|Taiko_[12]|The_Governor|Valley_of_the_Nile)\.ogg$
ambience|0ad-data|usr/share/games/0ad/mods/public/public.zip|^audio/ambient/building/(amb_trade_1[0-3]|amb_farm_1[01])\.ogg$
ambience|tuxfootball|-|/tuxfootball/sound/crowd(cheer|boo)\.wav$
ambience|redeclipse-data|-|/data/sounds/ambience/(distant_cars|hum)\.ogg$
ambience|ufoai-sound|usr/share/games/ufoai/base/0snd.pk3|^sound/ambience/(hum|hum2|machine1|droning_long|minepump03|tv_newswav|tv_static)\.ogg$
ambience|nexuiz-data|usr/share/games/nexuiz/data/data.pk3|^sound/(ambient/(fan4|transformer|machine1)\.ogg|desertfactory/ambient_loop\.wav)$
ambience|sonic-pi-samples|-|/sonic-pi/samples/ambi_(drone|glass_hum|haunted_hum)\.flac$
ambience|supertuxkart-data|-|/supertuxkart/data/sfx/(lenautile_restaurant|sara_airport_pa)\.ogg$
RULES_END

fetch_rules "$RULES" train
