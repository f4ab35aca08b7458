"""Licence names from Debian copyright files (training.licences), DEP-5 and free-form."""

from training.licences import licence_names, package_licences

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Files: *
License: GPL-2+ or CDDL

Files: sounds/*
License: CC-BY-SA-3.0

Files: music/*
License: Expat or GPL-2, and CC-BY-3.0
"""

PROSE = """This is a Debian prepackaged version of the game.
   This program is free software; you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation; either version 2 of the License, or
   (at your option) any later version.
 * Permission to use, copy, modify, and distribute this software and its
"""

PROSE_AFTER_LICENSE = """License:
   This package is free software; you can redistribute it and/or modify
   it under the terms of the GNU General Public License as published by
   the Free Software Foundation; version 2 dated June, 1991.
"""


def test_dep5_identifiers_are_kept_as_written():
    assert licence_names(DEP5) == ["CC-BY-SA-3.0", "Expat or GPL-2, and CC-BY-3.0", "GPL-2+ or CDDL"]


def test_free_form_text_states_its_licences():
    assert licence_names(PROSE) == ["GPL-2+", "HPND"]
    assert licence_names(PROSE_AFTER_LICENSE) == ["GPL-2"]  # "version 2", no "any later version"


def test_a_license_line_of_prose_is_read_as_prose():
    text = "License: This software is provided 'as-is', without any express or implied\n warranty.\n"
    assert licence_names(text) == ["Zlib"]
    assert licence_names("License:  GNU GPL (/usr/share/common-licenses/GPL)\n") == ["GPL"]
    assert licence_names("See /usr/share/common-licenses/GPL-3 for the text.\n") == ["GPL-3"]
    assert licence_names("Nothing here names a licence.\n") == []


def test_package_table_from_a_folder(tmp_path):
    (tmp_path / "a-data.copyright").write_text(DEP5)
    (tmp_path / "b-data.copyright").write_text(PROSE)
    assert package_licences(tmp_path) == {"a-data": licence_names(DEP5), "b-data": ["GPL-2+", "HPND"]}
