"""The one price rule (``_runtime/pricing.py``) and the batch's budget guard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from runcomfy_models._runtime.cli.batch.budget import Budget, Estimate
from runcomfy_models._runtime.pricing import Price, format_usd, price_from_entry


@pytest.mark.parametrize(
    ("amount", "text"),
    [(None, "unknown"), (0.0, "$0"), (0.04, "$0.04"), (12.0, "$12"), (1234.5, "$1,234.5")],
)
def test_format_usd(amount: float | None, text: str) -> None:
    assert format_usd(amount) == text


def test_an_absent_price_is_unknown_never_zero() -> None:
    for price in (Price(), Price(0.1), Price(None, "output"), Price().with_rate(-1, "output")):
        assert not price.known and str(price) == "unknown"
        assert price.estimate({}) is None
    assert Price().with_rate(0.05, "minute") == Price()
    assert Price().with_rate(0, "output").estimate({}) == 0.0


def test_per_output_counts_the_outputs_asked_for() -> None:
    price = Price(0.03, "output", count_input="num_images", count_default=2)
    assert price.estimate({}) == 0.06
    assert price.estimate({"num_images": 4}) == 0.12
    assert Price(0.03, "output").estimate({"num_images": 4}) == 0.03
    assert price.describe() == "$0.03 per output (a job costs that times its num_images)"


def test_per_second_reads_the_lines_duration() -> None:
    price = Price(0.1, "second", duration_input="duration", duration_default="auto")
    assert price.estimate({"duration": 8}) == 0.8
    assert price.estimate({"duration": "10"}) == 1.0
    assert price.estimate({}) is None  # "auto": RunComfy decides
    assert price.estimate({"duration": True}) is None
    assert Price(0.1, "second").estimate({"duration": 8}) is None


def test_price_from_a_raw_catalog_entry() -> None:
    entry = {
        "base_price_usd": 0.2,
        "price_unit": "second",
        "input_schema": {"properties": {"duration": {"type": "integer", "default": 5}}},
    }
    assert price_from_entry(entry) == Price(
        0.2, "second", duration_input="duration", duration_default=5
    )
    assert price_from_entry({"input_schema": {}}) == Price()


@given(
    limit=st.floats(0, 5, allow_nan=False),
    jobs=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
            st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
        ),
        max_size=40,
    ),
)
def test_a_budget_admits_nothing_past_its_limit(
    limit: float, jobs: list[tuple[float | None, float | None]]
) -> None:
    """Whatever the estimates, and real costs at most the estimate, committed stays in budget."""
    budget = Budget(limit)
    for estimate, cost in jobs:
        if budget.admit(estimate) is None:
            assert estimate is not None
            assert budget.committed <= limit + 1e-6
            real = None if cost is None else min(cost, estimate)
            budget.settle(estimate, real)
        assert budget.committed <= limit + 1e-6


def test_an_unaccounted_job_stops_a_budget() -> None:
    budget = Budget(10.0, unaccounted=1)
    reason = budget.admit(0.1)
    assert reason is not None and "neither a cost nor an estimate" in reason
    assert Budget(None, unaccounted=1).admit(None) is None


def test_estimate_text() -> None:
    price = Price(0.1, "second", duration_input="duration")
    estimate = Estimate()
    for value in (0.5, None, 1.0):
        estimate.add(value)
    assert estimate.text(price) == (
        "$1.5 for 2 line(s) at $0.1 per second; 1 line(s) unknown "
        "(their seconds cannot be read from their inputs)"
    )
