"""Configuration of the Aurora micro-credential profile: levels, size, vocabularies.

The Aurora alliance's guidelines for micro-credentials add rules on top of the
EDC profile: a typical size of 3 to 10 ECTS credits, and "Aurorisation"
levels, where Level 2 means alignment with an Aurora Educational Hub, a UN
Sustainable Development Goal and at least one key competence. The level
definitions, the minimum level, the size range and the alliance's vocabulary
files live in a YAML file, never in code: ``data/aurora/aurora-profile.yaml``
by default, another file when the caller names one (argument, or the
``AURORA_EDC_AURORA_CONFIG`` environment variable for a whole process). The
``aurora`` SHACL profile, ``aurora-edc check`` and the credential builder all
read the same :class:`AuroraConfig`.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ._aurora_vocab import SKOSVocabulary, builtin_vocabulary, read_skos_vocabulary
from ._exceptions import InputError, UnknownCodeError, shorten

__all__ = [
    "CONFIG_ENV",
    "LEVEL_CRITERIA",
    "AuroraConfig",
    "AuroraLevel",
    "default_aurora_config",
    "load_aurora_config",
]

CONFIG_ENV = "AURORA_EDC_AURORA_CONFIG"
LEVEL_CRITERIA = ("hub", "sdg", "key-competence", "transversal-competence")
_MAX_CONFIG_BYTES = 1024 * 1024

Criterion = Literal["hub", "sdg", "key-competence", "transversal-competence"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _LevelFile(_Strict):
    level: int = Field(ge=1, le=20)
    label: str = Field(min_length=1)
    description: str = ""
    requires: dict[Criterion, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)


class _CreditFile(_Strict):
    minimum: Decimal = Field(Decimal(3), gt=0)
    maximum: Decimal = Field(Decimal(10), gt=0)


class _NotesFile(_Strict):
    open_to_all_partners: dict[str, str] = Field(
        default_factory=lambda: {"en": "Open to students of all partner universities."}
    )


class _ConfigFile(_Strict):
    kind: Literal["aurora-edc/aurora-config"] | None = Field(None, alias="$kind")
    minimum_level: int = Field(2, ge=0)
    credit: _CreditFile = Field(default_factory=_CreditFile)
    levels: list[_LevelFile] = Field(min_length=1)
    hubs: str
    frameworks: dict[str, str] = Field(default_factory=dict)
    notes: _NotesFile = Field(default_factory=_NotesFile)

    @model_validator(mode="after")
    def _consistent(self) -> _ConfigFile:
        numbers = [level.level for level in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(
                f"levels must be numbered 1, 2, ... in order; found {numbers}"
            )
        if self.minimum_level > len(numbers):
            raise ValueError(
                f"minimum_level {self.minimum_level} is above the highest level "
                f"defined ({len(numbers)})"
            )
        if self.credit.minimum > self.credit.maximum:
            raise ValueError("credit.minimum is above credit.maximum")
        return self


@dataclass(frozen=True)
class AuroraLevel:
    """One Aurorisation level.

    Attributes:
        level: Its number, from 1.
        label: Name shown to people (``Level 2``).
        description: What the level means, in one sentence.
        requires: Criterion -> least number of distinct concepts, for this
            level only (lower levels' requirements also apply).

    """

    level: int
    label: str
    description: str
    requires: Mapping[str, int]


@dataclass(frozen=True)
class AuroraConfig:
    """The Aurora profile's rules, with the vocabularies they name, loaded.

    Attributes:
        source: The configuration file.
        minimum_level: Lowest Aurorisation level a credential must reach.
        credit_minimum: Smallest typical size in ECTS credits (inclusive).
        credit_maximum: Largest typical size in ECTS credits (inclusive).
        levels: The levels, lowest first, numbered from 1.
        hubs: The alliance's Educational Hubs vocabulary.
        frameworks: Transversal competence frameworks by name.
        open_to_all_partners_note: Text of the note that marks an offering
            open to students of every partner, by language.

    """

    source: str
    minimum_level: int
    credit_minimum: Decimal
    credit_maximum: Decimal
    levels: tuple[AuroraLevel, ...]
    hubs: SKOSVocabulary
    frameworks: Mapping[str, SKOSVocabulary]
    open_to_all_partners_note: Mapping[str, str]

    @property
    def sdgs(self) -> SKOSVocabulary:
        """The UN Sustainable Development Goals (built in)."""
        return builtin_vocabulary("sdg")

    @property
    def key_competences(self) -> SKOSVocabulary:
        """The EU key competences for lifelong learning (built in)."""
        return builtin_vocabulary("key-competence")

    def vocabularies(self, criterion: str) -> tuple[SKOSVocabulary, ...]:
        """Return the vocabularies whose concepts a level criterion counts.

        Raises:
            UnknownCodeError: ``criterion`` is not one of the level criteria.

        """
        if criterion == "hub":
            return (self.hubs,)
        if criterion == "sdg":
            return (self.sdgs,)
        if criterion == "key-competence":
            return (self.key_competences,)
        if criterion == "transversal-competence":
            return tuple(self.frameworks.values())

        known = ", ".join(LEVEL_CRITERIA)
        raise UnknownCodeError(
            f"{criterion!r} is not a level criterion; known: {known}",
            rule="an Aurorisation level criterion",
        )

    def framework(self, name: str, *, path: str | None = None) -> SKOSVocabulary:
        """Return a transversal competence framework by its configured name.

        Raises:
            UnknownCodeError: No framework has that name.

        """
        if name not in self.frameworks:
            known = ", ".join(sorted(self.frameworks)) or "none configured"
            raise UnknownCodeError(
                f"{shorten(name)} is not a competence framework of the Aurora "
                f"configuration ({known})",
                path=path,
                rule=f"a framework named in {self.source}",
            )

        return self.frameworks[name]

    def requirements(self, level: int) -> dict[str, int]:
        """Return what reaching ``level`` takes: its and all lower levels' needs."""
        needed: dict[str, int] = {}
        for defined in self.levels[:level]:
            for criterion, count in defined.requires.items():
                needed[criterion] = max(needed.get(criterion, 0), count)

        return needed

    def level_of(self, counts: Mapping[str, int]) -> int:
        """Return the highest level whose requirements ``counts`` meet (0: none).

        Args:
            counts: Criterion -> number of distinct concepts aligned.

        Returns:
            The Aurorisation level.

        """
        reached = 0
        for defined in self.levels:
            needs = self.requirements(defined.level)
            if any(counts.get(name, 0) < count for name, count in needs.items()):
                break
            reached = defined.level

        return reached

    def label(self, level: int) -> str:
        """Return the label of a level, ``Level 0`` below the first."""
        if 1 <= level <= len(self.levels):
            return self.levels[level - 1].label

        return f"Level {level}"


def load_aurora_config(path: Path | None = None) -> AuroraConfig:
    """Read an Aurora configuration and the vocabulary files it names.

    Args:
        path: The YAML file; ``None`` for :func:`default_aurora_config`.

    Returns:
        The configuration, read once per process and file version.

    Raises:
        InputError: The file or a vocabulary it names is unreadable or breaks
            the configuration schema; the message names the field.

    """
    if path is None:
        return default_aurora_config()
    resolved = path.resolve()
    try:
        stamp = resolved.stat().st_mtime_ns
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from exc

    return _load(resolved, stamp)


def default_aurora_config() -> AuroraConfig:
    """Return the configuration of ``$AURORA_EDC_AURORA_CONFIG``, else the shipped one.

    Raises:
        InputError: The configuration or a vocabulary it names is unusable.

    """
    named = os.environ.get(CONFIG_ENV)
    if named:
        return load_aurora_config(Path(named))

    return load_aurora_config(_packaged())


def _packaged() -> Path:
    folder = Path(str(resources.files("aurora_edc").joinpath("data/aurora")))

    return folder / "aurora-profile.yaml"


@functools.lru_cache(maxsize=8)
def _load(path: Path, stamp: int) -> AuroraConfig:
    del stamp  # part of the cache key only: an edited file is read again
    raw = _read_yaml(path)
    try:
        data = _ConfigFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '<file>'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise InputError(
            f"invalid Aurora configuration: {problems}", source=str(path)
        ) from exc

    base = path.parent
    levels = tuple(
        AuroraLevel(
            lv.level,
            lv.label,
            lv.description,
            MappingProxyType({str(k): v for k, v in lv.requires.items()}),
        )
        for lv in data.levels
    )
    frameworks = {
        name: read_skos_vocabulary(base / file, name)
        for name, file in data.frameworks.items()
    }

    return AuroraConfig(
        source=str(path),
        minimum_level=data.minimum_level,
        credit_minimum=data.credit.minimum,
        credit_maximum=data.credit.maximum,
        levels=levels,
        hubs=read_skos_vocabulary(base / data.hubs, "hub"),
        frameworks=MappingProxyType(frameworks),
        open_to_all_partners_note=MappingProxyType(
            dict(data.notes.open_to_all_partners)
        ),
    )


def _read_yaml(path: Path) -> Any:
    try:
        if path.stat().st_size > _MAX_CONFIG_BYTES:
            raise InputError(
                f"configuration larger than {_MAX_CONFIG_BYTES} bytes", source=str(path)
            )
        text = path.read_text("utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason}", source=str(path)) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            source=str(path),
            line=mark.line + 1 if mark is not None else None,
        ) from exc
