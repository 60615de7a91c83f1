"""Tests of the self-contained HTML page of an Aurora catalogue check."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from aurora_edc import check_specification, default_aurora_config, render_check_html
from aurora_edc._aurora import ANNEX_I, AURORA_CRITERIA, OfferingReport
from aurora_edc._loaders import load_records

AURORA = Path(__file__).resolve().parents[1] / "fixtures/aurora"
WHEN = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)


class _Page(HTMLParser):
    """Collects tags, attributes and row structure of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.body_rows: list[int] = []
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.body_rows.append(0)
        elif tag == "td" and self._in_body and self.body_rows:
            self.body_rows[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False


@pytest.fixture(scope="module")
def reports() -> list[OfferingReport]:
    """Reports of every Aurora fixture offering."""
    batch = load_records(sorted(AURORA.glob("*.yaml")))
    return [
        check_specification(spec, organisations=batch.organisations)
        for spec in batch.specifications.values()
    ]


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def test_page_is_one_self_contained_document(reports: list[OfferingReport]) -> None:
    """Inline CSS only: no script, no external stylesheet, image, font or frame."""
    text = render_check_html(reports, default_aurora_config(), generated=WHEN)
    page = _parse(text)

    assert text.startswith("<!DOCTYPE html>")
    assert "style" in page.tags
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(page.tags)
    assert not [v for k, v in page.attributes if k in ("src", "href")]
    assert "url(" not in text and "@import" not in text


def test_table_has_a_row_per_offering_and_a_cell_per_criterion(
    reports: list[OfferingReport],
) -> None:
    """One row per offering: a level cell plus one cell per criterion column."""
    page = _parse(render_check_html(reports, default_aurora_config(), generated=WHEN))

    columns = len(ANNEX_I) + len(AURORA_CRITERIA) - 1  # the level has its own column

    assert page.body_rows[: len(reports)] == [1 + columns] * len(reports)


def test_summary_counts_and_shortfalls_are_stated(
    reports: list[OfferingReport],
) -> None:
    """The page says how many offerings fall short and lists what each misses."""
    text = render_check_html(reports, default_aurora_config(), generated=WHEN)

    falling = sum(not r.meets_profile for r in reports)
    assert f"<b>{falling}</b> fall short" in text
    assert "level of the learning experience (EQF)</b>: no EQF level" in text
    assert "Checked 2026-07-20 09:00 UTC" in text


def test_record_text_is_escaped(reports: list[OfferingReport]) -> None:
    """A title with markup is shown as text, never as markup."""
    hostile = reports[0].__class__(
        **{**reports[0].__dict__, "title": "<script>alert(1)</script>"}
    )

    text = render_check_html(
        [hostile], default_aurora_config(), errors=["bad <b>record</b>"], generated=WHEN
    )

    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "bad &lt;b&gt;record&lt;/b&gt;" in text
