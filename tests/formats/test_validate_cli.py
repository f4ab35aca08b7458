"""validate() and the export / validate commands."""

import pytest
from fmt_samples import sample_doc

from mulse_author.cli import main
from mulse_author.document import save_project
from mulse_author.formats import validate, write_ncl, write_sem


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.json"
    save_project(sample_doc(video=str(tmp_path / "film.mp4")), path)
    return path


def test_own_exports_are_valid(tmp_path, schema_root):
    doc = sample_doc()
    write_sem(doc, tmp_path / "a.sem")
    write_ncl(doc, tmp_path / "a.ncl")
    assert validate(tmp_path / "a.sem", schema_root) == []
    assert validate(tmp_path / "a.ncl", schema_root) == []


def test_without_schema_dir_says_xsd_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("MULSE_SCHEMA_DIR", raising=False)
    write_sem(sample_doc(), tmp_path / "a.sem")
    (issue,) = validate(tmp_path / "a.sem")
    assert not issue.is_error and "skipped" in issue.message


def test_ncl_checks_the_xsd_cannot_make(tmp_path, schema_root):
    p = tmp_path / "x.ncl"
    p.write_text("""<ncl id="n" xmlns="http://www.ncl.org.br/NCL3.0/EDTVProfile"><head><connectorBase>
<causalConnector id="c"><simpleCondition role="onBegin"/><simpleAction role="start"/></causalConnector>
</connectorBase></head><body>
<port id="p" component="ghost"/>
<media id="v" src="v.mp4"><area id="a" begin="5s" end="2s"/></media>
<media id="e" type="application/x-sensory-effect-WindType" descriptor="nodesc"/>
<link xconnector="c"><bind role="onBegin" component="v" interface="zz"/><bind role="start" component="e"/></link>
</body></ncl>""")
    issues = [i for i in validate(p, schema_root) if i.is_error and not i.message.startswith("schema:")]
    text = "\n".join(map(str, issues))
    assert "line 4 <port>: component='ghost' refers to no element" in text
    assert "line 5 <area>: end 2s is not after begin 5s" in text
    assert "line 6 <media>: descriptor='nodesc' refers to no element" in text
    assert "line 7 <bind>: interface='zz'" in text


def test_sem_pairing_problems_are_errors(tmp_path, schema_root):
    p = tmp_path / "x.sem"
    p.write_text('<sedl:SEM xmlns:sedl="urn:mpeg:mpeg-v:2010:01-SEDL-NS" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 'xmlns:sev="urn:mpeg:mpeg-v:2010:01-SEV-NS" xmlns:si="urn:mpeg:mpeg21:2003:01-DIA-XSI-NS" '
                 'si:timeScale="1000">\n'
                 '<sedl:Effect xsi:type="sev:WindType" activate="false" si:pts="5"/>\n</sedl:SEM>')
    (issue,) = validate(p, schema_root)
    assert issue.is_error and issue.line == 2 and issue.element == "Effect"


def test_cli_export_and_validate(tmp_path, project, schema_root, capsys):
    sem, ncl = tmp_path / "o.sem", tmp_path / "o.ncl"
    assert main(["export", str(project), "--sem", str(sem), "--ncl", str(ncl), "--schema-dir", str(schema_root)]) == 0
    assert main(["validate", str(sem), "--schema-dir", str(schema_root)]) == 0
    assert main(["validate", str(ncl), "--schema-dir", str(schema_root)]) == 0
    ncl4 = tmp_path / "o4.ncl"
    assert main(["export", str(project), "--ncl", str(ncl4), "--ncl-profile", "4.0", "--approved-only"]) == 0
    assert main(["validate", str(ncl4), "--schema-dir", str(schema_root)]) == 1
    assert "NCL 4.0" in capsys.readouterr().out


def test_cli_exit_codes(tmp_path, project, shared_dir, schema_root, capsys):
    assert main(["validate", str(tmp_path / "missing.sem")]) == 2
    assert main(["export", str(project)]) == 2
    bad = shared_dir / "samples" / "sem" / "heathdash_formula_1_new.xml"
    assert main(["validate", str(bad), "--schema-dir", str(schema_root)]) == 1
    out = capsys.readouterr().out
    assert "line 6 <Effect>" in out and "INVALID" in out
    junk = tmp_path / "junk.sem"
    junk.write_text("<<<")
    assert main(["validate", str(junk)]) == 1
