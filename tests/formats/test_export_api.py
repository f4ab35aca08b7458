"""export_document / ExportReport (the GUI's entry point), the CLI's --target, schema
configuration errors, and what atomic writing leaves on disk (permissions, temp files)."""

import os
import stat

import pytest
from fmt_samples import sample_doc

from mulse_author.cli import main
from mulse_author.document import save_project
from mulse_author.errors import FormatError
from mulse_author.formats import read_ncl, read_sem, validate
from mulse_author.formats.atomic import TMP_SUFFIX, atomic_output, clean_stale_temps
from mulse_author.formats.export import export_document, targets
from mulse_author.formats.report import ExportReport


@pytest.mark.parametrize("kind,target,profile", [
    ("sem", None, "3.0"), ("sem", "playsem", "3.0"),
    ("ncl", None, "3.0"), ("ncl", "webncl", "3.0"), ("ncl", None, "4.0"),
])
def test_export_document_writes_readable_files_and_reports(tmp_path, schema_root, kind, target, profile):
    out = tmp_path / f"x.{kind}"
    report = export_document(sample_doc(), out, kind, target=target, ncl_profile=profile)
    assert isinstance(report, ExportReport) and report.path == str(out)
    expected = target or {"sem": "mpegv", "ncl": "ginga"}[kind] if profile == "3.0" else "ginga-mulsemedia"
    assert report.target == expected
    assert isinstance(report.adjusted, list) and isinstance(report.unplayable, list)
    lines = report.lines()
    assert lines[0].startswith(str(out)) and all(isinstance(x, str) for x in lines)
    back, _ = (read_sem if kind == "sem" else read_ncl)(out)
    assert len(back) > 0
    if profile == "3.0":
        assert not [i for i in validate(out, schema_root) if i.is_error]


def test_reports_name_what_each_target_changes(tmp_path):
    doc = sample_doc()
    sem = export_document(doc, tmp_path / "a.sem", "sem")
    assert sem.unplayable == [] and sem.adjusted == []  # the only flash has a colour
    play = export_document(doc, tmp_path / "b.sem", "sem", target="playsem")
    text = "\n".join(play.lines())
    assert "Temperature" in text and "Spraying" in text and "Fog" in text  # no PlaySEM device
    assert "intensity 0" in text  # the flash at 0 is left out: PlaySEM never switches it on
    web = export_document(doc, tmp_path / "c.ncl", "ncl", target="webncl")
    assert any("lengthened" in a for a in web.adjusted)
    assert any("0.25 s late" in n for n in web.notes)
    with pytest.raises(FormatError, match="target"):
        export_document(doc, tmp_path / "d.sem", "sem", target="ginga")
    assert targets("sem")[0] == "mpegv" and targets("ncl")[0] == "ginga"


def test_cli_export_target_prints_the_report(tmp_path, capsys):
    project = tmp_path / "p.json"
    save_project(sample_doc(video=str(tmp_path / "film.mp4")), project)
    assert main(["export", str(project), "--target", "playsem", "--sem", str(tmp_path / "p.sem"),
                 "--target", "webncl", "--ncl", str(tmp_path / "p.ncl")]) == 0
    out = capsys.readouterr().out
    assert "PlaySEM has no device for Temperature" in out and "lengthened" in out
    assert main(["export", str(project), "--target", "playsem", "--ncl", str(tmp_path / "q.ncl")]) == 2
    assert "SEM target" in capsys.readouterr().err


def test_missing_schema_file_is_a_configuration_error(tmp_path, capsys):
    sem = tmp_path / "a.sem"
    export_document(sample_doc(), sem, "sem")
    (tmp_path / "schemas").mkdir()
    assert main(["validate", str(sem), "--schema-dir", str(tmp_path / "schemas")]) == 2
    assert "MPEG-V-SEV.xsd" in capsys.readouterr().err
    assert main(["validate", str(sem), "--schema-dir", str(tmp_path / "nowhere")]) == 2


def test_validate_without_schemas_says_where_to_get_them(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MULSE_SCHEMA_DIR", raising=False)
    sem = tmp_path / "a.sem"
    export_document(sample_doc(), sem, "sem")
    assert main(["validate", str(sem)]) == 0
    err = capsys.readouterr().err
    assert "--schema-dir" in err and "MULSE_SCHEMA_DIR" in err and "standards.iso.org" in err and "ncl.org.br" in err


def test_exports_get_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        export_document(sample_doc(), tmp_path / "a.sem", "sem")
        export_document(sample_doc(), tmp_path / "a.ncl", "ncl")
    finally:
        os.umask(old)
    for name in ("a.sem", "a.ncl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
    os.chmod(tmp_path / "a.sem", 0o640)
    export_document(sample_doc(), tmp_path / "a.sem", "sem")  # a replaced file keeps its mode
    assert stat.S_IMODE((tmp_path / "a.sem").stat().st_mode) == 0o640


def test_failed_write_keeps_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "a.sem"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.sem"]


def test_stale_temps_of_dead_writers_are_cleaned_on_the_next_write(tmp_path):
    dead = tmp_path / f".a.sem.999999999-0123abcd{TMP_SUFFIX}"  # no such pid
    dead.write_bytes(b"x" * 100)
    live = tmp_path / f".a.sem.{os.getppid()}-0123abcd{TMP_SUFFIX}"  # a live process: may be writing
    live.write_bytes(b"y")
    legacy_old = tmp_path / ".a.sem.ab12cd34.tmp"
    legacy_old.write_bytes(b"z")
    os.utime(legacy_old, (0, 0))
    legacy_new = tmp_path / ".a.sem.zz12cd34.tmp"
    legacy_new.write_bytes(b"z")
    other = tmp_path / ".hidden-user-file"
    other.write_bytes(b"keep")
    export_document(sample_doc(), tmp_path / "a.sem", "sem")
    assert not dead.exists() and not legacy_old.exists()
    assert live.exists() and legacy_new.exists() and other.exists()
    assert clean_stale_temps(tmp_path) == []


def test_write_errors_name_the_target_not_the_temp_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FormatError) as exc:
        export_document(sample_doc(), blocker / "a.sem", "sem")
    assert str(blocker / "a.sem") in str(exc.value) and TMP_SUFFIX not in str(exc.value)


def test_an_export_larger_than_the_import_cap_is_refused(tmp_path, monkeypatch):
    from mulse_author.formats import safexml

    target = tmp_path / "a.ncl"
    target.write_bytes(b"previous")
    monkeypatch.setattr(safexml, "MAX_BYTES", 4000)
    with pytest.raises(FormatError, match="larger than"):
        export_document(sample_doc(), target, "ncl")
    assert target.read_bytes() == b"previous" and os.listdir(tmp_path) == ["a.ncl"]
    monkeypatch.setattr(safexml, "MAX_BYTES", 10**6)
    export_document(sample_doc(), target, "ncl")
    assert len(read_ncl(target)[0]) == len(sample_doc())
