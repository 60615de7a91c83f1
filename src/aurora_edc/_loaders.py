"""Read credential records from JSON, YAML and CSV files.

A JSON or YAML file holds either a record set (``organisations``,
``specifications``, ``awards``), one specification, or one award. A CSV file
holds one award per row, with dotted column names for nested fields
(``learner.given_name``, ``learner.national_id.country``); the specification
comes from another file.

Every item is validated on its own, so one bad record is reported (with its
record id and field path) and never stops or hides the others.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ._exceptions import InputError, RecordError, shorten
from ._files import read_regular_file
from ._record_types import DEFAULT_LANGUAGE, is_language_tag
from ._records import Award, Organisation, Specification
from ._textformats import parse_json, parse_yaml

__all__ = [
    "RecordBatch",
    "RecordStream",
    "iter_csv_awards",
    "load_records",
    "record_error",
    "stream_records",
]

log = logging.getLogger(__name__)

# Context key: this file's specification ids that were not kept, by source.
_REFUSED = "refused_specifications"

_MAX_RECORD_FILE = 256 * 1024 * 1024


@dataclass
class SourcedAward:
    """An award with the place it was read from (``roster.csv:12``)."""

    source: str
    award: Award


@dataclass
class RecordBatch:
    """Records read from files, with the errors of the items that failed.

    Attributes:
        organisations: Organisations by id.
        specifications: Specifications by id.
        awards: Valid awards, each with its source position.
        errors: One error per item that failed validation.
        origins: Where each organisation and specification was first read.
        inputs: Number of award items read, valid or not.

    """

    organisations: dict[str, Organisation] = field(default_factory=dict)
    specifications: dict[str, Specification] = field(default_factory=dict)
    awards: list[SourcedAward] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)
    inputs: int = 0

    def specification_for(self, award: Award) -> Specification:
        """Return the specification an award names, or the only one loaded.

        Raises:
            RecordError: The id is unknown, or none is named among several.

        """
        if award.specification is not None:
            if award.specification in self.specifications:
                return self.specifications[award.specification]
            known = ", ".join(sorted(self.specifications)) or "none loaded"
            raise RecordError(
                f"unknown specification {award.specification!r} (known: {known})",
                record_id=award.id,
                path="specification",
                rule="an award names a loaded specification",
            )
        if len(self.specifications) == 1:
            return next(iter(self.specifications.values()))

        raise RecordError(
            f"the award names no specification and {len(self.specifications)} "
            "are loaded",
            record_id=award.id,
            path="specification",
            rule="an award names its specification when several are loaded",
        )


def record_error(exc: ValidationError, record_id: str | None) -> RecordError:
    """Translate a pydantic error into a :class:`RecordError` with field paths.

    A value that fails every member of a union yields one message per member;
    only the first is kept for each field path.
    """
    problems: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        where = _dotted(error["loc"]) or "<record>"
        found = f" (found {shorten(error['input'], 60)})" if "input" in error else ""
        message = error["msg"].removeprefix("Value error, ")
        problems.setdefault(where, f"{where}: {message}{found}")
    first = next(iter(problems), None)

    return RecordError(
        "; ".join(problems.values()),
        record_id=record_id,
        path=None if first == "<record>" else first,
        rule=exc.title,
    )


# Location parts that name a union member or a validator, not a field.
_NOT_A_FIELD = re.compile(
    r"[A-Z\[\]-]|^(str|int|float|bool|date|datetime|decimal|list|dict)$"
)


def _dotted(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _NOT_A_FIELD.search(part):
            text += f".{part}" if text else part

    return text


def load_records(paths: Iterable[Path]) -> RecordBatch:
    """Read records from files into one batch.

    Args:
        paths: JSON, YAML or CSV files; CSV rows are awards.

    Returns:
        The batch; invalid items are in ``errors``, not raised.

    Raises:
        InputError: A file cannot be read or parsed at all.

    """
    batch = RecordBatch()
    csv_files = []
    for path in paths:
        if path.suffix.lower() == ".csv":
            csv_files.append(path)
            continue
        _add_document(batch, path, _read_document(path))
    for path in csv_files:
        for item in iter_csv_awards(path):
            batch.inputs += 1
            if isinstance(item, RecordError):
                batch.errors.append(item)
            else:
                batch.awards.append(item)

    return batch


@dataclass
class RecordStream:
    """Records read incrementally: definitions at once, award items on demand.

    Iterating yields every award item in input order (the awards of the JSON
    and YAML files in file order, then the rows of each CSV roster), each a
    :class:`SourcedAward` or the :class:`RecordError` of an invalid item; a
    CSV roster is read row by row, so its size does not matter. Iterating
    again reads the files again.

    Attributes:
        definitions: Organisations and specifications, with the errors of the
            invalid ones; its ``awards`` stay empty.

    """

    definitions: RecordBatch
    documents: list[tuple[Path, dict[str, Any], dict[str, Any]]]
    csv_files: list[Path]

    @property
    def files(self) -> list[Path]:
        """The record files, in the order their awards are read."""
        return [path for path, _, _ in self.documents] + list(self.csv_files)

    def __iter__(self) -> Iterator[SourcedAward | RecordError]:
        for path, sections, context in self.documents:
            yield from _document_awards(path, sections, context)
        for path in self.csv_files:
            yield from iter_csv_awards(path)

    def count(self) -> int:
        """Return the number of award items, counting CSV rows without reading them.

        Raises:
            InputError: A CSV file cannot be read.

        """
        total = sum(
            len(sections.get("awards") or []) for _, sections, _ in self.documents
        )
        for path in self.csv_files:
            try:
                with path.open(newline="", encoding="utf-8-sig") as handle:
                    total += max(sum(1 for _ in csv.reader(handle)) - 1, 0)
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                raise InputError(f"unreadable CSV: {exc}", source=str(path)) from exc

        return total


def stream_records(paths: Iterable[Path]) -> RecordStream:
    """Read the definitions of record files now and their awards on demand.

    Args:
        paths: JSON, YAML or CSV files; CSV rows are awards.

    Returns:
        The stream; see :class:`RecordStream`.

    Raises:
        InputError: A JSON or YAML file cannot be read or parsed at all.

    """
    stream = RecordStream(RecordBatch(), [], [])
    for path in paths:
        if path.suffix.lower() == ".csv":
            stream.csv_files.append(path)
            continue
        sections, context = _add_definitions(
            stream.definitions, path, _read_document(path)
        )
        stream.documents.append((path, sections, context))

    return stream


def _read_document(path: Path) -> Any:
    raw = read_regular_file(path, max_bytes=_MAX_RECORD_FILE, source=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", source=str(path)) from exc
    if path.suffix.lower() == ".json":
        return parse_json(text, str(path))

    return parse_yaml(text, str(path))


def _add_document(batch: RecordBatch, path: Path, document: Any) -> None:
    sections, context = _add_definitions(batch, path, document)
    for item in _document_awards(path, sections, context):
        batch.inputs += 1
        if isinstance(item, RecordError):
            batch.errors.append(item)
        else:
            batch.awards.append(item)


def _add_definitions(
    batch: RecordBatch, path: Path, document: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep a document's organisations and specifications; return its sections."""
    if not isinstance(document, dict):
        raise InputError(
            "a record file holds a mapping (record set, specification or award)",
            source=str(path),
        )
    language = document.get("default_language", DEFAULT_LANGUAGE)
    if not isinstance(language, str) or not is_language_tag(language):
        raise InputError(
            f"default_language {language!r} is not a BCP 47 language tag such as 'en'",
            source=str(path),
        )
    context = {"base_dir": path.parent, "default_language": language}
    if "learner" in document:
        sections: dict[str, list[Any]] = {"awards": [document]}
    elif "awarding_body" in document:
        sections = {"specifications": [document]}
    else:
        unknown = set(document) - {
            "$kind",
            "organisations",
            "specifications",
            "awards",
            "default_language",
        }
        if unknown:
            raise InputError(
                f"unknown top-level keys {sorted(unknown)}; expected "
                "organisations, specifications, awards",
                source=str(path),
            )
        sections = document

    for name in ("organisations", "specifications", "awards"):
        if not isinstance(sections.get(name) or [], list):
            raise InputError(f"'{name}' must be a list", source=str(path))
    for index, item in enumerate(sections.get("organisations") or []):
        where = f"{path.name}:organisations[{index}]"
        found = _validate(Organisation, item, context, where)
        _keep(batch, found, batch.organisations, where)
    # Specification ids of this file that were not kept: an award of this
    # file must not be issued under another file's definition of the same id.
    refused: dict[str, str] = {}
    for index, item in enumerate(sections.get("specifications") or []):
        where = f"{path.name}:specifications[{index}]"
        # A specification's own default_language applies to its plain texts.
        own = dict(context)
        if isinstance(item, dict) and isinstance(item.get("default_language"), str):
            own["default_language"] = item["default_language"]
        found = _validate(Specification, item, own, where)
        if not _keep(batch, found, batch.specifications, where):
            spec_id = item.get("id") if isinstance(item, dict) else None
            refused[str(spec_id)] = where
    context[_REFUSED] = refused

    return sections, context


