"""What the real players need, pinned without the players (CI cannot fetch them).

The tables below were read from the players' sources (TeleMidia/ginga lib/Parser.cpp and
lib/Player.cpp, marinaivanov/ginga-mulsemedia lib/Parser.cpp and lib/EffectPlayerLight.cpp,
estevaosaleme/PlaySEM_SERenderer MPEGVSEMParser.java and MockLightDevice.java); the results of
the players themselves on the demo export are in docs/formats.md.
"""

from __future__ import annotations

import re

import pytest
from fmt_samples import sample_doc
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from mulse_author.document import MediaRef, Segment, TimelineDocument
from mulse_author.formats import validate
from mulse_author.formats.export import export_document
from mulse_author.formats.ncl_writer import build_ncl
from mulse_author.formats.sem_writer import build_sem
from mulse_author.mpegv.colors import color_rgb

# Ginga's parser: element -> (parents it accepts, attributes it knows).  Anything else is refused.
GINGA = {
    "ncl": ({None}, {"id", "title", "schemaLocation", "xmlns"}),
    "head": ({"ncl"}, set()),
    "regionBase": ({"head"}, {"id", "device", "region"}),
    "region": ({"region", "regionBase"},
               {"id", "title", "left", "right", "top", "bottom", "height", "width", "zIndex"}),
    "descriptorBase": ({"head"}, {"id"}),
    "descriptor": ({"descriptorBase"}, {
        "id", "player", "explicitDur", "region", "freeze", "moveLeft", "moveRight", "moveUp", "moveDown",
        "focusIndex", "focusBorderColor", "focusBorderWidth", "focusBorderTransparency", "focusSrc", "focusSelSrc",
        "selBorderColor", "transIn", "transOut", "left", "right", "top", "bottom", "height", "width", "zIndex"}),
    "connectorBase": ({"head"}, {"id"}),
    "causalConnector": ({"connectorBase"}, {"id"}),
    "simpleCondition": ({"causalConnector", "compoundCondition"},
                        {"role", "eventType", "key", "transition", "delay", "min", "max", "qualifier"}),
    "simpleAction": ({"causalConnector", "compoundAction"}, {
        "role", "eventType", "actionType", "duration", "value", "delay", "min", "max", "qualifier", "repeat",
        "repeatDelay", "by"}),
    "body": ({"ncl"}, {"id"}),
    "port": ({"body", "context"}, {"id", "component", "interface"}),
    "media": ({"body", "context", "switch"}, {"id", "src", "type", "descriptor", "refer", "instance"}),
    "area": ({"media"}, {"id", "begin", "end", "label"}),
    "property": ({"body", "context", "media"}, {"name", "value"}),
    "link": ({"body", "context"}, {"id", "xconnector"}),
    "bind": ({"link"}, {"role", "component", "interface"}),
}
# Ginga's Player property table and aliases: names it interprets (and checks) on any media.
GINGA_PLAYER_PROPS = {
    "background", "balance", "bass", "bottom", "bounds", "debug", "duration", "focusIndex", "focusBorderColor",
    "focusBorderWidth", "focusBorderTransparency", "selBorderColor", "fontBgColor", "fontColor", "fontFamily",
    "fontSize", "fontStyle", "fontVariant", "fontWeight", "freeze", "freq", "remotePlayerBaseURL", "height",
    "horzAlign", "left", "location", "mute", "right", "size", "speed", "currentTime", "time", "top",
    "transparency", "treble", "vertAlign", "visible", "volume", "wave", "width", "zIndex", "zOrder", "uri", "type",
    "backgroundColor", "balanceLevel", "bassLevel", "explicitDur", "soundLevel", "rate", "trebleLevel",
}
# ginga-mulsemedia's parser (NCL 4.0): the effect-related entries of its syntax table.
GM_DESCRIPTOR = {"id", "left", "right", "top", "bottom", "height", "width", "zIndex", "region", "explicitDur",
                 "freeze", "moveLeft", "moveRight", "moveUp", "moveDown", "focusIndex", "focusBorderColor",
                 "focusBorderWidth", "focusBorderTransparency", "focusSrc", "focusSelSrc", "selBorderColor",
                 "player", "transIn", "transOut", "activate", "intensityValue", "intensityRange", "scent", "color"}
