"""Hostile SEM / NCL documents (shared by the tests and benchmarks/bench_hostile_import.py)."""

from __future__ import annotations

SEDL = "urn:mpeg:mpeg-v:2010:01-SEDL-NS"
SEV = "urn:mpeg:mpeg-v:2010:01-SEV-NS"
SI = "urn:mpeg:mpeg21:2003:01-DIA-XSI-NS"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NCL = "http://www.ncl.org.br/NCL3.0/EDTVProfile"

_SEM_OPEN = (f'<sedl:SEM xmlns:sedl="{SEDL}" xmlns:sev="{SEV}" xmlns:si="{SI}" xmlns:xsi="{XSI}" '
             'si:timeScale="{ts}">')


def sem(effects: str, time_scale: str = "1000", head: str = '<?xml version="1.0" encoding="UTF-8"?>\n',
        extra: str = "") -> str:
    return head + extra + _SEM_OPEN.format(ts=time_scale) + effects + "</sedl:SEM>"


def effect(pts="0", type_="WindType", attrs="") -> str:
    return (f'<sedl:Effect xsi:type="sev:{type_}" si:pts="{pts}" activate="true" intensity-value="5" '
            f'intensity-range="0 12" duration="1000"{attrs}/>')


def entity_sem(encoding: str) -> bytes:
    """An SEM whose internal entity sets ``intensity-value``, in ``encoding``."""
    body = sem(effect(attrs="").replace('intensity-value="5"', 'intensity-value="&v;"'),
               head=f'<?xml version="1.0" encoding="{encoding}"?>\n',
               extra='<!DOCTYPE sedl:SEM [<!ENTITY v "11">]>\n')
    return body.encode(encoding if encoding.lower() != "utf-7" else "utf-7")


def many_attributes(n: int) -> bytes:
    """One effect with ``n`` extra attributes (3 MB for 200 000)."""
    attrs = "".join(f' a{i}="{i % 10}"' for i in range(n))
    return sem(effect(attrs=attrs)).encode()


def big_number_sem(where: str, digits: int = 5000) -> bytes:
    big = "9" * digits
    if where == "pts":
        return sem(effect(pts=big)).encode()
    if where == "timeScale":
        return sem(effect(), time_scale=big).encode()
    if where == "duration":
        return sem(effect().replace('duration="1000"', f'duration="{big}"')).encode()
    if where == "sourceDurationMs":
        meta = ('<sedl:DescriptionMetadata><mpeg7:Setting xmlns:mpeg7="urn:mpeg:mpeg7:schema:2004" '
                f'name="sourceDurationMs" value="{big}"/></sedl:DescriptionMetadata>')
        return sem(meta + effect()).encode()
    raise ValueError(where)


def ncl_document(head: str, body: str) -> bytes:
    """An NCL 3.0 document with ``head`` and a body of a port to "video" plus ``body``."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ncl id="x" xmlns="{NCL}"><head>{head}</head>'
            f'<body><port id="p" component="video"/>{body}</body></ncl>').encode()


_VIDEO = ('<media id="video" src="v.mp4"><area id="a0" begin="1s" end="2s"/></media>'
          '<media id="fx" type="application/x-sensory-effect-WindType"/>')


def ncl_binds(n: int) -> bytes:
    """One link with ``n`` onBegin conditions and ``n`` start actions (0.6 MB for 3 000)."""
    conds = "".join('<bind role="onBegin" component="video" interface="a0"/>' for _ in range(n))
    acts = "".join('<bind role="start" component="fx"/>' for _ in range(n))
    return ncl_document("", _VIDEO + f'<link id="l" xconnector="c">{conds}{acts}</link>')


def ncl_links(n: int) -> bytes:
    """``n`` links that all start the same effect node."""
    links = "".join(f'<link id="l{i}" xconnector="c"><bind role="onBegin" component="video" interface="a0"/>'
                    '<bind role="start" component="fx"/></link>' for i in range(n))
    return ncl_document("", _VIDEO + links)


def ncl_clock(digits: int = 400) -> bytes:
    return ncl_document("", _VIDEO.replace('begin="1s"', f'begin="{"9" * digits}:00:00"') +
                '<link id="l" xconnector="c"><bind role="onBegin" component="video" interface="a0"/>'
                '<bind role="start" component="fx"/></link>')