def _document_awards(
    path: Path, sections: dict[str, Any], context: dict[str, Any]
) -> Iterator[SourcedAward | RecordError]:
    local_specs = sections.get("specifications") or []
    for index, item in enumerate(sections.get("awards") or []):
        source = f"{path.name}:awards[{index}]"
        if (
            isinstance(item, dict)
            and "specification" not in item
            and len(local_specs) == 1
        ):
            # An award without a specification is of its own file's only one.
            item = {**item, "specification": (local_specs[0] or {}).get("id")}
        award = _validate(Award, item, context, source)
        if isinstance(award, RecordError):
            yield award
        elif award.specification in context.get(_REFUSED, {}):
            where = context[_REFUSED][award.specification]
            yield RecordError(
                f"its specification {award.specification!r} in this file was "
                f"refused ({where}); the award is not issued under another "
                "definition",
                record_id=award.id,
                path="specification",
                rule="an award is issued under its own file's specification",
                source=source,
            )
        else:
            yield SourcedAward(source, award)


def _keep(batch: RecordBatch, found: Any, into: dict[str, Any], where: str) -> bool:
    """Keep a definition unless invalid or in conflict; return whether kept."""
    if isinstance(found, RecordError):
        batch.errors.append(found)
        return False
    if found.id in into and into[found.id] != found:
        first = batch.origins.get(f"{type(found).__name__}:{found.id}", "another file")
        batch.errors.append(
            RecordError(
                f"a different record with this id was already loaded from {first}",
                record_id=found.id,
                path="id",
                rule="ids are unique across the loaded files",
                source=where,
            )
        )
        return False
    into[found.id] = found
    batch.origins.setdefault(f"{type(found).__name__}:{found.id}", where)

    return True


