"""``python -m mulse_author`` = the ``mulse-author`` command."""

from mulse_author.cli import main

raise SystemExit(main())
