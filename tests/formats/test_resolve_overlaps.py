"""Exporters refuse overlaps by default; ``resolve_overlaps`` / ``--resolve-overlaps`` flattens them."""

import pytest

from mulse_author.cli import main
from mulse_author.document import MediaRef, Segment, Source, TimelineDocument, load_project, save_project
from mulse_author.errors import FormatError
from mulse_author.formats import read_ncl, read_sem, validate, write_ncl, write_sem


def overlapping_doc(video="/v.mp4"):
    doc = TimelineDocument(MediaRef(video, 20_000))
    doc.add([
        Segment("Vibration", 9000, 19000, intensity=0.38, label="Thunder", confidence=0.38,
                source=Source.SUGGESTED, id="thunder"),
        Segment("Vibration", 12000, 13000, intensity=0.9, label="Explosion", confidence=0.8,
                source=Source.SUGGESTED, id="boom"),
        Segment("Flash", 12800, 13000, intensity=0.67, color="white", label="Gunshot", id="gflash"),
        Segment("Flash", 12900, 12930, intensity=0.88, id="cue"),  # 30 ms: the weaker neighbour takes it
        Segment("Wind", 0, 5000, intensity=0.5, id="wind"),
    ])
    return doc


def spans(doc, effect):
    return [(s.start_ms, s.end_ms, round(s.intensity, 2)) for s in doc.segments(effect)]


@pytest.mark.parametrize("writer, reader, ext", [(write_sem, read_sem, "sem"), (write_ncl, read_ncl, "ncl")])
def test_writers_refuse_by_default_and_flatten_on_request(tmp_path, writer, reader, ext, schema_root):
    doc = overlapping_doc(str(tmp_path / "film.mp4"))
    before = [s.to_dict() for s in doc.segments()]
    out = tmp_path / f"x.{ext}"
    with pytest.raises(FormatError, match="thunder.*boom.*overlap on the Vibration lane.*--resolve-overlaps"):
        writer(doc, out)
    assert not out.exists()
    warnings = writer(doc, out, resolve_overlaps=True)
    assert [s.to_dict() for s in doc.segments()] == before  # the document is not changed
    assert any("overlaps resolved: 2 segment(s)" in w for w in warnings)
    assert not [i for i in validate(out, schema_root) if i.is_error]
    back, _ = reader(out)
    assert spans(back, "Vibration") == [(9000, 12000, 0.38), (12000, 13000, 0.9), (13000, 19000, 0.38)]
    assert spans(back, "Flash") == [(12800, 13000, 0.67)]
    assert spans(back, "Wind") == [(0, 5000, 0.5)]


def test_no_warning_when_nothing_overlaps(tmp_path):
    doc = overlapping_doc()
    doc.remove(["boom", "cue"])
    doc.update("gflash", start_ms=19000, end_ms=19500)
    assert not any("overlaps" in w for w in write_sem(doc, tmp_path / "a.sem", resolve_overlaps=True))


def test_cli_export_resolve_overlaps(tmp_path, capsys):
    project = tmp_path / "p.json"
    save_project(overlapping_doc(str(tmp_path / "film.mp4")), project)
    sem, ncl = tmp_path / "o.sem", tmp_path / "o.ncl"
    assert main(["export", str(project), "--sem", str(sem)]) == 2
    assert "--resolve-overlaps" in capsys.readouterr().err and not sem.exists()
    assert main(["export", str(project), "--sem", str(sem), "--ncl", str(ncl), "--resolve-overlaps"]) == 0
    err = capsys.readouterr().err
    assert err.count("overlaps resolved: 2 segment(s)") == 2
    assert len(read_sem(sem)[0].segments("Vibration")) == 3
    assert len(load_project(project).segments("Vibration")) == 2  # the project file is untouched
