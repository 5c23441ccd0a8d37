"""The dashboard's segment charts (plotly figures), one function per chart, from DashboardData frames;
a source adds its own exploration charts (Source.dashboard).

Every chart has a title, axis titles and units. Box plots are drawn from precomputed five-number
summaries (q1/median/q3 and min/max as fences), never from raw values.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segments.report.data import DashboardData, currency

HEIGHT = 440
WIDTH = 620  # fixed: every chart renders at the same size wherever the page is opened
SEGMENT_COLORS = {"VIP": "#1b9e77", "Potential": "#7570b3", "New": "#66a61e", "Churned": "#d95f02"}


def layout(figure: go.Figure, title: str, **axes) -> go.Figure:
    figure.update_layout(
        title=title,
        height=HEIGHT,
        width=WIDTH,
        margin={"t": 90, "l": 60, "r": 20, "b": 60},
        template="plotly_white",
        **axes,
    )
    return figure


def summary_box(name: str, row, color: str | None = None) -> go.Box:
    return go.Box(
        name=name,
        x=[name],
        q1=[row["q1"]],
        median=[row["median"]],
        q3=[row["q3"]],
        lowerfence=[row["min_value"]],
        upperfence=[row["max_value"]],
        marker_color=color,
        boxpoints=False,
    )


def k_selection(data: DashboardData) -> go.Figure:
    ks = data["k_selection"]
    chosen = ks[ks["is_chosen"]]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("elbow: WCSS vs k", "silhouette vs k"))
    for col, measure in enumerate(("wcss", "silhouette"), start=1):
        figure.add_trace(go.Scatter(x=ks["k"], y=ks[measure], mode="lines+markers", name=measure), row=1, col=col)
        figure.add_trace(
            go.Scatter(
                x=chosen["k"],
                y=chosen[measure],
                mode="markers",
                name="chosen k",
                marker={"size": 16, "symbol": "star", "color": "#d62728"},
            ),
            row=1,
            col=col,
        )
        figure.update_yaxes(
            title_text="WCSS (standardized units²)" if measure == "wcss" else "silhouette (-1..1)", row=1, col=col
        )
    figure.update_xaxes(title_text="k (clusters)", dtick=1)
    figure.update_layout(showlegend=False)
    return layout(figure, f"Choice of k: k = {int(chosen['k'].iloc[0])} chosen" if len(chosen) else "Choice of k")


def segment_sizes(data: DashboardData) -> go.Figure:
    kmeans = data["segments"][data["segments"]["segment_type"] == "kmeans"]
    figure = go.Figure(
        go.Bar(
            x=kmeans["segment"],
            y=kmeans["customers"],
            marker_color=[SEGMENT_COLORS.get(s, "#888888") for s in kmeans["segment"]],
            text=[
                f"{s:.0%} of customers, {r:.0%} of revenue"
                for s, r in zip(kmeans["customer_share"], kmeans["revenue_share"])
            ],
            textposition="outside",
        )
    )
    return layout(figure, "K-means segment sizes", xaxis_title="segment", yaxis_title="customers")


def rfm_by_segment(data: DashboardData) -> go.Figure:
    stats = data["rfm_by_segment"]
    measures = (
        ("recency_days", "recency (days)"),
        ("frequency", "frequency (purchases)"),
        ("monetary", f"monetary ({currency(data)})"),
    )
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in measures])
    for col, (measure, title) in enumerate(measures, start=1):
        for _, row in stats[stats["measure"] == measure].iterrows():
            figure.add_trace(summary_box(row["segment"], row, SEGMENT_COLORS.get(row["segment"])), row=1, col=col)
        figure.update_yaxes(title_text=title, type="log" if measure != "recency_days" else "linear", row=1, col=col)
    figure.update_xaxes(title_text="segment")
    figure.update_layout(showlegend=False)
    return layout(figure, "R, F and M per k-means segment (F and M on log scales)")


def rfm_grid(data: DashboardData) -> go.Figure:
    grid = data["rfm_grid"]
    customers = grid.pivot(index="f_score", columns="r_score", values="customers")
    names = grid.pivot(index="f_score", columns="r_score", values="main_segment")
    figure = go.Figure(
        go.Heatmap(
            z=customers.values,
            x=customers.columns,
            y=customers.index,
            text=names.values,
            texttemplate="%{text}<br>%{z}",
            colorscale="Blues",
            colorbar={"title": "customers"},
        )
    )
    return layout(
        figure,
        "RFM grid: customers and main RFM segment per R and F score",
        xaxis_title="R score (5 = most recent)",
        yaxis_title="F score (5 = most frequent)",
    )


def transitions(data: DashboardData) -> go.Figure:
    moves = data["transitions"]
    matrix = moves.pivot(index="from_segment", columns="to_segment", values="customers").fillna(0)
    figure = go.Figure(
        go.Heatmap(
            z=matrix.values,
            x=matrix.columns,
            y=matrix.index,
            colorscale="Oranges",
            texttemplate="%{z}",
            colorbar={"title": "customers"},
        )
    )
    return layout(
        figure,
        "Segment transitions between the last two runs",
        xaxis_title="segment in this run",
        yaxis_title="segment in the previous run",
    )


SEGMENT_CHARTS = (k_selection, segment_sizes, rfm_by_segment, rfm_grid, transitions)
