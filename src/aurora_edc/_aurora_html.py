"""One self-contained HTML page of an Aurora catalogue check (HTML Living Standard).

Renders the :class:`~aurora_edc.OfferingReport` of every offering as a table of
offerings (rows) by criteria (columns: the Annex I elements of the 2022 Council
Recommendation on micro-credentials, then the Aurora criteria), followed by
the details of what each offering misses. The page has its CSS inline and no
script, font, image or link to anything outside itself, so a programme
coordinator can open, mail or archive it as one file. Every text from the
records is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from ._aurora import ANNEX_I, AURORA_CRITERIA, CheckStatus, Criterion, OfferingReport
from ._aurora_config import AuroraConfig

__all__ = ["render_check_html"]

_SHORT = {
    "learner": "Learner",
    "title": "Title",
    "issuer-country": "Issuer country",
    "awarding-body": "Awarding body",
    "date-of-issue": "Date of issue",
    "learning-outcomes": "Learning outcomes",
    "workload": "Workload (ECTS)",
    "eqf-level": "EQF level",
    "assessment-type": "Assessment type",
    "participation-form": "Participation",
    "quality-assurance": "Quality assurance",
    "size": "Size",
    "hub": "Educational Hub",
    "sdg": "SDG",
    "key-competence": "Key competence",
    "transversal-competence": "Transversal comp.",
    "components": "Joint components",
    "level": "Level",
}
_MARK = {
    CheckStatus.MET: ("\u2713", "met"),
    CheckStatus.MISSING: ("\u2717", "missing"),
    CheckStatus.WARNING: ("!", "warning"),
    CheckStatus.NOT_APPLICABLE: ("\u2013", "na"),
}
_COLUMNS = (*ANNEX_I, *(c for c in AURORA_CRITERIA if c.id != "level"))

_CSS = """
:root { --met:#1b7f3b; --missing:#b42318; --warning:#a15c00; --na:#767676;
        --line:#d0d5dd; --head:#f2f4f7; --bad:#fef3f2; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color:#101828; margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; }
.summary { color:#475467; margin: 0 0 1rem; }
.summary b { color:#101828; }
.wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px;
        display: inline-block; max-width: 100%; }
table { border-collapse: collapse; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .45rem; }
thead th { background: var(--head); font-weight: 600; position: sticky; top: 0; }
thead tr.groups th { text-align: center; border-left: 1px solid var(--line); }
th.rot { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
         text-align: left; vertical-align: bottom; height: 10.5rem; font-size: .85rem;
         padding: .5rem .2rem; }
th.offering { text-align: left; min-width: 18rem; }
.verdict { display: block; font-size: .8rem; font-weight: 600; }
.verdict.meets { color: var(--met); } .verdict.falls { color: var(--missing); }
tbody th { text-align: left; font-weight: 500; background: #fff; position: sticky;
           left: 0; }
tbody tr.falls th { background: var(--bad); }
.id { display: block; color:#667085; font-size: .8rem; font-family: ui-monospace,
      monospace; }
td.mark { text-align: center; font-weight: 700; font-size: 1.05rem; cursor: help;
          border-left: 1px solid #eaecf0; }
td.met { color: var(--met); }
td.missing { color: var(--missing); background: var(--bad); }
td.warning { color: var(--warning); background: #fffaeb; }
td.na { color: var(--na); }
td.level { text-align: center; font-weight: 700; white-space: nowrap; }
td.level.ok { color: var(--met); }
td.level.low { color: var(--missing); background: var(--bad); }
.first { border-left: 2px solid #98a2b3 !important; }
.legend { display: flex; gap: 1.25rem; flex-wrap: wrap; color:#475467;
          margin: .75rem 0 0; font-size: .9rem; }
.legend b { font-size: 1.05rem; }
section.offering { border: 1px solid var(--line); border-radius: 6px;
                   padding: .6rem .9rem; margin: .6rem 0; }
section.offering h3 { font-size: 1rem; margin: 0 0 .35rem; }
section.offering.falls { border-left: 4px solid var(--missing); }
section.offering.meets { border-left: 4px solid var(--met); }
ul.gaps { margin: .25rem 0; padding-left: 1.2rem; }
li.missing::marker { color: var(--missing); }
li.warning::marker { color: var(--warning); }
details summary { cursor: pointer; color:#475467; margin-top: .35rem; }
table.all td, table.all th { font-size: .88rem; text-align: left; }
.status-missing { color: var(--missing); font-weight: 600; }
.status-warning { color: var(--warning); font-weight: 600; }
.status-met { color: var(--met); }
.status-na { color: var(--na); }
footer { margin-top: 2rem; color:#667085; font-size: .85rem; }
@media print { .wrap { overflow: visible; } thead th, tbody th { position: static; } }
"""


def render_check_html(
    reports: Sequence[OfferingReport],
    config: AuroraConfig,
    *,
    errors: Sequence[str] = (),
    generated: datetime | None = None,
) -> str:
    """Return the catalogue check as one self-contained HTML page.

    Args:
        reports: One report per offering, in the order to show them.
        config: The configuration the offerings were checked against.
        errors: Records that could not be checked at all, as messages.
        generated: Time shown in the footer; now by default.

    Returns:
        The HTML document.

    """
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        "<header>",
        "<h1>Aurora micro-credential catalogue check</h1>",
        _summary(reports, config),
        "</header>",
        _table(reports),
        _legend(),
        _problems(errors),
        "<h2>Offerings in detail</h2>",
        *(_section(report) for report in reports),
        f"<footer>Checked {_e(when)} against {_e(config.source)} by aurora-edc. "
        "Annex I: Council Recommendation of 16 June 2022 on a European approach "
        "to micro-credentials (2022/C 243/02).</footer>",
    ]

    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Aurora micro-credential catalogue check</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _summary(reports: Sequence[OfferingReport], config: AuroraConfig) -> str:
    meeting = sum(report.meets_profile for report in reports)
    low, high = _number(config.credit_minimum), _number(config.credit_maximum)

    return (
        f'<p class="summary"><b>{len(reports)}</b> offering(s): '
        f"<b>{meeting}</b> meet the Aurora profile, "
        f"<b>{len(reports) - meeting}</b> fall short. Required: "
        f"Aurorisation {_e(config.label(config.minimum_level))}; typical size "
        f"{low}\u2013{high} ECTS.</p>"
    )


def _table(reports: Sequence[OfferingReport]) -> str:
    aurora_count = len(_COLUMNS) - len(ANNEX_I)
    heads = "".join(
        _column_head(c, first=c in (ANNEX_I[0], AURORA_CRITERIA[0])) for c in _COLUMNS
    )
    rows = "\n".join(_row(report) for report in reports)

    return (
        '<div class="wrap"><table>\n<thead>\n<tr class="groups">'
        '<th rowspan="2" class="offering" scope="col">Offering</th>'
        '<th rowspan="2" scope="col">Aurorisation level</th>'
        f'<th colspan="{len(ANNEX_I)}" scope="colgroup">Annex I elements</th>'
        f'<th colspan="{aurora_count}" scope="colgroup">Aurora criteria</th></tr>\n'
        f"<tr>{heads}</tr>\n</thead>\n<tbody>\n{rows}\n</tbody></table></div>"
    )


def _column_head(criterion: Criterion, *, first: bool) -> str:
    extra = " first" if first else ""

    return (
        f'<th class="rot{extra}" scope="col" title="{_e(criterion.name)}">'
        f"{_e(_SHORT[criterion.id])}</th>"
    )


def _row(report: OfferingReport) -> str:
    state = "meets" if report.meets_profile else "falls"
    level_ok = report.level >= report.minimum_level
    cells = "".join(_cell(report, criterion) for criterion in _COLUMNS)
    level = report.result("level")

    verdict = (
        "meets the profile"
        if report.meets_profile
        else (f"falls short: {len(report.shortfalls)} missing")
    )

    return (
        f'<tr class="{state}"><th scope="row">{_e(report.title)}'
        f'<span class="id">{_e(report.specification)}</span>'
        f'<span class="verdict {state}">{_e(verdict)}</span></th>'
        f'<td class="level {"ok" if level_ok else "low"}" '
        f'title="{_e(level.detail)}">{_e(report.level_label)}</td>{cells}</tr>'
    )


def _cell(report: OfferingReport, criterion: Criterion) -> str:
    result = report.result(criterion.id)
    mark, kind = _MARK[result.status]
    first = " first" if criterion in (ANNEX_I[0], AURORA_CRITERIA[0]) else ""
    tip = f"{criterion.name}: {result.status.value}. {result.detail}"

    return (
        f'<td class="mark {kind}{first}" title="{_e(tip)}" '
        f'aria-label="{_e(tip)}">{mark}</td>'
    )


def _legend() -> str:
    items = [
        ("met", "\u2713", "met"),
        ("missing", "\u2717", "missing (the offering falls short)"),
        ("warning", "!", "warning (advice, not a shortfall)"),
        ("na", "\u2013", "not applicable"),
    ]
    spans = "".join(
        f'<span><b class="status-{kind}">{mark}</b> {_e(text)}</span>'
        for kind, mark, text in items
    )

    return f'<p class="legend">{spans}<span>Hover a cell for its details.</span></p>'


def _problems(errors: Sequence[str]) -> str:
    if not errors:
        return ""
    items = "".join(f'<li class="missing">{_e(error)}</li>' for error in errors)

    return f'<h2>Records that could not be checked</h2><ul class="gaps">{items}</ul>'


def _section(report: OfferingReport) -> str:
    state = "meets" if report.meets_profile else "falls"
    gaps = [
        r
        for r in report.results
        if r.status in (CheckStatus.MISSING, CheckStatus.WARNING)
    ]
    verdict = (
        "meets the Aurora profile"
        if report.meets_profile
        else f"falls short on {len(report.shortfalls)} criterion(s)"
    )
    items = "".join(
        f'<li class="{_MARK[r.status][1]}"><b>{_e(r.criterion.name)}</b>: '
        f"{_e(r.detail)}</li>"
        for r in gaps
    )
    listing = f'<ul class="gaps">{items}</ul>' if items else ""
    rows = "".join(
        f"<tr><td>{_e(r.criterion.group)}</td><td>{_e(r.criterion.name)}</td>"
        f'<td class="status-{_MARK[r.status][1]}">{_e(r.status.value)}</td>'
        f"<td>{_e(r.detail)}</td></tr>"
        for r in report.results
    )

    return (
        f'<section class="offering {state}" id="{_e(report.specification)}">'
        f'<h3>{_e(report.title)} <span class="id">{_e(report.specification)}</span>'
        f"</h3><p>{_e(report.level_label)} (required: "
        f"{_e(report.minimum_label)}): {verdict}.</p>{listing}"
        '<details><summary>Every criterion</summary><table class="all">'
        "<tr><th>group</th><th>criterion</th><th>status</th><th>found</th></tr>"
        f"{rows}</table></details></section>"
    )


def _number(value: object) -> str:
    text = format(value, "f")

    return text.rstrip("0").rstrip(".") if "." in text else text
