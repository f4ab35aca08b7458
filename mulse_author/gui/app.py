"""Start the desktop app: ``python -m mulse_author.gui [VIDEO|PROJECT|SEM|NCL]`` or ``mulse-author gui``."""

from __future__ import annotations

import argparse
import sys


def make_app(argv: list[str] | None = None):
    # lazy (start-up): `mulse-author gui --help` and the CLI's import of this module load no Qt
    from PySide6.QtWidgets import QApplication

    from .style import dark_palette

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Mulse Author")
    app.setOrganizationName("MulseAuthor")
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mulse-author gui", description="Mulse Author desktop editor")
    parser.add_argument("path", nargs="?",
                        help="a video, a project (.json) or an SEM/NCL file (.sem, .xml, .ncl) to open")
    args = parser.parse_args(argv)
    app = make_app()
    from .main_window import MainWindow  # lazy (start-up): after the arguments are checked

    win = MainWindow()
    win.show()
    if not win.offer_recovery() and args.path:
        win.open_path(args.path)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
