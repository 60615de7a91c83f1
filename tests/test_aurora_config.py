"""Tests of the Aurora configuration: levels, minimum level, size, vocabularies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora_edc import default_aurora_config, load_aurora_config
from aurora_edc._aurora_config import CONFIG_ENV, LEVEL_CRITERIA
from aurora_edc._exceptions import InputError

DATA = Path(__file__).resolve().parents[1] / "src/aurora_edc/data/aurora"

THREE_LEVELS = """\
minimum_level: 3
credit: {minimum: 2, maximum: 6}
levels:
  - {level: 1, label: Bronze, requires: {sdg: 1}}
  - {level: 2, label: Silver, requires: {hub: 1, key-competence: 2}}
  - {level: 3, label: Gold, requires: {transversal-competence: 1, sdg: 2}}
hubs: hubs.ttl
frameworks: {acf: acf.ttl}
"""


def _write_config(folder: Path, text: str = THREE_LEVELS) -> Path:
    shutil.copy(DATA / "educational-hubs.example.ttl", folder / "hubs.ttl")
    shutil.copy(DATA / "competence-framework.example.ttl", folder / "acf.ttl")
    path = folder / "aurora.yaml"
    path.write_text(text, "utf-8")

    return path


def test_default_level_2_is_hub_sdg_and_key_competence() -> None:
    """The shipped configuration requires Level 2: a hub, an SDG, a key competence."""
    config = default_aurora_config()

    assert config.minimum_level == 2
    assert config.requirements(2) == {"hub": 1, "sdg": 1, "key-competence": 1}
    assert (config.credit_minimum, config.credit_maximum) == (3, 10)
    assert config.label(2) == "Level 2"


def test_caller_configuration_overrides_every_number(tmp_path: Path) -> None:
    """A caller's file sets levels, labels, minimum level, size and vocabularies."""
    config = load_aurora_config(_write_config(tmp_path))

    assert config.minimum_level == 3
    assert config.requirements(3) == {
        "sdg": 2,
        "hub": 1,
        "key-competence": 2,
        "transversal-competence": 1,
    }
    assert config.label(3) == "Gold"
    assert (config.credit_minimum, config.credit_maximum) == (2, 6)
    assert set(config.frameworks) == {"acf"}


counts = st.fixed_dictionaries({name: st.integers(0, 3) for name in LEVEL_CRITERIA})


@given(counts)
def test_level_is_the_highest_whose_cumulative_needs_are_met(
    found: dict[str, int],
) -> None:
    """level_of gives the highest level L such that every level up to L is met."""
    config = default_aurora_config()

    level = config.level_of(found)

    def met(number: int) -> bool:
        return all(found[k] >= v for k, v in config.requirements(number).items())

    assert all(met(n) for n in range(1, level + 1))
    assert level == len(config.levels) or not met(level + 1)


def test_environment_variable_names_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AURORA_EDC_AURORA_CONFIG replaces the shipped configuration."""
    monkeypatch.setenv(CONFIG_ENV, str(_write_config(tmp_path)))

    assert default_aurora_config().minimum_level == 3


def test_edited_file_is_read_again(tmp_path: Path) -> None:
    """A changed configuration file is not served from the cache."""
    path = _write_config(tmp_path)
    first = load_aurora_config(path)
    path.write_text(
        THREE_LEVELS.replace("minimum_level: 3", "minimum_level: 1"), "utf-8"
    )
    os.utime(path, ns=(1, 1))

    assert first.minimum_level == 3
    assert load_aurora_config(path).minimum_level == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("level: 2,", "level: 3,"), "numbered 1, 2"),
        (("minimum_level: 3", "minimum_level: 4"), "above the highest level"),
        (("hub: 1,", "hubz: 1,"), "levels.1.requires.hubz"),
        (("maximum: 6", "maximum: 1"), "credit.minimum is above credit.maximum"),
        (("hubs: hubs.ttl", "hubs: missing.ttl"), "cannot read"),
    ],
)
def test_invalid_configuration_names_the_fault(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    """A broken configuration is an InputError that says what is wrong."""
    path = _write_config(tmp_path, THREE_LEVELS.replace(*change))

    with pytest.raises(InputError, match=message):
        load_aurora_config(path)


def test_unknown_framework_name_is_refused() -> None:
    """Asking for an unconfigured framework names the configured ones."""
    config = default_aurora_config()

    with pytest.raises(LookupError, match="aurora-competence-framework"):
        config.framework("louis")
