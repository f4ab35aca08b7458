"""MPEG-V classification-scheme terms other than colours (ISO/IEC 23005-6 annex A.2).

* LocationCS (A.2.2): a location is ``"<x>:<y>:<z>"`` with x in left, centerleft, center,
  centerright, right; y in bottom, middle, top; z in back, midway, front; ``*`` meaning
  "everywhere" on that axis.  The URN form is ``urn:mpeg:mpeg-v:01-SI-LocationCS-NS:<x>:<y>:<z>``.
* ScentCS (A.2.3): scent names as listed by the SEVino / PlaySEM implementations of the
  scheme (the 2nd edition list; the 1st edition had only the first nine).
* SprayingTypeCS (A.2.6): ``water``.

The document stores bare terms; the SEM writer adds the URN prefixes below.
"""

from __future__ import annotations

LOCATION_CS_URN = "urn:mpeg:mpeg-v:01-SI-LocationCS-NS"
SCENT_CS_URN = "urn:mpeg:mpeg-v:01-SI-ScentCS-NS"
SPRAYING_TYPE_CS_URN = "urn:mpeg:mpeg-v:01-SI-SprayingTypeCS-NS"

LOCATION_X = ("left", "centerleft", "center", "centerright", "right", "*")
LOCATION_Y = ("bottom", "middle", "top", "*")
LOCATION_Z = ("back", "midway", "front", "*")

SPRAYING_TYPES = ("water",)

SCENT_TERMS: frozenset[str] = frozenset(
    """
rose acacia chrysanthemum lilac mint jasmine pine_tree orange grape almonds amaretto
apples_green apples_red bacon bacon_smokey banana banana_splits basil_herd beef blackcurrant
boiled_cabbage brandy bread bubble_gum cake_shop candy_floss caramel_toffee carrot celery cherry
chicken coconut chocolate_dark chocolate_orange christmas_apple christmas_pudding cinnamon
coffee_chocolate coffee_cream cola confectionary cookie coriander crusty_bread curry fishmarket
fruit_cake fruit_punch_br_fruity_sweets garden_mint garlic gingerbread grannies_kitchen grapefruit
herbs_mixed herring honey hot_apple_pie irish_cream jambalaya jelly_babies kiwi_fruit lime_splash
liquorice mango_delight melon mint_chocolate mulled_wine nutmeg onion orange_cupcake orange_nf
passion_fruit peach_flesh pear_drops peppermint pina_colada pineapple popcorn raspberry
raspberry_ripples rhubarb rosemary rum smoked_fish spices_mixed stir_fry strawberry
sugar_spice_christmas_aroma sweet_sherry tangerine tea_leaf thai_curry toffee_apple tomato_plant
watermelon whisky wine_oak_cask vanilla whisky_scotch alpine_laundry_powder alpine amulet aquawave
aristocrat baby_powder beauty_soap bergamot boiler_room bouquet brewery burning_peat burnt_wood
cannon carnation caribbean_holiday carbolic_soap cedar_wood chamomile christmas_berries
christmas_tree christmas_time church_incense cloisters clinic_hospital coal_face coal_fire coal_gas
cocomango cuban_cigar_smoke cut_grass deep_heat dentist-clove_oil dinosaur dirty_linen
dragons_breath dressing_room_football eau_de_cologne eucalyptus eau_de_cologne_factory farmyard
factory fish_market flatulence footie_pitch forest fox freesia fresh_air frosty golden_one
grass_hay gun_smoke havana_cigar hawaiian heather_bracken honeysuckle hospital_modern_day hyacinth
incense iron_smelting jaguar_spray japanese_pow lavender leather_cream leather_hide
lemon_eucalyptus_mint machine_oil mahogany man_o_war manure_br_methane modern_day_hospital
mountain_heather mummy_egyptian musty oak old_drifter_ship old_inn old_river old_smithy out_at_sea
ozone peat pencil_wood_shavings peony phosgene_gas pine pineapple_plantation pine_heather_peat
pit_ponies polish-wax pot-pourri riverbank river_tropics rope_tar rosewood rubbish_acrid sandalwood
sandalwood_basil sea_breeze sea_shore sheba ships_cannon snowdrop sports_changing_room
stables_horses stars_dressing_room steam_oil_ships steam_oil_trains street_1930s street_bomb
sun_sand_coconut swamp sweaty_feet sweet_peas tobacco_leaf train_smoke trophy_room tropical
tropical_rain_forest unisex_perfume urine usa_swamp victorian_lavender violets volcano vomit
wallflower washday wild_stag wine_cask-oak wisteria woodsmoke ylang_jasmin_myrrh yuletide
african_rain allegria amber apple_green asafoetida autumn_fields autumn_harvest balsam_fir
balsam_fir_needle barnyard beer benzoin birch_tar birthday_cake blueberry_cobbler bouquet_of_roses
buchu burning_rubber cactus_flower cade campfire campfire_smoke camphor caribbean_night cedar
champagne_strawberries chanel_no5_type chocolate christmas_cookies clean_cotton cotton_candy
creme_brule cypress_grove dumpster dung easter_lillies egg_nog_2 eucalyptus_dives evergreen exhaust
fish forest_rain forget-me-not frangipani french_fries fresh_bread fresh_cut_grass fresh_laundry
frying_bacon fudge_brownie gardenia grandmas_attic halloween_greasepaint hawaian_treat
indian_summer jet_fuel juniper_berry leather lotus mango_mandarin maple_syrup mildew mother_earth
musk new_mown_grass_2 new_mown_grass_3 oak_moss open_fireplace palmarosa pancakes_maple_syrup
patchouli pecan_pie rain_forest rich_potting_soil roasted_chicken sage_dalmatian seaweed
spanish_moss spring_bouquet suntan thyme_borneol tomato_vine tuberose violet warming_ginger
ylang_ylang
""".split()
)


def location_term(x: str = "*", y: str = "*", z: str = "*") -> str:
    """A LocationCS term from its three axes, e.g. ``location_term("left", z="front")``."""
    term = f"{x}:{y}:{z}"
    if not is_location_term(term):
        raise ValueError(f"{term!r} is not an MPEG-V LocationCS term (x:y:z)")
    return term


def is_location_term(term: str) -> bool:
    """True for ``"<x>:<y>:<z>"`` with valid axis values (URN prefix allowed)."""
    if term.startswith(LOCATION_CS_URN + ":"):
        term = term[len(LOCATION_CS_URN) + 1 :]
    parts = term.split(":")
    return (
        len(parts) == 3
        and parts[0] in LOCATION_X
        and parts[1] in LOCATION_Y
        and parts[2] in LOCATION_Z
    )


def is_scent_term(term: str) -> bool:
    """True if ``term`` (bare or with the ScentCS URN) is a known ScentCS term."""
    if term.startswith(SCENT_CS_URN + ":"):
        term = term[len(SCENT_CS_URN) + 1 :]
    return term in SCENT_TERMS
