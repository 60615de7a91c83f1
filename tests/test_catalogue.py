"""Tests of the artefact catalogue: pinned hashes, mirror, cache and offline fetch."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aurora_edc import ArtefactCatalogue, ArtefactIntegrityError, ArtefactNotFoundError
from aurora_edc.cli import app

FULL = "http://data.europa.eu/snb/model/ap/edc-generic-full"
DS = "http://data.europa.eu/snb/model/ap/edc-diploma-supplement"


@pytest.fixture()
def mirror_server(shared: Path) -> Iterator[str]:
    """Serve the shared mirror over HTTP on 127.0.0.1 (an ephemeral port)."""
    handler = functools.partial(_QuietHandler, directory=str(shared))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_every_pinned_artefact_matches_the_mirror(shared: Path) -> None:
    """Each catalogue entry resolves in the shared mirror with its pinned SHA-256."""
    catalogue = ArtefactCatalogue(mirror=shared)

    states = {entry.url: state for entry, _, state in catalogue.status()}

    assert states and set(states.values()) == {"ok"}


def test_imports_closure_is_in_dependency_order(shared: Path) -> None:
    """The diploma-supplement closure holds its three imports, imports first."""
    closure = ArtefactCatalogue(mirror=shared).closure(DS)

    assert [entry.url.rsplit("/", 1)[1] for entry in closure] == [
        "edc-generic-no-cv",
        "edc-generic-full",
        "edc-accredited",
        "edc-diploma-supplement",
    ]


def test_missing_artefact_names_it_and_how_to_supply_it(tmp_path: Path) -> None:
    """Without mirror or cache, the error names the artefact and the remedies."""
    catalogue = ArtefactCatalogue(mirror=tmp_path / "empty", cache=tmp_path / "cache")

    with pytest.raises(ArtefactNotFoundError) as caught:
        catalogue.path(FULL)

    message = str(caught.value)
    assert FULL in message and "AURORA_EDC_ARTEFACTS" in message and "fetch" in message


def test_altered_artefact_is_refused(shared: Path, tmp_path: Path) -> None:
    """A mirror file whose bytes differ from the pin is an integrity error."""
    mirror = tmp_path / "mirror"
    target = mirror / "elm/v3/shapes/EDC-generic-full.ttl"
    target.parent.mkdir(parents=True)
    data = (shared / "elm/v3/shapes/EDC-generic-full.ttl").read_bytes()
    target.write_bytes(data.replace(b"sh:minCount 1", b"sh:minCount 0", 1))

    with pytest.raises(ArtefactIntegrityError, match="sha256"):
        ArtefactCatalogue(mirror=mirror).path(FULL)


def test_unknown_url_is_not_fetched(tmp_path: Path) -> None:
    """A URL outside the catalogue is refused, never looked up on the network."""
    with pytest.raises(ArtefactNotFoundError, match="not an artefact"):
        ArtefactCatalogue(cache=tmp_path).path("https://example.org/evil.ttl")


def test_fetch_fills_the_cache_from_a_local_server(
    mirror_server: str, tmp_path: Path
) -> None:
    """``fetch`` downloads from a mirror URL, checks each hash and fills the cache."""
    cache = tmp_path / "cache"
    catalogue = ArtefactCatalogue(cache=cache)

    written = catalogue.fetch(
        [FULL, "https://www.w3.org/2018/credentials/v1"], base_url=mirror_server
    )

    assert len(written) == 2
    path = catalogue.path(FULL)
    assert path.is_relative_to(cache)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == catalogue.entry(FULL).sha256


def test_fetch_refuses_a_tampered_download(
    mirror_server: str, shared: Path, tmp_path: Path
) -> None:
    """A served file that differs from the pin is refused and not cached."""
    served = tmp_path / "served"
    shutil.copytree(shared / "elm/v3/shapes", served / "elm/v3/shapes")
    (served / "elm/v3/shapes/EDC-generic-full.ttl").write_bytes(b"# tampered\n")
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    catalogue = ArtefactCatalogue(cache=tmp_path / "cache")

    try:
        with pytest.raises(ArtefactIntegrityError):
            catalogue.fetch(
                [FULL], base_url=f"http://127.0.0.1:{server.server_address[1]}"
            )
    finally:
        server.shutdown()
        server.server_close()

    assert not (tmp_path / "cache/elm/v3/shapes/EDC-generic-full.ttl").exists()


def test_cli_fetch_then_list(
    mirror_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``artefacts fetch --base-url`` fills the cache, so ``list`` shows all ok."""
    monkeypatch.delenv("AURORA_EDC_ARTEFACTS")
    monkeypatch.setenv("AURORA_EDC_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()

    fetched = runner.invoke(app, ["artefacts", "fetch", "--base-url", mirror_server])
    listed = runner.invoke(app, ["artefacts", "list"])

    assert fetched.exit_code == 0, fetched.output
    assert listed.exit_code == 0, listed.output
    assert "missing" not in listed.output
