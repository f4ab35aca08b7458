"""MPEG-V ColorCS colour names (ISO/IEC 23005-6, annex A.2.1) with their sRGB values.

The document stores the bare term (``"orange_web"``); the SEM writer prefixes
:data:`COLOR_CS_URN` (``urn:mpeg:mpeg-v:01-SI-ColorCS-NS:orange_web``).

The term list and RGB values are those of the ColorCS table as implemented by SEVino /
PlaySEM (``ClassificationScheme.java``, Waltl, Alpen-Adria-Universitaet Klagenfurt), which
mirror the standard's table (itself built from the Wikipedia "list of colors" names).
Note the scheme has no plain ``orange``: use ``orange_web`` (255,165,0) or
``orange_color_wheel`` (255,127,0); :func:`color_term` accepts a few common aliases.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

COLOR_CS_URN = "urn:mpeg:mpeg-v:01-SI-ColorCS-NS"

# name r g b — one term per line, the scheme's own spelling (some terms contain '-' or '/').
_TABLE = """
alice_blue 240 248 255
alizarin 227 38 54
amaranth 229 43 80
amaranth_pink 241 156 187
amber 255 191 0
amethyst 153 102 204
apricot 251 206 177
aqua 0 255 255
aquamarine 127 255 212
army_green 75 83 32
asparagus 123 160 91
atomic_tangerine 255 153 102
auburn 111 53 26
azure_color_wheel 0 127 255
azure_web 0 255 255
baby_blue 224 255 255
beige 245 245 220
bistre 61 43 31
black 0 0 0
blue 0 0 255
blue_pigment 51 51 153
blue_ryb 2 71 254
blue-green 0 223 223
blue-violet 138 43 226
bondi_blue 0 149 182
brass 181 166 66
bright_green 102 255 0
bright_pink 255 0 127
bright_turquoise 8 232 222
brilliant_rose 255 85 163
brink_pink 251 96 127
bronze 205 127 50
brown 150 75 0
buff 240 220 130
burgundy 128 0 32
burnt_orange 204 85 0
burnt_sienna 233 116 81
burnt_umber 138 51 36
camouflage_green 120 134 107
caput_mortuum 89 39 32
cardinal 196 30 58
carmine 150 0 24
carmine_pink 235 76 66
carnation_pink 255 166 201
carolina_blue 156 186 227
carrot_orange 237 145 33
celadon 172 225 175
cerise 222 49 99
cerise_pink 236 59 131
cerulean 0 123 167
cerulean_blue 42 82 190
champagne 247 231 206
charcoal 70 70 70
chartreuse_traditional 223 255 0
chartreuse_web 127 255 0
cherry_blossom_pink 255 183 197
chestnut 205 92 92
chocolate 123 63 0
cinnabar 227 66 52
cinnamon 210 105 30
cobalt 0 71 171
columbia_blue 155 221 255
copper 184 115 51
copper_rose 153 102 102
coral 255 127 80
coral_pink 248 131 121
coral_red 255 64 64
corn 251 236 93
cornflower_blue 100 149 237
cosmic_latte 255 248 231
cream 255 253 208
crimson 220 20 60
cyan 0 255 255
cyan_process 0 180 247
dark_blue 0 0 139
dark_brown 101 67 33
dark_cerulean 8 69 126
dark_chestnut 152 105 96
dark_coral 205 91 69
dark_goldenrod 184 134 11
dark_green 1 50 32
dark_khaki 189 183 107
dark_magenta 139 0 139
dark_pastel_green 3 192 60
dark_pink 231 84 128
dark_scarlet 86 3 25
dark_salmon 233 150 122
dark_slate_gray 47 79 79
dark_spring_green 23 114 69
dark_tan 145 129 81
dark_turquoise 0 206 209
dark_violet 148 0 211
deep_carmine_pink 239 48 56
deep_cerise 218 50 135
deep_chestnut 185 78 72
deep_fuchsia 193 84 193
deep_lilac 153 85 187
deep_magenta 204 0 204
deep_peach 255 203 164
deep_pink 255 20 147
denim 21 96 189
dodger_blue 30 144 255
ecru 194 178 128
egyptian_blue 16 52 166
electric_blue 125 249 255
electric_green_x11_green 0 255 0
electric_indigo 102 0 255
electric_lime 204 255 0
electric_purple 191 0 255
emerald 80 200 120
eggplant 97 64 81
falu_red 128 24 24
fern_green 79 121 66
firebrick 178 34 34
flax 238 220 130
forest_green 34 139 34
french_rose 246 74 138
fuchsia 255 0 255
fuchsia_pink 255 119 255
gamboge 228 155 15
gold_metallic 212 175 55
gold_web_golden 255 215 0
golden_brown 153 101 21
golden_yellow 255 223 0
goldenrod 218 165 32
grey-asparagus 70 89 69
green_color_wheel_x11_green 0 255 0
green_html/css_green 0 128 0
green_pigment 0 165 80
green_ryb 102 176 50
green-yellow 173 255 47
grey 128 128 128
han_purple 82 24 250
harlequin 63 255 0
heliotrope 223 115 255
hollywood_cerise 244 0 161
hot_magenta 255 0 204
hot_pink 255 105 180
indigo_dye 0 65 106
indigo_web 75 0 130
international_klein_blue 0 47 167
international_orange 255 79 0
islamic_green 0 153 0
ivory 255 255 240
jade 0 168 107
kelly_green 76 187 23
khaki 195 176 145
khaki_x11_light_khaki 240 230 140
lavender_floral 181 126 220
lavender_web 230 230 250
lavender_blue 204 204 255
lavender_blush 255 240 245
lavender_grey 196 195 221
lavender_magenta 238 130 238
lavender_pink 251 174 210
lavender_purple 150 120 182
lavender_rose 251 160 227
lawn_green 124 252 0
lemon 253 233 16
lemon_chiffon 255 250 205
light_blue 173 216 230
light_pink 255 182 193
lilac 200 162 200
lime_color_wheel 191 255 0
lime_web_x11_green 0 255 0
lime_green 50 205 50
linen 250 240 230
magenta 255 0 255
magenta_dye 202 31 23
magenta_process 255 0 144
magic_mint 170 240 209
magnolia 248 244 255
malachite 11 218 81
maroon_html/css 128 0 0
maroon_x11 176 48 96
maya_blue 115 194 251
mauve 224 176 255
mauve_taupe 145 95 109
medium_blue 0 0 205
medium_carmine 175 64 53
medium_lavender_magenta 204 153 204
medium_purple 147 112 219
medium_spring_green 0 250 154
midnight_blue 25 25 112
midnight_green_eagle_green 0 73 83
mint_green 152 255 152
misty_rose 255 228 225
moss_green 173 223 173
mountbatten_pink 153 122 141
mustard 255 219 88
myrtle 33 66 30
navajo_white 255 222 173
navy_blue 0 0 128
ochre 204 119 34
office_green 0 128 0
old_gold 207 181 59
old_lace 253 245 230
old_lavender 121 104 120
old_rose 192 128 129
olive 128 128 0
olive_drab 107 142 35
olivine 154 185 115
orange_color_wheel 255 127 0
orange_ryb 251 153 2
orange_web 255 165 0
orange_peel 255 160 0
orange-red 255 69 0
orchid 218 112 214
pale_blue 175 238 238
pale_brown 152 118 84
pale_carmine 175 64 53
pale_chestnut 221 173 175
pale_cornflower_blue 171 205 239
pale_magenta 249 132 229
pale_pink 250 218 221
pale_red-violet 219 112 147
papaya_whip 255 239 213
pastel_green 119 221 119
pastel_pink 255 209 220
peach 255 229 180
peach-orange 255 204 153
peach-yellow 250 223 173
pear 209 226 49
periwinkle 204 204 255
persian_blue 28 57 187
persian_green 0 166 147
persian_indigo 50 18 122
persian_orange 217 144 88
persian_red 204 51 51
persian_pink 247 127 190
persian_rose 254 40 162
persimmon 236 88 0
pine_green 1 121 111
pink 255 192 203
pink-orange 255 153 102
platinum 229 228 226
plum_web 204 153 204
powder_blue_web 176 224 230
puce 204 136 153
prussian_blue 0 49 83
psychedelic_purple 221 0 255
pumpkin 255 117 24
purple_html/css 128 0 128
purple_x11 160 92 240
purple_taupe 80 64 77
raw_umber 115 74 18
razzmatazz 227 11 92
red 255 0 0
red_pigment 237 28 36
red_ryb 254 39 18
red-violet 199 21 133
rich_carmine 215 0 64
robin_egg_blue 0 204 204
rose 255 0 127
rose_madder 227 38 54
rose_taupe 144 93 93
royal_blue 65 105 225
royal_purple 107 63 160
ruby 224 17 95
russet 128 70 27
rust 183 65 14
safety_orange_blaze_orange 255 102 0
saffron 244 196 48
salmon 255 140 105
sandy_brown 244 164 96
sangria 146 0 10
sapphire 8 37 103
scarlet 255 36 0
school_bus_yellow 255 216 0
sea_green 46 139 87
seashell 255 245 238
selective_yellow 255 186 0
sepia 112 66 20
shamrock_green 0 158 96
shocking_pink 252 15 192
silver 192 192 192
sky_blue 135 206 235
slate_grey 112 128 144
smalt_dark_powder_blue 0 51 153
spring_bud 167 252 0
spring_green 0 255 127
steel_blue 70 130 180
tan 210 180 140
tangerine 242 133 0
tangerine_yellow 255 204 0
taupe 72 60 50
tea_green 208 240 192
tea_rose_orange 248 131 194
tea_rose_rose 244 194 194
teal 0 128 128
tenny_tawny 205 87 0
terra_cotta 226 114 91
thistle 216 191 216
tomato 255 99 71
turquoise 48 213 200
tyrian_purple 102 2 60
ultramarine 18 10 143
ultra_pink 255 111 255
united_nations_blue 91 146 229
vegas_gold 197 179 88
vermilion 227 66 51
violet 139 0 255
violet_web 238 130 238
violet_ryb 2 71 54
viridian 64 130 109
wheat 245 222 179
white 255 255 255
wisteria 201 160 220
yellow 255 255 0
yellow_process 255 239 0
yellow_ryb 254 254 51
yellow-green 154 205 50
"""


def _parse(table: str) -> dict[str, tuple[int, int, int]]:
    out: dict[str, tuple[int, int, int]] = {}
    for line in table.strip().splitlines():
        name, r, g, b = line.split()
        out[name] = (int(r), int(g), int(b))
    return out


#: ColorCS term -> (r, g, b) in 0..255, in the scheme's order.
COLOR_TERMS: dict[str, tuple[int, int, int]] = _parse(_TABLE)

#: Everyday names that are not ColorCS terms, mapped to the term a user most likely means.
ALIASES: dict[str, str] = {
    "orange": "orange_web",
    "green": "green_html/css_green",
    "gray": "grey",
    "purple": "purple_html/css",
    "maroon": "maroon_html/css",
    "lime": "lime_web_x11_green",
    "gold": "gold_web_golden",
    "indigo": "indigo_web",
    "navy": "navy_blue",
}


def is_color_term(name: str) -> bool:
    """True if ``name`` (bare or with the ColorCS URN prefix) is a ColorCS term."""
    return _strip_urn(name) in COLOR_TERMS


def color_term(name: str) -> str:
    """The ColorCS term for a bare term, a URN, an alias (``"orange"``) or ``"#rrggbb"``.

    Raises ``KeyError`` with the closest term names when nothing matches.
    """
    key = _strip_urn(name.strip())
    if key in COLOR_TERMS:
        return key
    low = key.lower().replace(" ", "_")
    if low in COLOR_TERMS:
        return low
    if low in ALIASES:
        return ALIASES[low]
    if low.startswith("#") and len(low) == 7:
        try:
            rgb = tuple(int(low[i : i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            pass
        else:
            return nearest_color_term(rgb)  # type: ignore[arg-type]
    close = [t for t in COLOR_TERMS if low and (low in t or t in low)][:6]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"{name!r} is not an MPEG-V ColorCS colour term{hint}")


def color_rgb(name: str) -> tuple[int, int, int]:
    """RGB (0..255) of a ColorCS term or alias."""
    return COLOR_TERMS[color_term(name)]


def _strip_urn(name: str) -> str:
    prefix = COLOR_CS_URN + ":"
    return name[len(prefix):] if name.startswith(prefix) else name


def _srgb_to_lab(rgb: Iterable[float]) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour given in 0..255."""
    lin = []
    for c in rgb:
        c = min(max(float(c), 0.0), 255.0) / 255.0
        lin.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = lin
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def srgb_to_lab_array(rgb: np.ndarray) -> np.ndarray:
    """:func:`_srgb_to_lab` of ``[..., 3]`` sRGB colours in 0..255 at once (the same formulas)."""
    c = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 255.0) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = lin[..., 0], lin[..., 1], lin[..., 2]
    xyz = np.stack([(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
                    0.2126 * r + 0.7152 * g + 0.0722 * b,
                    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883], axis=-1)
    f = np.where(xyz > 216 / 24389, np.maximum(xyz, 0.0) ** (1 / 3), (24389 / 27 * xyz + 16) / 116)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


_LAB = {name: _srgb_to_lab(rgb) for name, rgb in COLOR_TERMS.items()}
_LAB_NAMES = list(_LAB)
_LAB_ARRAY = np.array([_LAB[name] for name in _LAB_NAMES], dtype=np.float64)


def nearest_color_term(rgb: Iterable[float], candidates: Iterable[str] | None = None) -> str:
    """The ColorCS term perceptually closest to ``rgb`` (three numbers in 0..255).

    Distance is CIE76 (Euclidean in L*a*b*), so a dark orange maps to a brown/orange term
    rather than to whatever is nearest in raw RGB.  ``candidates`` restricts the search
    (e.g. to a device's palette).  Ties go to the term listed first in the scheme.
    """
    vals = [float(v) for v in rgb]
    if len(vals) != 3 or not all(math.isfinite(v) for v in vals):
        raise ValueError(f"expected three finite RGB components, got {vals!r}")
    lab = _srgb_to_lab(vals)
    if candidates is None:  # all terms: one vectorised distance (same sums, first minimum wins)
        d = ((_LAB_ARRAY[:, 0] - lab[0]) ** 2 + (_LAB_ARRAY[:, 1] - lab[1]) ** 2
             + (_LAB_ARRAY[:, 2] - lab[2]) ** 2)
        return _LAB_NAMES[int(np.argmin(d))]
    names = list(candidates)
    best, best_d = None, math.inf
    for name in names:
        ref = _LAB[color_term(name)]
        d = (lab[0] - ref[0]) ** 2 + (lab[1] - ref[1]) ** 2 + (lab[2] - ref[2]) ** 2
        if d < best_d:
            best, best_d = color_term(name), d
    if best is None:
        raise ValueError("no candidate colour terms given")
    return best
