"""The end-of-run summary, read back from the warehouse tables the run built."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from ml.customer_value import USABLE_STATUSES

RECONCILIATION = "analytics.audit_row_reconciliation"
RFM = "analytics.fct_customer_rfm"
SEGMENT_SUMMARY = "analytics.segment_summary"
PLAYBOOK = "reference.segment_playbook"
CLEANING_RULES = "analytics.audit_cleaning_rules"
VALUE_FITS = "ml.ml_value_fits"
VALUE_RUN = "(select distinct run_id from ml.ml_customer_value)"


@dataclass
class RunSummary:
    counts: dict[str, int] = field(default_factory=dict)  # reason -> rows
    outcomes: dict[str, str] = field(default_factory=dict)  # reason -> rejected/removed/kept
    customers: int = 0
    as_of_date: str | None = None
    segments: list[dict] = field(default_factory=list)  # k-means segments, largest revenue first
    skipped_rules: dict[str, str] = field(default_factory=dict)  # cleaning rule -> why it did not run
    unfitted_models: dict[str, str] = field(default_factory=dict)  # value model -> why it was not fitted

    def total(self, outcome: str | None = None) -> int:
        return sum(n for reason, n in self.counts.items() if outcome in (None, self.outcomes[reason]))

    def lines(self) -> list[str]:
        width = max(len(r) for r in self.counts) + 2
        out = [f"  rows in          {self.total():>10,}"]
        for outcome in ("rejected", "removed"):
            out.append(f"  rows {outcome:<11} {self.total(outcome):>10,}")
            for reason, n in self.counts.items():
                if self.outcomes[reason] == outcome and n:
                    out.append(f"    {reason:<{width}} {n:>10,}")
        out.append(f"  rows kept        {self.total('kept'):>10,}")
        for rule, why in self.skipped_rules.items():
            out.append(f"    rule not run: {rule} ({why})")
        out.append(f"  customers scored {self.customers:>10,}   (RFM as of {self.as_of_date})")
        for model, why in self.unfitted_models.items():
            out.append(f"    value model not fitted: {model} ({why})")
        if self.segments:
            out.append("")
            out.append(
                f"  {'segment':<12}{'customers':>10}{'share':>8}{'recency':>9}{'frequency':>10}"
                f"{'monetary':>10}{'revenue':>9}{'P(alive)':>9}{'expected':>12}  recommended action"
            )
            for s in self.segments:
                out.append(
                    f"  {s['segment']:<12}{s['customers']:>10,}{s['customer_share']:>8.1%}"
                    f"{s['mean_recency_days']:>8.0f}d{s['mean_frequency']:>10.1f}{s['mean_monetary']:>10,.0f}"
                    f"{s['revenue_share']:>9.1%}{_number(s['mean_p_alive'], '.2f'):>9}"
                    f"{_number(s['expected_revenue'], ',.0f'):>12}  {s['recommended_action']}"
                )
            out.append("  (P(alive): mean; expected: revenue over the value horizon, from the value models)")
        return out


def _number(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def read_summary(spark: SparkSession, tables: tuple[str, ...] = ()) -> RunSummary:
    """`tables`: the source's own result tables; when they include the cleaning rules' audit, the
    summary names the rules that did not run."""
    summary = RunSummary()
    if CLEANING_RULES in tables:
        skipped = spark.sql(f"select rule, skipped_because from {CLEANING_RULES} where not is_applied order by rule")
        summary.skipped_rules = {row["rule"]: row["skipped_because"] for row in skipped.collect()}
    if spark.catalog.tableExists(VALUE_FITS):
        unfitted = spark.sql(
            f"select model, status, detail from {VALUE_FITS} where run_id in {VALUE_RUN} and status not in {USABLE_STATUSES}"
        )
        summary.unfitted_models = {r["model"]: f"{r['status']}: {r['detail']}" for r in unfitted.collect()}
    rows = spark.sql(f"select reason, outcome, row_count from {RECONCILIATION} order by rule_order, reason").collect()
    for row in rows:
        summary.counts[row["reason"]] = row["row_count"]
        summary.outcomes[row["reason"]] = row["outcome"]
    rfm = spark.sql(f"select count(*) as customers, max(as_of_date) as as_of from {RFM}").first()
    summary.customers = rfm["customers"]
    summary.as_of_date = str(rfm["as_of"])
    if spark.catalog.tableExists(SEGMENT_SUMMARY):
        summary.segments = [
            row.asDict()
            for row in spark.sql(f"""
            select summary.*, playbook.recommended_action
            from {SEGMENT_SUMMARY} as summary
            left join {PLAYBOOK} as playbook
                on playbook.segment_type = summary.segment_type and playbook.segment = summary.segment
            where summary.segment_type = 'kmeans'
            order by summary.revenue desc
        """).collect()
        ]
    return summary