GM_REGION = {"id", "title", "left", "right", "top", "bottom", "height", "width", "zIndex", "azimuthal", "polar",
             "location"}
GM_EFFECT = {"id", "type", "descriptor"}
GM_COLOR_NAMES = {"red", "blue", "green", "yellow", "bluesky", "darkGreen", "orange", "purple"}
GM_ATOI_TYPES = {"LightType", "ScentType", "FlashType"}

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def demo_like(video="/videos/demo.mp4") -> TimelineDocument:
    """The demo's shapes: zone lights from 0 s, an unlocated light over them, colourless
    flashes (one 1 ms), heat and water PlaySEM cannot render, touching segments."""
    doc = TimelineDocument(MediaRef(video, 36_000, 25.0, 640, 360))
    doc.add([
        Segment("Light", 0, 9000, 0.54, color="russet", location="center:*:front"),
        Segment("Light", 0, 9000, 0.39, color="auburn", location="left:*:front"),
        Segment("Light", 0, 9000, 0.40, color="auburn", location="right:*:front"),
        Segment("Light", 93, 5991, 0.20, color="orange_web"),
        Segment("Temperature", 93, 5991, 0.2),
        Segment("Light", 9000, 18000, 0.25, color="purple_taupe", location="left:*:front"),
        Segment("Light", 9000, 18000, 0.25, color="purple_taupe", location="center:*:front"),
        Segment("Flash", 11000, 11120, 1.0),
        Segment("Spraying", 11889, 17740, 0.35),
        Segment("Flash", 16021, 17021, 0.61, color="orange_web"),
        Segment("Light", 18000, 27000, 0.71, color="persian_green", location="right:*:front"),
        Segment("Wind", 18400, 26900, 0.47, location="*:*:front"),
        Segment("Flash", 29393, 29400, 0.68, color="white"),
        Segment("Flash", 29400, 29401, 0.92),
        Segment("Flash", 29401, 29480, 0.68, color="white"),
        Segment("Flash", 35900, 36000, 0.9),
    ])
    return doc


DOCS = {"sample": sample_doc, "demo_like": demo_like}


# ----------------------------------------------------------------------------------- Ginga
@pytest.mark.parametrize("name", DOCS)
@pytest.mark.parametrize("target", ["ginga", "webncl"])
def test_ncl30_uses_only_what_gingas_parser_accepts(name, target):
    root = build_ncl(DOCS[name](), target=target).getroot()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments are skipped by Ginga's parser
        tag = etree.QName(el).localname
        assert tag in GINGA, f"<{tag}> is refused by Ginga"
        parents, attrs = GINGA[tag]
        parent = etree.QName(el.getparent()).localname if el.getparent() is not None else None
        assert parent in parents, f"<{tag}> inside <{parent}>"
        assert set(el.attrib) <= attrs, f"<{tag}> attributes {set(el.attrib) - attrs} unknown to Ginga"
    assert root.nsmap == {None: "http://www.ncl.org.br/NCL3.0/EDTVProfile"}


@pytest.mark.parametrize("name", DOCS)
def test_effect_media_carry_no_player_property_names(name):
    root = build_ncl(DOCS[name]()).getroot()
    effects = [m for m in root.iter("{*}media") if (m.get("type") or "").startswith("application/x-sensory-effect-")]
    assert effects
    names = {p.get("name") for m in effects for p in m.iter("{*}property")}
    assert not names & GINGA_PLAYER_PROPS, names & GINGA_PLAYER_PROPS
    assert "effectLocation" in names


def test_ncl_drops_attrs_that_would_become_layout_properties():
    doc = sample_doc()
    s = doc.segments()[0]
    doc.update(s.id, attrs={"ncl:location": "1,2", "ncl:left": "10%", "ncl:": "x", "ncl:bad name": "x",
                            "ncl:mine": "ok"})
    warnings = []
    root = build_ncl(doc, warnings=warnings).getroot()
    names = [p.get("name") for p in root.iter("{*}property")]
    assert "mine" in names and not {"location", "left", "", "bad name"} & set(names)
    assert sum(s.id in w and "dropped" in w for w in warnings) == 3  # location is the segment's own field


def _links(root):
    out = {}
    for link in root.iter("{*}link"):
        cond, action = list(link.iter("{*}bind"))
        out.setdefault((action.get("component"), action.get("role")), []).append(cond)
    return out


