"""``python -m footfall``: the same as the ``footfall`` command."""

from footfall.app.cli import main

main(prog_name="footfall")
