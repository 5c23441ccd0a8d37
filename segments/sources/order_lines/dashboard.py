"""The dashboard sections of the order-line sources (online_retail, transactions): the exploration of
the seed analysis (the eda_* and audit tables) as cards and charts."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segments.report.charts import layout, summary_box
from segments.report.sections import DashboardData, Sections

TOP = 15
QUERIES = {
    "profile": "select column_name, type_class, row_count, null_count, null_share, distinct_count "
    "from analytics.eda_column_profile order by column_position",
    "summary": "select * from analytics.eda_categorical_summary",
    "capping": "select * from analytics.eda_capping_effect order by column_name, stage desc",
    "iqr_bounds": "select column_name, lower_bound, upper_bound, capped_lines from analytics.audit_iqr_bounds",
    "cancellations_by_month": "select breakdown_value as month, base_count as invoices, cancellation_count, share "
    "from analytics.eda_cancellations where breakdown = 'month' order by 1",
    "cancellations_by_country": "select breakdown_value as country, base_count as invoices, cancellation_count, share "
    f"from analytics.eda_cancellations where breakdown = 'country' "
    f"order by cancellation_count desc limit {TOP}",
    "assumptions": "select breakdown_value as assumption, base_count, cancellation_count, share "
    "from analytics.eda_cancellations where breakdown = 'assumption'",
    "countries": f"select * from analytics.eda_country_customers order by revenue desc limit {TOP}",
    "products": f"select stock_code, description, units_sold, revenue, customers, cancellation_rate "
    f"from analytics.product_performance order by revenue desc limit {TOP}",
    "monthly": "select * from analytics.eda_monthly_revenue order by invoice_month",
}


def cards(data: DashboardData) -> list[tuple[str, str]]:
    summary = data["summary"].iloc[0]
    shown = [
        ("order lines", f"{summary['order_lines']:,}"),
        ("invoices", f"{summary['invoices']:,}"),
        ("customers", f"{summary['customers']:,}"),
        ("products", f"{summary['products']:,}"),
        ("countries", f"{summary['countries']:,}"),
        ("period", f"{summary['first_invoiced_at']:%Y-%m-%d} to {summary['last_invoiced_at']:%Y-%m-%d}"),
    ]
    return shown + [
        (row["assumption"], f"{row['share']:.1%} ({row['cancellation_count']:,} of {row['base_count']:,})")
        for _, row in data["assumptions"].iterrows()
    ]


def missing_values(data: DashboardData) -> go.Figure:
    profile = data["profile"]
    figure = go.Figure(
        go.Bar(
            x=profile["column_name"],
            y=profile["null_share"] * 100,
            text=[f"{n:,}" for n in profile["null_count"]],
            textposition="outside",
        )
    )
    return layout(
        figure,
        "Missing values per column (loaded lines, before cleaning)",
        xaxis_title="column",
        yaxis_title="missing (% of lines)",
    )


def capping(data: DashboardData) -> go.Figure:
    capping = data["capping"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Quantity (units)", "UnitPrice (£)"))
    for col, column in enumerate(("quantity", "unit_price"), start=1):
        for _, row in capping[capping["column_name"] == column].iterrows():
            figure.add_trace(
                summary_box(f"{row['stage']} capping", row, "#999999" if row["stage"] == "before" else "#1f77b4"),
                row=1,
                col=col,
            )
        figure.update_yaxes(type="log", title_text="value (log scale)", row=1, col=col)
    figure.update_layout(showlegend=False)
    return layout(figure, "Merchandise purchase lines before and after IQR capping")


def cancellations(data: DashboardData) -> go.Figure:
    by_month, by_country = data["cancellations_by_month"], data["cancellations_by_country"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("by month", "by country (most cancellations)"))
    figure.add_trace(
        go.Scatter(x=by_month["month"], y=by_month["share"] * 100, mode="lines+markers", name="by month"), row=1, col=1
    )
    figure.add_trace(
        go.Bar(
            x=by_country["country"],
            y=by_country["share"] * 100,
            name="by country",
            text=[f"{n:,}" for n in by_country["cancellation_count"]],
        ),
        row=1,
        col=2,
    )
    figure.update_xaxes(title_text="month", row=1, col=1)
    figure.update_xaxes(title_text="country", row=1, col=2)
    figure.update_yaxes(title_text="cancellation invoices (% of invoices)")
    figure.update_layout(showlegend=False)
    return layout(figure, "Cancellations (loaded lines, before cleaning)")


def countries(data: DashboardData) -> go.Figure:
    top = data["countries"]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("customers", "revenue (£)"))
    figure.add_trace(go.Bar(x=top["country"], y=top["customers"], name="customers"), row=1, col=1)
    figure.add_trace(go.Bar(x=top["country"], y=top["revenue"], name="revenue"), row=1, col=2)
    figure.update_xaxes(title_text="country")
    figure.update_yaxes(title_text="customers", row=1, col=1)
    figure.update_yaxes(title_text="net revenue (£)", row=1, col=2)
    figure.update_layout(showlegend=False)
    return layout(figure, "Customers and revenue by country (top by revenue)")


def products(data: DashboardData) -> go.Figure:
    top = data["products"].iloc[::-1]
    labels = [
        f"{code} {str(description or '')[:32]}" for code, description in zip(top["stock_code"], top["description"])
    ]
    figure = go.Figure(
        go.Bar(
            x=top["revenue"],
            y=labels,
            orientation="h",
            customdata=top[["units_sold", "customers"]],
            hovertemplate="%{y}<br>£%{x:,.0f}<br>%{customdata[0]:,} units, %{customdata[1]:,} customers<extra></extra>",
        )
    )
    return layout(figure, "Top products by net revenue", xaxis_title="net revenue (£)", yaxis_title="product")


SECTIONS = Sections(
    currency="£", queries=QUERIES, cards=cards, charts=(missing_values, capping, cancellations, countries, products)
)
