"""The dashboard's charts (plotly figures), one function per chart, from DashboardData frames.

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


def _layout(figure: go.Figure, title: str, **axes) -> go.Figure:
    figure.update_layout(title=title, height=HEIGHT, width=WIDTH, margin={"t": 90, "l": 60, "r": 20, "b": 60},
                         template="plotly_white", **axes)
    return figure


def _summary_box(name: str, row, color: str | None = None) -> go.Box:
    return go.Box(name=name, x=[name], q1=[row["q1"]], median=[row["median"]], q3=[row["q3"]],
                  lowerfence=[row["min_value"]], upperfence=[row["max_value"]],
                  marker_color=color, boxpoints=False)


def missing_values(data: DashboardData) -> go.Figure:
    profile = data["profile"]
    figure = go.Figure(go.Bar(x=profile["column_name"], y=profile["null_share"] * 100,
                              text=[f"{n:,}" for n in profile["null_count"]], textposition="outside"))
    return _layout(figure, "Missing values per column (loaded lines, before cleaning)",
                   xaxis_title="column", yaxis_title="missing (% of lines)")


def capping(data: DashboardData) -> go.Figure:
    capping = data["capping"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Quantity (units)", "UnitPrice (£)"))
    for col, column in enumerate(("quantity", "unit_price"), start=1):
        for _, row in capping[capping["column_name"] == column].iterrows():
            figure.add_trace(_summary_box(f"{row['stage']} capping", row,
                                          "#999999" if row["stage"] == "before" else "#1f77b4"), row=1, col=col)
        figure.update_yaxes(type="log", title_text="value (log scale)", row=1, col=col)
    figure.update_layout(showlegend=False)
    return _layout(figure, "Merchandise purchase lines before and after IQR capping")


def cancellations(data: DashboardData) -> go.Figure:
    by_month, by_country = data["cancellations_by_month"], data["cancellations_by_country"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("by month", f"by country (most cancellations)"))
    figure.add_trace(go.Scatter(x=by_month["month"], y=by_month["share"] * 100, mode="lines+markers",
                                name="by month"), row=1, col=1)
    figure.add_trace(go.Bar(x=by_country["country"], y=by_country["share"] * 100, name="by country",
                            text=[f"{n:,}" for n in by_country["cancellation_count"]]), row=1, col=2)
    figure.update_xaxes(title_text="month", row=1, col=1)
    figure.update_xaxes(title_text="country", row=1, col=2)
    figure.update_yaxes(title_text="cancellation invoices (% of invoices)")
    figure.update_layout(showlegend=False)
    return _layout(figure, "Cancellations (loaded lines, before cleaning)")


def countries(data: DashboardData) -> go.Figure:
    top = data["countries"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("customers", "revenue (£)"))
    figure.add_trace(go.Bar(x=top["country"], y=top["customers"], name="customers"), row=1, col=1)
    figure.add_trace(go.Bar(x=top["country"], y=top["revenue"], name="revenue"), row=1, col=2)
    figure.update_xaxes(title_text="country")
    figure.update_yaxes(title_text="customers", row=1, col=1)
    figure.update_yaxes(title_text="net revenue (£)", row=1, col=2)
    figure.update_layout(showlegend=False)
    return _layout(figure, "Customers and revenue by country (top by revenue)")


def products(data: DashboardData) -> go.Figure:
    top = data["products"].iloc[::-1]
    labels = [f"{code} {str(description or '')[:32]}" for code, description in zip(top["stock_code"], top["description"])]
    figure = go.Figure(go.Bar(x=top["revenue"], y=labels, orientation="h",
                              customdata=top[["units_sold", "customers"]],
                              hovertemplate="%{y}<br>£%{x:,.0f}<br>%{customdata[0]:,} units, "
                                            "%{customdata[1]:,} customers<extra></extra>"))
    return _layout(figure, "Top products by net revenue", xaxis_title="net revenue (£)", yaxis_title="product")


def k_selection(data: DashboardData) -> go.Figure:
    ks = data["k_selection"]
    chosen = ks[ks["is_chosen"]]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("elbow: WCSS vs k", "silhouette vs k"))
    for col, measure in enumerate(("wcss", "silhouette"), start=1):
        figure.add_trace(go.Scatter(x=ks["k"], y=ks[measure], mode="lines+markers", name=measure), row=1, col=col)
        figure.add_trace(go.Scatter(x=chosen["k"], y=chosen[measure], mode="markers", name="chosen k",
                                    marker={"size": 16, "symbol": "star", "color": "#d62728"}), row=1, col=col)
        figure.update_yaxes(title_text="WCSS (standardized units²)" if measure == "wcss" else "silhouette (-1..1)",
                            row=1, col=col)
    figure.update_xaxes(title_text="k (clusters)", dtick=1)
    figure.update_layout(showlegend=False)
    return _layout(figure, f"Choice of k: k = {int(chosen['k'].iloc[0])} chosen" if len(chosen) else "Choice of k")


def segment_sizes(data: DashboardData) -> go.Figure:
    kmeans = data["segments"][data["segments"]["segment_type"] == "kmeans"]
    figure = go.Figure(go.Bar(x=kmeans["segment"], y=kmeans["customers"],
                              marker_color=[SEGMENT_COLORS.get(s, "#888888") for s in kmeans["segment"]],
                              text=[f"{s:.0%} of customers, {r:.0%} of revenue"
                                    for s, r in zip(kmeans["customer_share"], kmeans["revenue_share"])],
                              textposition="outside"))
    return _layout(figure, "K-means segment sizes", xaxis_title="segment", yaxis_title="customers")


def rfm_by_segment(data: DashboardData) -> go.Figure:
    stats = data["rfm_by_segment"]
    measures = (("recency_days", "recency (days)"), ("frequency", "frequency (purchases)"),
                ("monetary", f"monetary ({currency(data)})"))
    figure = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in measures])
    for col, (measure, title) in enumerate(measures, start=1):
        for _, row in stats[stats["measure"] == measure].iterrows():
            figure.add_trace(_summary_box(row["segment"], row, SEGMENT_COLORS.get(row["segment"])), row=1, col=col)
        figure.update_yaxes(title_text=title, type="log" if measure != "recency_days" else "linear", row=1, col=col)
    figure.update_xaxes(title_text="segment")
    figure.update_layout(showlegend=False)
    return _layout(figure, "R, F and M per k-means segment (F and M on log scales)")


def rfm_grid(data: DashboardData) -> go.Figure:
    grid = data["rfm_grid"]
    customers = grid.pivot(index="f_score", columns="r_score", values="customers")
    names = grid.pivot(index="f_score", columns="r_score", values="main_segment")
    figure = go.Figure(go.Heatmap(z=customers.values, x=customers.columns, y=customers.index,
                                  text=names.values, texttemplate="%{text}<br>%{z}", colorscale="Blues",
                                  colorbar={"title": "customers"}))
    return _layout(figure, "RFM grid: customers and main RFM segment per R and F score",
                   xaxis_title="R score (5 = most recent)", yaxis_title="F score (5 = most frequent)")


def transitions(data: DashboardData) -> go.Figure:
    moves = data["transitions"]
    matrix = moves.pivot(index="from_segment", columns="to_segment", values="customers").fillna(0)
    figure = go.Figure(go.Heatmap(z=matrix.values, x=matrix.columns, y=matrix.index, colorscale="Oranges",
                                  texttemplate="%{z}", colorbar={"title": "customers"}))
    return _layout(figure, "Segment transitions between the last two runs",
                   xaxis_title="segment in this run", yaxis_title="segment in the previous run")


EXPLORATION_CHARTS = (missing_values, capping, cancellations, countries, products)  # Online Retail only
SEGMENT_CHARTS = (k_selection, segment_sizes, rfm_by_segment, rfm_grid, transitions)
CHARTS = EXPLORATION_CHARTS + SEGMENT_CHARTS
