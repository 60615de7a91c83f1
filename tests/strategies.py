"""Hypothesis strategies shared by the tests that generate records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from hypothesis import strategies as st

from aurora_edc._records import Award, Organisation
from aurora_edc._vocab import code_list

TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")),
    min_size=1,
    max_size=40,
).filter(str.strip)
BIRTH_DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2010, 12, 31))


def codes(name: str) -> st.SearchStrategy[str]:
    """Concept IRIs of one official code list."""
    return st.sampled_from(sorted(concept.iri for concept in code_list(name)))


def lang_text(languages: Sequence[str]) -> st.SearchStrategy[dict[str, str]]:
    """Multilingual texts in one to three of ``languages``."""
    return st.dictionaries(st.sampled_from(languages), TEXT, min_size=1, max_size=3)


def organisations(
    names: st.SearchStrategy[dict[str, str]], countries: Sequence[str]
) -> st.SearchStrategy[Organisation]:
    """Issuing organisations with an eIDAS identifier."""
    return st.builds(
        lambda name, country, suffix: Organisation(
            id=f"org-{suffix}",
            legal_name=name,
            country=country,
            eidas_id=f"VATXX-{suffix}",
        ),
        names,
        st.sampled_from(countries),
        st.integers(1, 10**6).map(str),
    )


def awards(grades: st.SearchStrategy[object]) -> st.SearchStrategy[Award]:
    """One award of the specification ``spec`` to a learner with a full name."""
    return st.builds(
        lambda name, born, grade: Award(
            id="award-1",
            learner={"full_name": name, "date_of_birth": born},
            awarded_on="2026-06-30",
            grade=grade,
        ),
        TEXT,
        BIRTH_DATES,
        st.one_of(st.none(), grades),
    )