@pytest.mark.parametrize("name", DOCS)
@pytest.mark.parametrize("target", ["ginga", "webncl"])
def test_every_effect_is_started_and_stopped_once_and_those_at_0s_by_the_video(name, target):
    root = build_ncl(DOCS[name](), target=target).getroot()
    areas = {a.get("id"): a for a in root.iter("{*}area")}
    links = _links(root)
    effects = [m.get("id") for m in root.iter("{*}media") if m.get("id") != "video"]
    assert effects
    zero = 0
    for fx in effects:
        (start,), (stop,) = links[(fx, "start")], links[(fx, "stop")]
        assert start.get("role") == "onBegin" and stop.get("role") == "onEnd"
        assert start.get("component") == "video" and stop.get("component") == "video"
        end_area = areas[stop.get("interface")]
        if end_area.get("begin") == "0.000s":
            zero += 1
            assert start.get("interface") is None  # WebNCL fires 0 s areas only while loading
        else:
            assert start.get("interface") == stop.get("interface")
    assert zero == (3 if name == "demo_like" else 1)


def test_webncl_target_gives_short_effects_a_playable_length():
    doc = demo_like()
    root = build_ncl(doc, target="webncl").getroot()
    lengths = [float(a.get("end")[:-1]) - float(a.get("begin")[:-1]) for a in root.iter("{*}area")]
    assert min(lengths) >= 0.3 - 1e-9
    assert max(float(a.get("end")[:-1]) for a in root.iter("{*}area")) <= 36.0
    plain = build_ncl(doc).getroot()
    assert min(float(a.get("end")[:-1]) - float(a.get("begin")[:-1]) for a in plain.iter("{*}area")) < 0.01


@pytest.mark.parametrize("target", ["ginga", "webncl"])
def test_ncl30_targets_stay_xsd_valid(tmp_path, schema_root, target):
    out = tmp_path / "d.ncl"
    export_document(demo_like(), out, "ncl", target=target)
    assert not [i for i in validate(out, schema_root) if i.is_error]


# ------------------------------------------------------------------------- ginga-mulsemedia
@pytest.mark.parametrize("name", DOCS)
def test_ncl40_fits_ginga_mulsemedias_parser(name):
    root = build_ncl(DOCS[name](), profile="4.0").getroot()
    effects = list(root.iter("{*}effect"))
    assert effects
    descriptors = {d.get("id"): d for d in root.iter("{*}descriptor")}
    regions = {r.get("id"): r for r in root.iter("{*}region")}
    for d in descriptors.values():
        assert set(d.attrib) <= GM_DESCRIPTOR, set(d.attrib) - GM_DESCRIPTOR
    for r in regions.values():
        assert set(r.attrib) <= GM_REGION
    for e in effects:
        assert set(e.attrib) <= GM_EFFECT
        d = descriptors[e.get("descriptor")]
        if d.get("color") is not None:
            c = d.get("color")
            assert c in GM_COLOR_NAMES or re.fullmatch(r"\d{1,3},\d{1,3},\d{1,3}", c), c
        if e.get("type") in GM_ATOI_TYPES:
            assert re.fullmatch(r"\d+", d.get("intensityValue")), d.get("intensityValue")
        assert re.fullmatch(r"\[[-\d.]+,[-\d.]+\]", d.get("intensityRange"))


def test_ncl40_keeps_exact_values_where_its_player_does_not_look():
    from mulse_author.formats.ncl_reader import parse_ncl_tree

    doc = demo_like()
    doc.add(Segment("Light", 30000, 31000, 0.54377, color="russet", location="left:*:*", id="exact"))
    root = build_ncl(doc, profile="4.0").getroot()
    (fx,) = [e for e in root.iter("{*}effect") if e.get("id") == "fx_exact"]
    (desc,) = [d for d in root.iter("{*}descriptor") if d.get("id") == fx.get("descriptor")]
    props = {p.get("name"): p.get("value") for p in fx.iter("{*}property")}
    assert desc.get("intensityValue") == "544" and props["intensityExact"] == "543.77"
    assert desc.get("color") == "%d,%d,%d" % color_rgb("russet") and props["colorTerm"] == "russet"
    assert props["intensityUnit"] == "lux"
    segs, issues, _, dur = parse_ncl_tree(etree.ElementTree(root))
    assert dur == 36_000
    key = lambda s: (s.start_ms, s.end_ms, s.effect, s.location or "")  # noqa: E731
    for a, b in zip(sorted(doc.segments(), key=key), sorted(segs, key=key)):
        assert key(a) == key(b) and a.color == b.color and abs(a.intensity - b.intensity) < 1e-5


