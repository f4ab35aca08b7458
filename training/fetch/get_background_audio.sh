#!/usr/bin/env bash
# get_background_audio.sh OUT_DIR
# Fetches BACKGROUND recordings (none of the 7 scene labels) from the same Debian 12 game-data
# packages as ../shared/data/get_scene_audio.sh, so the shipped model learns to stay silent on
# footsteps, voices, UI blips, music, engines, birds, doors, crowds...
# Output: OUT_DIR/train/background/<package>__<flattened path>.<ext>, OUT_DIR/manifest.tsv
# (same columns as the scene corpus: split label package source duration_s), OUT_DIR/licenses/.
# Selection is by file name only (no listening): every rule below lists names checked one by one
# against the package listings; anything whose name suggests wind, storm, thunder, rain, water,
# sea, waves, fire, flames, lava, smoke, explosions, bombs, grenades, guns, shots or lasers is
# left out (e.g. warmux voices/fire*.ogg, hedgewars voices "Fire"/"Grenade"/"Kamikaze", stk
# rain/thunder/waterfall/river/splash/explosion/fireworks, minetest water/lava/fire/tnt).
# Which package ends up in validation is decided by the data build (scripts/model2: test packages in training/film.py, folds by training.film.assign_folds),
# not here. Needs: apt-get, dpkg-deb, tar, ffprobe. Env: DEB_CACHE=dir keeps the .debs.
set -euo pipefail
OUT=${1:?usage: $0 OUT_DIR}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
D=${DEB_CACHE:-$W/debs}; mkdir -p "$D" "$OUT/licenses"
apt-cache show teeworlds-data >/dev/null 2>&1 || apt-get update -qq

. "$(dirname "$0")/rules_lib.sh"  # get

RULES=$W/rules; cat > "$RULES" <<'RULES_END'
# package|extended regex on the member path (plain files inside the .deb)
teeworlds-data|/data/audio/(foley_[a-z_]+|hook_[a-z]+|sfx_(ctf|hit|msg|pickup|skid|spawn)[a-z_-]*|vo_teefault_[a-z_]+|wp_(hammer|ninja|noammo|switch)[a-z_]*|music_menu)(-[0-9]+)?\.wv$
hedgewars-data|/Data/Music/(Art|Brick|City|Compost|EarthRise|Freeway|Fruit|Golf|Olympics|Rock|Sheep|bath|main_theme|oriental|pirate|sdmusic)\.ogg$
hedgewars-data|/Data/Sounds/([1-9][A-G]|BirdyLay|CollectCrate|Kiss|Whistle|Yoohoo|bee|beep|bump|countdown[1-4]|denied|extratime|hammer|hogchant3|homerun|lowgravity|parachute|placed|rubberduck_(die|drop)|shutterclick|skip|steps|switchhog|throwpowerup|throwrelease|ufo)\.ogg$
hedgewars-data|/Data/Sounds/voices/(British|Pirate|Mobster)/(Amazing|Boring|Brilliant|Bugger|Byebye|Comeonthen|Coward|Cutitout|Drat|Enemydown|Excellent|Flawless|Hello|Hmm|Hurry|Illgetyou|Jump[123]|Justyouwait|Laugh|Leavemealone|Melon|Missed|Nooo|Nutter|Ohdear|Ooff[123]|Oops|Ouch|Ow[1-4]|Reinforcements|Revenge|Sameteam|Solong|Stupid|Thisoneismine|Traitor|Uh-oh|Victory|Watchit|Watchthis|Whatthe|Yessir|Youllregretthat)\.ogg$
freecol|/freecol/default/resources/(music/default/(founders|musicbox|settlers-routine|sunrise)|sound/anthem/[a-z]+|sound/event/(alert|building|colony|illegal|load|mission|sell)|sound/meet/(aztec|sioux))\.ogg$
supertuxkart-data|/supertuxkart/data/sfx/(WilhelmScream|airplane_jetEngine|anvil|appear|ball_bounce|boing|bowling_roll|car_accel|car_revup|clock|energy_bar_full|engine_large|engine_small|exotic-birds(_2)?|gnu_flute|goal_scored|gp_end|grab_collectable|hammer|horn|jump|last_lap_fanfare|lenautile_restaurant|locked|machine_sound|metal_clang|pre_start_race|race_finish|sara_airport_pa|skid|start_race|swap|track_intro|ugh|wee|wooden_bridge)\.ogg$
supertuxkart-data|/supertuxkart/data/(library/stklib_steamLocomotive_a/steamLocomotive|music/(celtic|farm|garden|hacienda|menutheme|overworld|race_summary|valley|West|Penguin_Party))\.ogg$
warmux-data|/warmux/music/ingame/[^/]+\.ogg$
warmux-data|/warmux/sound/default/misc/(box_[a-z_]+|cancel|change_weapon|character_change|clic|countdown-endturn|end_turn|error|frog_music|newcomer|ok|sherif|skip_turn|start_turn|step|victory|weapon_hide|weapon_show)\.ogg$
warmux-data|/warmux/sound/default/voices/(backjump|death[1-5]|happy1|injured_[a-z]+[1-5]|jump|out|superjump|theme[1-9])\.ogg$
warmux-data|/warmux/sound/default/weapons/(airhammer_used|baseball|construct|grapple_[a-z]+|jetpack|load|mine_beep|slap|syringe|teleport_(land|start))\.ogg$
minetest-data|/minetest_game/mods/default/sounds/default_(break_glass|chest_(open|close)|dig_[a-z_]+|dug_[a-z_]+|(dirt|glass|grass|gravel|hard|ice|metal|sand|snow|wood)_footstep|gravel_(dig|dug)|ice_(dig|dug)|place_node[a-z_]*|tool_breaks)(\.[0-9])?\.ogg$
minetest-data|/minetest_game/mods/(doors/sounds/doors_[a-z_]+|carts/sounds/carts_cart_moving(\.[0-9])?)\.ogg$
RULES_END

: > "$W/man"
for pkg in $(grep -v '^#' "$RULES" | cut -d'|' -f1 | awk '!s[$0]++'); do
  deb=$(get "$pkg"); X=$W/x; rm -rf "$X"; mkdir -p "$X"
  rx=$(grep "^$pkg|" "$RULES" | cut -d'|' -f2- | sed 's/.*/(&)/' | paste -sd'|')
  mapfile -t want < <( { dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E "$rx"; echo "./usr/share/doc/$pkg/copyright"; } | sort -u)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$X" "${want[@]}"
  cp "$X/usr/share/doc/$pkg/copyright" "$OUT/licenses/$pkg.copyright"
  mkdir -p "$OUT/train/background"; n=0
  for f in "${want[@]}"; do
    f=${f#./}; [[ $f == usr/share/doc/* ]] && continue
    [ -f "$X/$f" ] || continue   # symlinks to other packages' files are skipped
    name=$(printf '%s' "$f" | sed -e 's#^usr/share/games/##' -e 's#^usr/share/##' -e 's#[^A-Za-z0-9._-]#_#g')
    cp "$X/$f" "$OUT/train/background/${pkg}__$name"
    d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$X/$f" </dev/null 2>/dev/null || echo NA)
    printf 'train\tbackground\t%s\t%s\t%s\n' "$pkg" "$f" "$d" >> "$W/man"; n=$((n+1))
  done
  echo "$pkg: $n background files" >&2
done
{ printf 'split\tlabel\tpackage\tsource\tduration_s\n'; cat "$W/man"; } > "$OUT/manifest.tsv"
