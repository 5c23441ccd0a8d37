"""The dashboard as one self-contained HTML file: plotly.js, styles and data inline, no CDN, so it
opens offline from a file or an e-mail attachment."""

from __future__ import annotations

import html
from datetime import datetime

import plotly.offline

from segments.report.charts import SEGMENT_CHARTS
from segments.report.data import currency
from segments.report.sections import DashboardData, Sections

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
"""


def _card_html(cards: list[tuple[str, str]]) -> str:
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


def render_page(data: DashboardData, sections: Sections, title: str = "Customer segments") -> str:
    config = {"displaylogo": False}
    charts = "".join(
        f'<div class="chart" id="chart-{chart.__name__}">'
        f"{chart(data).to_html(full_html=False, include_plotlyjs=False, config=config)}</div>"
        for chart in sections.charts + SEGMENT_CHARTS
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<h1>{html.escape(title)}</h1>
<p class="meta">Generated {datetime.now():%Y-%m-%d %H:%M} by segments report; every figure is read from the warehouse tables.</p>
<div class="cards">{_card_html(sections.cards(data))}</div>
<h2>Segments and recommended actions</h2>
{_segment_table(data)}
<div class="figures">{charts}</div>
{sections.tables(data)}
</body></html>
"""
