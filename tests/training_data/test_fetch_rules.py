"""The fetch scripts under training/fetch/: their rules parse, labels are known, and no package
reserved for independent evaluation (issue 12) appears anywhere in them. Nothing is downloaded."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

FETCH = Path(__file__).resolve().parents[2] / "training" / "fetch"
SCENE_LABELS = {"wind", "thunder", "rain", "ocean", "fire", "explosion", "gunshot"}
BED_LABELS = {"music", "ambience"}
RESERVED = ("scorched3d-data", "flightgear-data-base", "supertux-data", "lugaru-data",
            "colobot-common-sounds", "wesnoth-1.16-data", "wesnoth-1.16-music",
            "warzone2100-data", "warzone2100-music", "lincity-ng-data", "btanks-data")
SCRIPTS = {"get_extra_scene_audio.sh": SCENE_LABELS, "get_film_beds.sh": BED_LABELS,
           "get_fresh_heldout_audio.sh": SCENE_LABELS, "get_fresh2_heldout_audio.sh": SCENE_LABELS}
SHARED_SCENE = FETCH.parents[2] / "shared" / "data" / "get_scene_audio.sh"


def rules(text: str, doc: str = "RULES_END") -> list[list[str]]:
    """The label|package|container|regex lines of the script's RULES (or ``doc``) here-document."""
    m = re.search(rf"<<'{doc}'\n(.*?)\n{doc}\n", text, re.S)
    assert m, f"no {doc} here-document"
    return [line.split("|", 3) for line in m.group(1).splitlines() if line and not line.startswith("#")]


def scripts():
    return [pytest.param(FETCH / name, labels, id=name) for name, labels in SCRIPTS.items()
            if (FETCH / name).exists()]


def test_rules_parser_sees_a_bad_label():
    bad = "cat > x <<'RULES_END'\n# comment\nsnow|pkg|-|/a\\.ogg$\nRULES_END\n"
    assert [r[0] for r in rules(bad)] == ["snow"]


@pytest.mark.parametrize("path,labels", scripts())
def test_every_rule_is_well_formed(path, labels):
    rs = rules(path.read_text())
    assert len(rs) >= 5
    for r in rs:
        assert len(r) == 4, r
        label, pkg, cont, rx = r
        assert label in labels, r
        assert re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", pkg), r
        assert cont == "-" or cont.startswith("usr/share/"), r
        re.compile(rx)  # POSIX ERE used by grep -E; these rules stay within the common subset
        assert rx.endswith("$"), f"unanchored rule would match more than was checked: {r}"
    keys = [(p, rx) for _, p, _, rx in rs]
    assert len(keys) == len(set(keys)), "a rule is listed twice"


@pytest.mark.parametrize("path,labels", scripts())
def test_no_reserved_package_anywhere(path, labels):
    text = path.read_text().lower()
    for pkg in RESERVED:
        assert pkg not in text, f"{pkg} is reserved for independent evaluation"
    games = ("scorched3d", "flightgear", "supertux", "lugaru", "colobot", "wesnoth", "warzone2100",
             "lincity-ng", "btanks")
    for p in {r[1] for r in rules(path.read_text())}:  # nor another build of a reserved game
        assert not any(p == g or p.startswith(g + "-") for g in games), p


@pytest.mark.parametrize("path,labels", scripts())
def test_script_parses_and_needs_an_out_dir(path, labels, tmp_path):
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    r = subprocess.run(["bash", str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert r.returncode != 0 and "usage" in r.stderr


def test_fresh_heldout_packages_are_used_nowhere_else():
    """The fresh held-out set stays fresh: none of its packages feeds the training corpus, the
    beds, the background sounds, the shared corpus or the reported test packages."""
    from training.film import TEST_PACKAGES

    fresh = {r[1] for r in rules((FETCH / "get_fresh_heldout_audio.sh").read_text())}
    assert len(fresh) >= 5
    for name in ("get_extra_scene_audio.sh", "get_film_beds.sh", "get_background_audio.sh"):
        text = (FETCH / name).read_text()
        for pkg in fresh:
            assert not re.search(rf"(^|[\s|]){re.escape(pkg)}([\s|]|$)", text, re.M), (pkg, name)
    if SHARED_SCENE.exists():  # ../shared beside the repository (CI has it)
        text = SHARED_SCENE.read_text()
        assert not any(re.search(rf"\|{re.escape(pkg)}\|", text) for pkg in fresh)
    assert not fresh & set(TEST_PACKAGES)


def test_fresh_heldout_music_comes_from_its_own_packages():
    """The fresh set's timeline music: well-formed rules, and packages of the fresh set itself, so
    the freshness check above covers them too."""
    text = (FETCH / "get_fresh_heldout_audio.sh").read_text()
    beds = rules(text, "BEDS_END")
    assert beds and all(r[0] == "music" and r[2] == "-" and r[3].endswith("$") for r in beds)
    assert {r[1] for r in beds} <= {r[1] for r in rules(text)}


def test_everyday_sounds_are_held_out_and_leave_out_class_names(tmp_path):
    """The everyday-sound check's clips: a package that feeds no training, bed or held-out script,
    and the names that could hold a label (fire, rain on an umbrella, the sea...) left out."""
    path = FETCH / "get_everyday_audio.sh"
    text = path.read_text()
    rs = rules(text)
    assert rs and all(r[0] == "everyday" and r[2] == "-" and r[3].endswith("$") for r in rs)
    pkgs = {r[1] for r in rs}
    for name in ("get_extra_scene_audio.sh", "get_film_beds.sh", "get_background_audio.sh",
                 "get_fresh_heldout_audio.sh"):
        other = (FETCH / name).read_text()
        assert not any(re.search(rf"(^|[\s|]){re.escape(p)}([\s|]|$)", other, re.M) for p in pkgs), name
    if SHARED_SCENE.exists():
        assert not any(re.search(rf"\|{re.escape(p)}\|", SHARED_SCENE.read_text()) for p in pkgs)
    exclude = re.compile(re.search(r"^EXCLUDE='(.+)'$", text, re.M).group(1))
    for n in ("fire", "umbrella", "kite", "whale", "rocket", "igloo"):
        assert exclude.search(n), n
    for n in ("dog", "drums", "tractor", "firefly"):
        assert not exclude.search(n), n
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0
    r = subprocess.run(["bash", str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=30)
    assert r.returncode != 0 and "usage" in r.stderr
