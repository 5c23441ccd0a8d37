"""The dashboard as one self-contained HTML file: plotly.js, styles and data inline, no CDN, so it
opens offline from a file or an e-mail attachment."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from datetime import datetime

import plotly.graph_objects as go
import plotly.offline

from segments.report.charts import SEGMENT_CHARTS
from segments.report.data import currency
from segments.report.sections import DashboardData, Sections
from segments.report.value_charts import MODEL_NAMES, TITLES, VALUE_CHARTS, time_unit, unfitted_note

STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
h1 { margin-bottom: 4px; } .meta { color: #666; margin-top: 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, 632px); gap: 16px; }
.chart { border: 1px solid #ddd; border-radius: 6px; padding: 4px; width: 622px; min-height: 440px; overflow: hidden; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; }
.card b { display: block; font-size: 1.4em; }
table { border-collapse: collapse; margin: 16px 0; } td, th { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; }
.note { border: 1px dashed #bbb; border-radius: 6px; padding: 8px 14px; width: 602px; color: #555; }
"""
PARAMETER_ORDER = {name: i for i, name in enumerate(("r", "alpha", "a", "b", "p", "q", "gamma"))}  # as published


def card_html(cards: list[tuple[str, str]]) -> str:
    return "".join(f'<div class="card">{html.escape(label)}<b>{html.escape(value)}</b></div>' for label, value in cards)


def _segment_table(data: DashboardData) -> str:
    rows = []
    for _, s in data["segments"].iterrows():
        rows.append(
            f"<tr><td>{html.escape(s['segment_type'])}</td><td>{html.escape(s['segment'])}</td>"
            f"<td class=n>{s['customers']:,}</td><td class=n>{s['customer_share']:.1%}</td>"
            f"<td class=n>{s['mean_recency_days']:.0f}</td><td class=n>{s['mean_frequency']:.1f}</td>"
            f"<td class=n>{s['mean_monetary']:,.0f}</td><td class=n>{s['revenue_share']:.1%}</td>"
            f"<td>{html.escape(str(s['recommended_action'] or ''))}</td></tr>"
        )
    head = (
        "<tr><th>type</th><th>segment</th><th>customers</th><th>share</th><th>mean recency (days)</th>"
        f"<th>mean frequency</th><th>mean monetary ({currency(data)})</th><th>revenue share</th><th>recommended action</th></tr>"
    )
    return f'<table id="segment-actions">{head}{"".join(rows)}</table>'


def _chart_html(chart: Callable[[DashboardData], go.Figure | None], data: DashboardData) -> str:
    """The chart, or for a value chart without figures the reason it has none."""
    name, figure = chart.__name__, chart(data)
    if figure is None:
        return (
            f'<div class="note" id="chart-{name}"><b>{html.escape(TITLES.get(name, name))}</b>'
            f"<p>Not shown: {html.escape(unfitted_note(data, name))}</p></div>"
        )
    config = {"displaylogo": False}
    return (
        f'<div class="chart" id="chart-{name}">'
        f"{figure.to_html(full_html=False, include_plotlyjs=False, config=config)}</div>"
    )


def shown(value, spec: str) -> str:
    """A number formatted, or nothing for a null (NaN once in pandas)."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def _value_fits_table(data: DashboardData) -> str:
    rows = []
    for _, fit in data["value_fits"].iterrows():
        parameters = dict(fit["parameters"]) if isinstance(fit["parameters"], (dict, list)) else {}
        ordered = sorted(parameters.items(), key=lambda item: PARAMETER_ORDER.get(item[0], len(PARAMETER_ORDER)))
        rounded = ", ".join(f"{name} = {value:.4g}" for name, value in ordered)
        correlation = shown(fit["frequency_spend_correlation"], ".3f") if fit["model"] == "gamma_gamma" else ""
        rows.append(
            f"<tr><td>{html.escape(MODEL_NAMES.get(fit['model'], str(fit['model'])))}</td>"
            f"<td>{html.escape(str(fit['status']))}</td><td>{html.escape(rounded)}</td>"
            f"<td class=n>{shown(fit['log_likelihood'], ',.2f')}</td><td class=n>{shown(fit['customers'], ',')}</td>"
            f"<td class=n>{shown(fit['customers_left_out'], ',')}</td><td class=n>{correlation}</td>"
            f"<td>{html.escape(str(fit['detail'] or ''))}</td></tr>"
        )
    head = (
        "<tr><th>model</th><th>status</th><th>parameters</th><th>log-likelihood</th><th>customers</th>"
        "<th>customers left out</th><th>frequency-spend correlation</th>"
        "<th>detail</th></tr>"
    )
    return f'<table id="value-fits">{head}{"".join(rows)}</table>'


def _value_section(data: DashboardData) -> str:
    heading = '<h2 id="customer-value">Customer value</h2>'
    if "value_fits" not in data:
        return heading + (
            '<p class="note">This warehouse has no customer value tables (ml.ml_value_fits): '
            "run <code>segments run</code> to compute them.</p>"
        )
    unit = html.escape(time_unit(data))
    horizon = html.escape(shown(data["value_fits"]["horizon"].max(), "g"))
    return f"""{heading}
<p class="meta">BG/NBD (purchases and P(alive)) and Gamma-Gamma (spend per purchase), time in {unit}.
Expected purchases, expected revenue and CLV cover the next {horizon} {unit} (dbt var
<code>value_horizon</code>); docs/customer-value.md explains them. Gamma-Gamma
assumes that spend per purchase does not depend on how often a customer buys: the frequency-spend
correlation should be near 0.</p>
{_value_fits_table(data)}
<div class="figures">{"".join(_chart_html(chart, data) for chart in VALUE_CHARTS)}</div>"""


def render_page(data: DashboardData, sections: Sections, title: str = "Customer segments") -> str:
    charts = "".join(_chart_html(chart, data) for chart in sections.charts + SEGMENT_CHARTS)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">Generated {datetime.now():%Y-%m-%d %H:%M} by segments report; every figure is read from the warehouse tables.</p>
<div class="cards">{card_html(sections.cards(data))}</div>
<h2>Segments and recommended actions</h2>
{_segment_table(data)}
<div class="figures">{charts}</div>
{_value_section(data)}
{sections.tables(data)}
</body></html>
"""
