"""A build's log says how long each predictive model took (its summary line ends with the step's seconds)."""

from types import SimpleNamespace

import orchestration.pipeline as pipeline


def test_each_predictive_models_line_carries_its_seconds(monkeypatch):
    clock = iter([0.0, 1.25, 10.0, 40.5, 50.0, 50.75])  # start and end of each of the three steps, in order
    monkeypatch.setattr(pipeline.time, "perf_counter", lambda: next(clock))
    for name, text in (("run_customer_lifetime", "customer lifetime: ok"), ("run_lead_score", "lead score: ok"),
                       ("run_sales_forecast", "sales forecast: ok")):
        monkeypatch.setattr(pipeline, name, lambda settings, build_id, text=text: SimpleNamespace(
            describe=lambda: text))
    summary = pipeline.run_predictions(settings=None, build_id="b1")
    assert summary.describe() == ["customer lifetime: ok [1.2 s]", "lead score: ok [30.5 s]",
                                  "sales forecast: ok [0.8 s]"]
