"""Tests of the shared ELM 1.2 parts kept in a bulk run: same bytes as built alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from aurora_edc._build import CredentialBuilder
from aurora_edc._elm import LangMap, Node
from aurora_edc._records import Award, Specification
from aurora_edc._xml12 import ELM12Form, elm12_bytes
from aurora_edc._xml12_claims import References
from aurora_edc._xml12_shared import SharedParts, keeping_shared_parts
from helpers import ISSUED
from test_xml12 import AWARDS, FIXTURE_FILES, SPECS, _credentials


@pytest.mark.parametrize("name", sorted(FIXTURE_FILES))
def test_kept_shared_parts_give_the_same_bytes(fixtures_dir: Path, name: str) -> None:
    """Copying kept qualification and organisation elements changes no byte."""
    credentials = _credentials(fixtures_dir, name)
    cold = [elm12_bytes(credential) for credential in credentials]

    with keeping_shared_parts(SharedParts()):
        forward = [elm12_bytes(credential) for credential in credentials]
        backward = [elm12_bytes(credential) for credential in reversed(credentials)]

    assert forward == cold
    assert backward[::-1] == cold


def test_parts_are_kept_only_inside_the_block(fixtures_dir: Path) -> None:
    """Outside keeping_shared_parts, a changed shared node shows in the next output."""
    first, second = _credentials(fixtures_dir, "roster")[:2]
    issuer = first.get("issuer")
    with keeping_shared_parts(SharedParts()) as parts:
        elm12_bytes(first)
    assert parts.get((issuer,)) is not None

    issuer.set("legalName", LangMap({"en": "Renamed University"}))

    assert b"Renamed University" in elm12_bytes(second)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=SPECS,
    awards_=st.lists(AWARDS, min_size=2, max_size=3),
    order=st.randoms(use_true_random=False),
    mandated=st.booleans(),
)
def test_generated_credentials_of_one_specification_keep_parts_exactly(
    spec: Specification, awards_: list[Award], order: Any, mandated: bool
) -> None:
    """Credentials sharing a specification's nodes render as if each were alone."""
    builder = CredentialBuilder()
    credentials = [
        builder.build(spec, award.model_copy(update={"id": f"a{i}"}), issued=ISSUED)
        for i, award in enumerate(awards_)
    ]
    form = ELM12Form.MANDATED if mandated else ELM12Form.DIRECT
    cold = [elm12_bytes(credential, form=form) for credential in credentials]
    positions = list(range(len(credentials)))
    order.shuffle(positions)

    with keeping_shared_parts(SharedParts()):
        warm = {i: elm12_bytes(credentials[i], form=form) for i in positions * 2}

    assert [warm[i] for i in range(len(credentials))] == cold


class _Nested:
    """A parent entry whose build adds a shared part, whose build adds an outcome."""

    def __init__(self) -> None:
        self.parent = Node("Qualification", "urn:parent")
        self.part = Node("Qualification", "urn:part")
        self.outcome = Node("LearningOutcome", "urn:outcome")

    def outcome_into(self, refs: References) -> None:
        refs.add(
            "learningOutcomeReferences",
            self.outcome,
            lambda holder: etree.SubElement(holder, "outcome", id=self.outcome.id),
        )

    def part_into(self, refs: References) -> None:
        def build(holder: etree._Element) -> None:
            self.outcome_into(refs)
            etree.SubElement(holder, "part", id=self.part.id)

        refs.add("learningSpecificationReferences", self.part, build, (self.part,))

    def parent_into(self, refs: References) -> None:
        def build(holder: etree._Element) -> None:
            self.part_into(refs)
            etree.SubElement(holder, "parent", id=self.parent.id)

        refs.add("learningSpecificationReferences", self.parent, build, (self.parent,))


def _keys(refs: References) -> list[tuple[str, str]]:
    return sorted((name, key) for name, found in refs.sections.items() for key in found)


def test_copy_inside_a_recording_passes_on_what_it_relies_on() -> None:
    """A kept part copied while recording its parent makes the parent need it too."""
    nested = _Nested()
    alone = References()
    nested.parent_into(alone)

    with keeping_shared_parts(SharedParts()):
        first = References()  # the outcome is there before the part is kept
        nested.outcome_into(first)
        nested.part_into(first)
        second = References()  # the part is copied inside the parent's recording
        nested.outcome_into(second)
        nested.parent_into(second)
        third = References()  # no outcome yet: the parent's copy lacks it
        nested.parent_into(third)

    assert ("learningOutcomeReferences", "urn:outcome") in _keys(third)
    assert _keys(third) == _keys(alone)