# ------------------------------------------------------------------------------------ SEM
@pytest.mark.parametrize("name", DOCS)
@pytest.mark.parametrize("target", ["mpegv", "playsem"])
def test_every_sem_light_on_carries_a_colour(name, target):
    root = build_sem(DOCS[name](), target=target).getroot()
    ons = [e for e in root.iter("{*}Effect") if e.get("activate") == "true"
           and e.get("{http://www.w3.org/2001/XMLSchema-instance}type") in ("sev:FlashType", "sev:LightType")]
    assert ons
    for e in ons:
        if e.get("{http://www.w3.org/2001/XMLSchema-instance}type") == "sev:FlashType" or target == "playsem":
            assert e.get("color", "").startswith("urn:mpeg:mpeg-v:01-SI-ColorCS-NS:")


@pytest.mark.parametrize("target", ["mpegv", "playsem"])
def test_sem_targets_stay_xsd_valid(tmp_path, schema_root, target):
    out = tmp_path / "d.sem"
    export_document(demo_like(), out, "sem", target=target)
    assert not [i for i in validate(out, schema_root) if i.is_error]


class PlaySem:
    """PlaySEM SER's light path as its source has it: MPEGVSEMParser pairs on/off by the
    effect's class name alone (an "on" or "off" ends the FIRST running effect of that name,
    sending "all LEDs off" 1 ms early), a colourless light is RGB 0,0,0, an effect at intensity
    0 is never switched on; MockLightDevice lights 0-11 (left), 12-47 (center), 48-59 (right)
    or all 60 by a prefix match on the location URN."""

    ZONES = {"left": range(0, 12), "center": range(12, 48), "right": range(48, 60)}
    LOC = "urn:mpeg:mpeg-v:01-SI-LocationCS-NS:"

    def __init__(self, root):
        si = "{urn:mpeg:mpeg21:2003:01-DIA-XSI-NS}"
        ts = int(root.get(si + "timeScale"))
        open_: list[list] = []  # [name, is_open]
        self.messages: list[tuple[int, int, tuple[int, ...], tuple[int, int, int]]] = []  # (ms, seq, leds, rgb)
        effects = []
        for el in root:
            tag = etree.QName(el).localname
            if tag == "Effect":
                effects.append((el, el.get(si + "pts")))
            elif tag == "GroupOfEffects":
                effects += [(e, el.get(si + "pts")) for e in el if etree.QName(e).localname == "Effect"]
        for el, pts in effects:
            name = el.get("{http://www.w3.org/2001/XMLSchema-instance}type").split(":")[-1]
            if name not in ("LightType", "FlashType"):
                continue
            t = int(int(pts) / ts * 1000)
            for rec in open_:
                if rec[0] == name and rec[1]:
                    rec[1] = False
                    self._send(t - 1, None, (0, 0, 0))
                    break
            if el.get("activate") == "true":
                open_.append([name, True])
                value = float(el.get("intensity-value", "0"))
                lo, hi = (float(x) for x in el.get("intensity-range", "0 0").split())
                if value > 0 and lo <= value <= hi:
                    color = el.get("color")
                    rgb = color_rgb(color.rsplit(":", 1)[-1]) if color else (0, 0, 0)
                    self._send(t, el.get("location"), rgb)

    def _send(self, ms, location, rgb):
        leds = tuple(range(60))
        if location:
            rest = location[len(self.LOC):] if location.startswith(self.LOC) else ""
            for z, r in self.ZONES.items():
                if rest.startswith(z):
                    leds = tuple(r)
                    break
        self.messages.append((ms, len(self.messages), leds, rgb))

    def zone_states(self, times):
        """{time: {zone: rgb}} as the device shows at each time in ``times`` (sorted)."""
        msgs = sorted(self.messages)
        leds = [(0, 0, 0)] * 60
        out, k = {}, 0
        for t in times:
            while k < len(msgs) and msgs[k][0] <= t:
                for i in msgs[k][2]:
                    leds[i] = msgs[k][3]
                k += 1
            out[t] = {z: leds[r[0]] for z, r in self.ZONES.items()}
        return out