def _validate(
    model: type[BaseModel], item: Any, context: dict[str, Any], source: str
) -> Any:
    record_id = item.get("id") if isinstance(item, dict) else None
    try:
        return model.model_validate(item, context=context)
    except ValidationError as exc:
        error = record_error(exc, str(record_id) if record_id else source)
        error.source = source
        return error


def iter_csv_awards(
    path: Path, *, default_language: str = DEFAULT_LANGUAGE
) -> Iterator[SourcedAward | RecordError]:
    """Yield the awards of a CSV roster, one per row, read incrementally.

    Args:
        path: CSV file with a header row of dotted field names.
        default_language: Language of plain-text cells.

    Yields:
        A :class:`SourcedAward`, or the :class:`RecordError` of a bad row.

    Raises:
        InputError: The file cannot be read.

    """
    context = {"base_dir": path.parent, "default_language": default_language}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            repeated = sorted({name for name in header if header.count(name) > 1})
            if repeated:
                raise InputError(
                    f"columns given twice in the header: {repeated}",
                    source=str(path),
                    line=1,
                )
            for row in reader:
                source = f"{path.name}:{reader.line_num}"
                if None in row:
                    yield RecordError(
                        "row has more cells than the header",
                        record_id=row.get("id") or source,
                        rule="CSV shape",
                    )
                    continue
                found = _validate(Award, _unflatten(row), context, source)
                yield (
                    found
                    if isinstance(found, RecordError)
                    else SourcedAward(source, found)
                )
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"unreadable CSV: {exc}", source=str(path)) from exc


def _unflatten(row: dict[str, str | None]) -> dict[str, Any]:
    """Turn ``{"a.b": "x"}`` into ``{"a": {"b": "x"}}``."""
    nested: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or not cell.strip():
            continue
        target = nested
        *parents, leaf = column.strip().split(".")
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                break
        else:
            target[leaf] = cell.strip()

    return nested
