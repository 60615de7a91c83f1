"""The ``aurora-edc`` command line.

Each command lives in its own private module and is registered here. Exit
codes are the same across commands: 0 success (everything conforms, verified
or written), 1 a document or record failed a check, 2 unusable input or usage.
"""

from __future__ import annotations

import typer

from . import (
    _artefacts,
    _catalogue,
    _check,
    _handoff,
    _issue,
    _offer,
    _seal,
    _validate,
    _verify,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="aurora-edc",
    help="Issue, check, seal and hand off European Digital Credentials (EDC).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(_artefacts.app, name="artefacts")
app.add_typer(_handoff.app, name="handoff")
app.add_typer(_offer.app, name="offer")
app.command("issue")(_issue.issue)
app.command("catalogue")(_catalogue.catalogue)
app.command("check")(_check.check)
app.command("schema")(_issue.schema)
app.command("validate")(_validate.validate)
app.command("seal")(_seal.seal)
app.command("verify")(_verify.verify)


def main() -> None:
    """Run the command line (the ``aurora-edc`` console script)."""
    app()