def _zone_of(location):
    x = location.split(":")[0] if location else "*"
    return next((z for z in ("left", "center", "right") if x.startswith(z)), None)  # None: all zones


def desired_zones(doc, t):
    """{zone: colour term or None}: the located light in that zone wins over an unlocated one."""
    on = [s for s in doc.segments()
          if s.effect in ("Light", "Flash") and s.start_ms <= t < s.end_ms and s.intensity > 0]
    out = {}
    for z in ("left", "center", "right"):
        pick = [s for s in on if _zone_of(s.location) == z] or [s for s in on if _zone_of(s.location) is None]
        out[z] = (pick[0].color or "white") if pick else None
    return out


def check_playsem(doc, root):
    """Times where PlaySEM shows a zone on/off wrongly, outside the up to 2 ms before a change
    that PlaySEM itself darkens (its "off" goes out 1 ms early, and it truncates pts/timeScale
    to whole ms, which moves some events 1 ms earlier).

    The state only changes at segment boundaries, so it is checked just before, at and after
    each boundary and halfway to the next one (the whole timeline, in few steps).
    """
    sim = PlaySem(root)
    changes = sorted({s.start_ms for s in doc.segments()} | {s.end_ms for s in doc.segments()})
    times = {0}
    for a, b in zip(changes, changes[1:] + [changes[-1] + 100]):
        times.update({a - 3, a, a + 1, (a + b) // 2})
    dark = {b - d for b in changes for d in (1, 2)}
    times = sorted(t for t in times if t >= 0 and t not in dark)
    states = sim.zone_states(times)
    wrong = []
    for t in times:
        want = desired_zones(doc, t)
        for z, rgb in states[t].items():
            if (want[z] is not None) != (rgb != (0, 0, 0)):
                wrong.append((t, z, want[z], rgb))
    return wrong


def test_playsem_target_shows_every_zone_right_on_the_demo():
    doc = demo_like()
    assert check_playsem(doc, build_sem(doc, target="playsem").getroot()) == []
    wrong = check_playsem(doc, build_sem(doc).getroot())  # the plain MPEG-V file does not: the check can fail
    assert len(wrong) > 10


def test_playsem_target_shows_the_located_colour_in_its_zone():
    doc = demo_like()
    sim = PlaySem(build_sem(doc, target="playsem").getroot())
    at = sim.zone_states([1000, 9500, 11050, 20000])
    assert at[1000]["center"] == color_rgb("russet") and at[1000]["left"] == color_rgb("auburn")  # not orange_web
    assert at[11050]["right"] != (0, 0, 0)  # the colourless flash is white, not RGB 0,0,0
    assert at[9500]["right"] == (0, 0, 0)  # no light there between 9 s and 18 s


LOCS = [None, "left:*:front", "center:*:front", "right:*:*", "*:*:front", "centerleft:*:*"]


@st.composite
def light_timelines(draw):
    doc = TimelineDocument(MediaRef("/v.mp4", 20_000))
    segs = []
    for loc in draw(st.lists(st.sampled_from(LOCS), min_size=1, max_size=5, unique=True)):
        for eff in draw(st.sets(st.sampled_from(["Light", "Flash"]), min_size=1)):
            cuts = sorted(draw(st.sets(st.integers(0, 20_000), min_size=2, max_size=6)))
            for a, b in zip(cuts, cuts[1:]):
                if draw(st.booleans()):
                    color = draw(st.sampled_from([None, "red", "blue", "white", "amber"]))
                    segs.append(Segment(eff, a, b, draw(st.sampled_from([0.0, 0.3, 1.0])), color=color, location=loc))
    doc.add(segs)
    return doc


@SETTINGS
@given(doc=light_timelines())
def test_playsem_target_shows_every_zone_right_for_any_light_timeline(doc):
    assume(any(s.intensity > 0 for s in doc.segments()))
    wrong = check_playsem(doc, build_sem(doc, target="playsem").getroot())
    assert wrong == [], (wrong[:3], [(s.effect, s.start_ms, s.end_ms, s.intensity, s.color, s.location)
                                     for s in doc.segments()])
