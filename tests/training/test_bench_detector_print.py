"""benchmarks/bench_detector.py prints per label and the confusions of each model's report."""

from mulse_author.labels import LABELS


def _model():
    clip = {"per_label": {lab: {"f1": 0.5} for lab in LABELS}}
    per = {lab: {"true": 3, "recall": 1 / 3, "precision": None, "f1": None, "false_alarms_per_hour": 0.0}
           for lab in LABELS}
    per["Gunshot"].update(true=16, recall=0.3125, precision=0.278, f1=0.294, false_alarms_per_hour=26.0)
    conf = {a: {b: 0 for b in LABELS} for a in LABELS}
    conf["Explosion"]["Gunshot"] = 10
    return {"clips": {"0": clip, "-30": clip}, "timelines": {"per_label": per, "confusion": conf}}


def test_per_label_rows_and_confusions_are_printed(capsys, script):
    script("benchmarks/bench_detector.py").print_per_label("shipped", _model())
    out = capsys.readouterr().out.splitlines()
    gun = next(line for line in out if line.strip().startswith("Gunshot") and "26.0" in line)
    assert gun.split() == ["Gunshot", "0.500", "0.500", "16", "0.312", "0.278", "0.294", "26.0"]
    rows = [line.split() for line in out if line.strip().startswith("Explosion")]
    assert ["Explosion", "0", "0", "0", "0", "0", "0", "10"] in rows  # the confusion row
    assert any(line.split()[:4] == ["Thunder", "0.500", "0.500", "3"] and line.split()[5:7] == ["-", "-"]
               for line in out)
