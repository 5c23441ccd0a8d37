"""The dashboard's customer value charts (BG/NBD and Gamma-Gamma, ml/customer_value.py), one function
per chart, from the VALUE_QUERIES frames. A chart returns None when its figures were not computed (a
model not fitted): the page shows `unfitted_note` in its place.

Every chart has a title, axis titles and units. Box plots are drawn from precomputed summaries.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ml.customer_value import USABLE_STATUSES
from segments.report.charts import SEGMENT_COLORS, layout, summary_box
from segments.report.data import FREQUENCY_CAP, DashboardData, currency

MODEL_NAMES = {"bg_nbd": "BG/NBD", "gamma_gamma": "Gamma-Gamma"}
TITLES = {
    "p_alive_by_segment": "P(alive) per k-means segment",
    "clv_by_segment": "CLV per k-means segment over the horizon",
    "expected_revenue_by_segment": "Expected revenue over the horizon per k-means segment",
    "p_alive_map": "P(alive) by frequency and recency (mean per cell)",
}
NEEDS = {"p_alive_by_segment": ("bg_nbd",), "p_alive_map": ("bg_nbd",)}  # the others need both models


def time_unit(data: DashboardData) -> str:
    units = data["value_fits"]["time_unit"].dropna()
    return str(units.iloc[0]) if len(units) else "time units"


def unfitted_note(data: DashboardData, chart: str) -> str:
    """Why a value chart is empty: the models it needs that were not fitted in this run, and why."""
    fits = data["value_fits"]
    reasons = [
        f"{MODEL_NAMES.get(fit['model'], fit['model'])} not fitted ({fit['status']}): {fit['detail']}"
        for _, fit in fits.iterrows()
        if fit["status"] not in USABLE_STATUSES and fit["model"] in NEEDS.get(chart, MODEL_NAMES)
    ]
    return "; ".join(reasons) or "no customer values were computed for this run"


def _measure(data: DashboardData, measure: str):
    stats = data["value_by_segment"]
    return stats[stats["measure"] == measure]


def _caption(figure: go.Figure, text: str) -> None:
    """How to read a box chart, above its plot; the boxes name their segments, so no legend."""
    figure.add_annotation(
        text=text,
        xref="paper",
        yref="paper",
        x=0,
        y=1.01,
        yanchor="bottom",
        showarrow=False,
        font={"size": 11, "color": "#666"},
    )
    figure.update_layout(showlegend=False)


def p_alive_by_segment(data: DashboardData) -> go.Figure | None:
    stats = _measure(data, "p_alive")
    if stats.empty:
        return None
    figure = go.Figure()
    for _, row in stats.iterrows():
        box = summary_box(row["segment"], row, SEGMENT_COLORS.get(row["segment"]))
        figure.add_trace(box.update(mean=[row["mean_value"]], boxmean=True))
    _caption(
        figure,
        "box: quartiles, whiskers: min and max, dashed: mean<br>"
        "BG/NBD gives P(alive) = 1 to a customer without a repeat purchase",
    )
    return layout(
        figure,
        TITLES["p_alive_by_segment"],
        xaxis_title="segment",
        yaxis_title="P(alive) (probability, 0 to 1)",
        yaxis_range=[0, 1.05],
    )


def clv_by_segment(data: DashboardData) -> go.Figure | None:
    stats = _measure(data, "clv")
    if stats.empty:
        return None
    figure = go.Figure()
    for _, row in stats.iterrows():
        box = summary_box(row["segment"], row, SEGMENT_COLORS.get(row["segment"]))
        figure.add_trace(
            box.update(lowerfence=[row["p05"]], upperfence=[row["p95"]], mean=[row["mean_value"]], boxmean=True)
        )
    log = bool((stats["p05"] > 0).all())  # a log axis cannot show a zero
    _caption(figure, "box: quartiles, whiskers: 5th and 95th percentiles, dashed: mean; discounted")
    return layout(
        figure,
        TITLES["clv_by_segment"],
        xaxis_title="segment",
        yaxis_title=f"CLV per customer ({currency(data)}{', log scale' if log else ''})",
        yaxis_type="log" if log else "linear",
        yaxis_dtick=1 if log else None,  # a label per power of ten
    )


def expected_revenue_by_segment(data: DashboardData) -> go.Figure | None:
    kmeans = data["segments"][data["segments"]["segment_type"] == "kmeans"]
    if kmeans["expected_revenue"].isna().all():
        return None
    money = currency(data)
    figure = go.Figure(
        [
            go.Bar(
                name="revenue to date (every purchase)",
                x=kmeans["segment"],
                y=kmeans["revenue"],
                marker_color="#bbbbbb",
            ),
            go.Bar(
                name="expected over the horizon",
                x=kmeans["segment"],
                y=kmeans["expected_revenue"],
                marker_color=[SEGMENT_COLORS.get(s, "#888888") for s in kmeans["segment"]],
                text=[f"{money}{v:,.0f}" for v in kmeans["expected_revenue"].fillna(0)],
                textposition="outside",
            ),
        ]
    )
    figure.update_layout(barmode="group", legend={"orientation": "h", "x": 0, "y": 1.08})
    return layout(
        figure,
        TITLES["expected_revenue_by_segment"],
        xaxis_title="segment",
        yaxis_title=f"revenue ({money}, undiscounted)",
    )


def p_alive_map(data: DashboardData) -> go.Figure | None:
    cells = data["p_alive_map"]
    if cells.empty:
        return None
    width = float(cells["width"].iloc[0])
    frequencies = range(int(cells["frequency"].max()) + 1)
    starts = np.arange(0, cells["recency_from"].max() + width / 2, width)
    p_alive = cells.pivot(index="frequency", columns="recency_from", values="mean_p_alive")
    customers = cells.pivot(index="frequency", columns="recency_from", values="customers")
    p_alive, customers = (frame.reindex(index=frequencies, columns=starts) for frame in (p_alive, customers))
    unit = time_unit(data)
    figure = go.Figure(
        go.Heatmap(
            z=p_alive.values,
            x=starts + width / 2,  # each cell spans its bucket [start, start + width)
            y=list(frequencies),
            customdata=customers.values,
            zmin=0,
            zmax=1,
            colorscale="RdYlGn",
            colorbar={"title": "mean P(alive)"},
            hoverongaps=False,
            hovertemplate=f"x = %{{y}}, t_x about %{{x}} {unit}<br>mean P(alive) %{{z:.2f}}"
            "<br>%{customdata} customers<extra></extra>",
        )
    )
    ticks = [f for f in range(0, FREQUENCY_CAP + 1, 5) if f in frequencies]
    return layout(
        figure,
        TITLES["p_alive_map"],
        xaxis_title=f"recency t_x ({unit} from first to last purchase, buckets of {width:g})",
        yaxis={
            "title": "frequency x (repeat purchase days)",
            "tickvals": ticks,
            "ticktext": [f"{f}+" if f == FREQUENCY_CAP else str(f) for f in ticks],
        },
    )


VALUE_CHARTS = (p_alive_by_segment, clv_by_segment, expected_revenue_by_segment, p_alive_map)
