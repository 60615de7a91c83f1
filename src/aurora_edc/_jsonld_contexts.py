"""JSON-LD contexts of an EDC, resolved offline through the artefact catalogue.

Implements the loading side of the JSON-LD 1.1 Processing Algorithms (W3C
Recommendation), §4.1.2 Context Processing, for credentials that must be read
without the network:

- a local context is ``null``, a string (a remote context, step 5.2), an
  object (a context definition), or an array of those (step 5); anything else
  is an *invalid local context*;
- a remote context comes from the catalogue, never the network, and is
  replaced by its ``@context`` value; an unknown URL is refused, relative ones
  included;
- ``@import`` (step 5.6) must be a string naming a catalogue context whose
  value is an object without ``@import`` of its own; it is merged under the
  importing definition, as the algorithm does;
- a scoped context in a term definition (§4.2.2 Create Term Definition,
  ``@context`` entry) is itself a local context and gets the same treatment;
- a context definition that holds an ``@context`` entry is refused: that
  would redefine a keyword (§4.2.2, *keyword redefinition*), although rdflib
  7.6 silently reads the entry as one more context, and loads it.

:func:`inline_contexts` returns a copy of a document in which every context is
a local object; :func:`refuse_references` then walks that copy independently
and refuses anything rdflib could still load (a string under any
``@context`` or ``@import`` key, at any depth). rdflib 7.6 loads a context
only from such a string (``Context._prep_sources`` and ``Context._read_source``
call ``source_to_json`` on it), so the parse that follows cannot reach the
network even if the resolution above missed a case.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._catalogue import ArtefactCatalogue
from ._exceptions import InputError, shorten

__all__ = ["inline_contexts", "refuse_references"]

log = logging.getLogger(__name__)

_CONTEXT = "@context"
_IMPORT = "@import"
_JSON_KINDS: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}

# Catalogue contexts, resolved once per process: file -> its @context value.
_RESOLVED: dict[Path, Any] = {}
_RESOLVED_LOCK = threading.RLock()


def inline_contexts(value: Any, catalogue: ArtefactCatalogue, label: str) -> Any:
    """Return a copy of ``value`` whose every context is a local object.

    Args:
        value: A JSON-LD document (or any part of one).
        catalogue: Where remote contexts come from.
        label: Source label for errors.

    Returns:
        The copy; the caller's document is not modified.

    Raises:
        InputError: A context names a URL outside the catalogue, or breaks a
            rule of JSON-LD 1.1 context processing (see the module docstring).
        ArtefactError: A catalogue context is missing from the mirror or
            altered.

    """
    if isinstance(value, list):
        return [inline_contexts(item, catalogue, label) for item in value]
    if not isinstance(value, Mapping):
        return value

    return {
        key: (
            _local_context(item, catalogue, label)
            if key == _CONTEXT
            else inline_contexts(item, catalogue, label)
        )
        for key, item in value.items()
    }


def refuse_references(value: Any, label: str) -> None:
    """Refuse a document in which rdflib would still load a context.

    The walk does not depend on where a context may stand: any string under
    an ``@context`` or ``@import`` key, at any depth and in nested arrays, is
    refused. Run it on the output of :func:`inline_contexts`.

    Args:
        value: The JSON-LD document about to be handed to rdflib.
        label: Source label for errors.

    Raises:
        InputError: A context reference is left; the message names it.

    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, Mapping):
            for key, inner in item.items():
                if key in (_CONTEXT, _IMPORT) and (url := _first_string(inner)):
                    raise InputError(
                        f"{key} {shorten(url)} would be loaded by rdflib; every "
                        "context must come from aurora-edc's artefact catalogue",
                        source=label,
                    )
                stack.append(inner)


def _first_string(value: Any) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            return item
        if isinstance(item, list):
            stack.extend(item)

    return None


# --- JSON-LD 1.1 §4.1.2 Context Processing --------------------------------


def _local_context(local: Any, catalogue: ArtefactCatalogue, label: str) -> Any:
    """Resolve one local context: null, a URL, a definition, or an array."""
    if not isinstance(local, list):
        return _context_item(local, catalogue, label)

    resolved: list[Any] = []
    for item in local:
        if isinstance(item, list):
            raise _invalid(f"an array inside a context array {shorten(item)}", label)
        inner = _context_item(item, catalogue, label)
        resolved.extend(inner if isinstance(inner, list) else [inner])

    return resolved


def _context_item(item: Any, catalogue: ArtefactCatalogue, label: str) -> Any:
    if item is None:
        return None
    if isinstance(item, str):
        return _remote_context(item, catalogue, label)
    if isinstance(item, Mapping):
        return _definition(item, catalogue, label)

    raise _invalid(f"{_kind(item)} {shorten(item)}", label)


def _definition(
    definition: Mapping[str, Any], catalogue: ArtefactCatalogue, label: str
) -> dict[str, Any]:
    """Resolve a context definition: its @import and its scoped contexts."""
    if _CONTEXT in definition:
        raise InputError(
            f"a context definition holds an @context entry "
            f"({shorten(definition[_CONTEXT])}): JSON-LD 1.1 §4.2.2 forbids "
            "redefining a keyword (expected terms, @vocab, @import ...)",
            source=label,
        )

    resolved = {}
    for term, value in definition.items():
        if term == _IMPORT:
            continue
        if isinstance(value, Mapping) and _CONTEXT in value:
            scoped = _local_context(value[_CONTEXT], catalogue, label)
            value = {**value, _CONTEXT: scoped}
        resolved[term] = value
    if _IMPORT not in definition:
        return resolved

    # §4.1.2 step 5.6: the importing definition wins over the imported one.
    return {**_imported(definition[_IMPORT], catalogue, label), **resolved}


def _imported(url: Any, catalogue: ArtefactCatalogue, label: str) -> dict[str, Any]:
    if not isinstance(url, str):
        raise InputError(
            f"@import must be a string (JSON-LD 1.1 §4.1.2 step 5.6.1), found "
            f"{_kind(url)} {shorten(url)}",
            source=label,
        )
    imported = _remote_context(url, catalogue, label)
    if not isinstance(imported, dict) or _IMPORT in imported:
        raise InputError(
            f"@import {url!r}: expected a context object without @import "
            "(JSON-LD 1.1 §4.1.2 steps 5.6.6-5.6.7)",
            source=label,
        )

    return imported


def _remote_context(url: str, catalogue: ArtefactCatalogue, label: str) -> Any:
    if not catalogue.knows(url):
        raise InputError(
            f"remote @context {shorten(url)} is not in aurora-edc's artefact "
            "catalogue; contexts are never fetched from the network (expected the "
            "W3C VC or the EDC context)",
            source=label,
        )
    entry = catalogue.entry(url)
    if "json" not in entry.media_type:
        raise InputError(
            f"@context {url!r} names a {entry.media_type} artefact, "
            "not a JSON-LD context",
            source=label,
        )

    path = catalogue.path(url)
    with _RESOLVED_LOCK:
        if path not in _RESOLVED:
            loaded = catalogue.read_json(url)
            inner = loaded.get(_CONTEXT) if isinstance(loaded, Mapping) else None
            _RESOLVED[path] = _local_context(inner, catalogue, url)
            log.debug("context %s loaded from %s", url, path)

        return _RESOLVED[path]


def _invalid(found: str, label: str) -> InputError:
    return InputError(
        "invalid local context: expected null, a context URL or a context object "
        f"(JSON-LD 1.1 §4.1.2 step 5), found {found}",
        source=label,
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"

    return _JSON_KINDS.get(type(value), "a number")
