"""The arithmetic and bookkeeping of `make bench`: percentiles, ratios, targets, the report, /proc parsing.

The benchmark itself is not run here (timings depend on the machine); these check that the numbers it
prints are computed the way docs/performance.md says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import load, profile
from bench.__main__ import BotResult, Phase, figures, throughput_rounds_note
from bench.paths import PERFORMANCE_DOC
from bench.procfs import children, status_kib, tree_memory
from bench.report import (
    SECTION_END,
    SECTION_START,
    Figure,
    Report,
    Target,
    render_markdown,
    replace_section,
    reproducing_command,
    write_into_doc,
)
from bench.stats import percentile, ratio, summarize


def test_percentile_interpolates_between_ranks_like_numpy() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of input does not matter


@pytest.mark.parametrize("bad", [-1, 101])
def test_percentile_rejects_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], bad)


def test_percentile_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summary_counts_only_good_replies_in_throughput() -> None:
    summary = summarize([0.010, 0.020, 0.030, 0.040], errors=3, seconds=2.0)
    assert summary.count == 4
    assert summary.errors == 3
    assert summary.p50_ms == pytest.approx(25.0)
    assert summary.throughput_mps == pytest.approx(2.0)
    assert summary.max_ms == pytest.approx(40.0)


def test_ratio_is_none_without_a_meaningful_reference() -> None:
    assert ratio(30.0, 15.0) == 2.0
    assert ratio(None, 15.0) is None
    assert ratio(30.0, None) is None
    assert ratio(30.0, 0.0) is None


def test_targets_compare_own_figure_or_ratio() -> None:
    assert Target("<=", 15).met(14.9, None) is True
    assert Target("<=", 15).met(15.1, None) is False
    assert Target(">=", 2, on_ratio=True).met(60.0, 30.0) is True
    assert Target(">=", 2, on_ratio=True).met(59.0, 30.0) is False
    assert Target("<=", 120).met(None, 85.0) is None  # training skipped: neither pass nor fail
    with pytest.raises(ValueError):
        Target("<", 1).met(1.0, None)


def test_markdown_report_shows_ratio_target_and_verdict() -> None:
    figures = [
        Figure("latency p50, concurrency 1", "ms", 12.0, 24.0, Target("<=", 15)),
        Figure("throughput, concurrency 16", "msg/s", 30.0, 20.0, Target(">=", 2, on_ratio=True)),
        Figure("full training", "s", None, 85.0, Target("<=", 120)),
        Figure("failed requests", "", 0, 2, Target("<=", 0)),
    ]
    report = Report(figures, {"CPU": "Test CPU", "cores": "2"}, {"warm-up": 8}, ["workloads differ"])
    text = render_markdown(report)
    assert "| latency p50, concurrency 1 | 12.0 ms | 24.0 ms | 0.50× | <= 15 ms | pass |" in text
    assert "| throughput, concurrency 16 | 30.0 msg/s | 20.0 msg/s | 1.50× | >= 2× rasa init | **FAIL** |" in text
    assert "| full training | – | 85.0 s | – | <= 120 s | – |" in text
    assert "| failed requests | 0 | 2 | 0.00× | <= 0 | pass |" in text
    assert "CPU: Test CPU" in text
    assert "- workloads differ" in text
    rows = json.loads(report.to_json())["figures"]
    assert rows[0]["ratio"] == 0.5
    assert rows[0]["passed"] is True
    assert rows[2]["passed"] is None


def test_report_names_the_command_that_repeats_the_run() -> None:
    environ = {"BENCH_SKIP_TRAIN": "1", "BENCH_ENV": "RASA_SPEEDUPS=off", "HOME": "/root", "BENCH_WARMUP": ""}
    assert reproducing_command(environ) == "BENCH_SKIP_TRAIN=1 BENCH_ENV=RASA_SPEEDUPS=off make bench"
    assert reproducing_command({"BENCH_ENV": "A=1 B=2"}) == "BENCH_ENV='A=1 B=2' make bench"
    assert reproducing_command({}) == "make bench"
    report = Report([Figure("failed requests", "", 0, 0, Target("<=", 0))], {"cores": "2"}, {}, [], "make bench")
    assert "Command: `make bench`" in render_markdown(report)
    assert json.loads(report.to_json())["command"] == "make bench"
    assert not render_markdown(report, title=False).startswith("#")


def test_bench_rewrites_only_the_generated_section_of_the_doc(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nMethod.\n\n{SECTION_START}\n\nold figures\n\n{SECTION_END}\n\n## After\n")
    report = Report([Figure("failed requests", "", 0, 1, Target("<=", 0))], {"cores": "2"}, {}, ["a note"])
    write_into_doc(report, doc)
    text = doc.read_text()
    assert "old figures" not in text
    assert text.startswith("# Performance\n\nMethod.\n\n")
    assert text.endswith(f"{SECTION_END}\n\n## After\n")
    assert "| failed requests | 0 | 1 | 0.00× | <= 0 | pass |" in text
    assert "- a note" in text
    write_into_doc(report, doc)  # a second run replaces the first, it does not stack
    assert doc.read_text() == text
    with pytest.raises(ValueError, match="no generated section"):
        replace_section("# no markers\n", "figures")


def test_performance_doc_keeps_the_section_make_bench_writes() -> None:
    """Otherwise `make bench` would fail at its very end, after minutes of measuring."""
    text = PERFORMANCE_DOC.read_text()
    assert text.count(SECTION_START) == 1 and text.count(SECTION_END) == 1
    assert text.index(SECTION_START) < text.index(SECTION_END)


def _fake_process(proc: Path, pid: int, ppid: int, rss_kib: int, peak_kib: int) -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True)
    (folder / "status").write_text(f"Name:\tpython\nVmHWM:\t{peak_kib} kB\nVmRSS:\t{rss_kib} kB\n")
    (folder / "stat").write_text(f"{pid} (py thon) S {ppid} 1 1 0 -1 0 0 0 0 0 150 50 0 0 20 0 1 0")


def test_tree_memory_adds_descendants_only(tmp_path: Path) -> None:
    _fake_process(tmp_path, 10, 1, rss_kib=1024, peak_kib=2048)
    _fake_process(tmp_path, 11, 10, rss_kib=512, peak_kib=512)
    _fake_process(tmp_path, 12, 11, rss_kib=512, peak_kib=1024)
    _fake_process(tmp_path, 20, 1, rss_kib=99999, peak_kib=99999)  # unrelated
    assert sorted(children(10, tmp_path)) == [11, 12]
    memory = tree_memory(10, tmp_path)
    assert memory.rss_mib == pytest.approx(2.0)
    assert memory.peak_mib == pytest.approx(3.5)
    assert memory.processes == 3
    assert status_kib(999, "VmRSS", tmp_path) == 0  # a process that is gone reads as nothing


def test_profile_sample_goes_to_its_deepest_stage() -> None:
    sqlite_under_tracker_store = (
        "handle_request (sanic/app.py:1);handle_message (rasa/core/processor.py:2);"
        "save (rasa/core/tracker_store.py:3);commit (sqlalchemy/orm/session.py:4)"
    )
    assert (
        profile.classify(sqlite_under_tracker_store, profile.RASA_STAGES)
        == "tracker store (read + write the conversation)"
    )
    schema = "run (rasa/core/actions/action.py:790);_validate_action_result (rasa/core/actions/action.py:704)"
    assert profile.classify(schema, profile.RASA_STAGES).endswith("(jsonschema)")
    assert profile.classify("serve (sanic/server/runners.py:155)", profile.RASA_STAGES) == profile.IDLE
    counts = profile.breakdown([f"{sqlite_under_tracker_store} 3", f"{schema} 5", "garbage"], profile.RASA_STAGES)
    assert counts["tracker store (read + write the conversation)"] == 3
    assert sum(counts.values()) == 8


def test_load_generator_only_targets_this_machine(tmp_path: Path) -> None:
    out = str(tmp_path / "x.json")
    args = load.parse_args(["--url", "http://127.0.0.1:1/webhooks/rest/webhook", "--mix", "ours", "--out", out])
    assert args.concurrency == 1
    with pytest.raises(SystemExit):
        load.parse_args(["--url", "http://10.0.0.5:80/webhook", "--mix", "ours", "--out", out])


def test_budget_stops_at_count_or_deadline() -> None:
    budget = load.Budget(remaining=2, deadline=float("inf"))
    assert [budget.take() for _ in range(3)] == [True, True, False]
    assert load.Budget(remaining=5, deadline=0.0).take() is False


def test_nlu_parse_time_names_a_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import nlu_parse_time

    assert nlu_parse_time.main([str(tmp_path / "absent.tar.gz")]) == 1
    assert "absent.tar.gz" in capsys.readouterr().err


def test_the_real_people_mix_sends_each_choosing_set_question_once_and_no_test_question() -> None:
    from bench.workload import MIX_NAMES, conversations_of
    from evaluation.labelled_data import HOLDOUT_FILE, load_labelled, load_real_world, real_world_part

    conversations = conversations_of("real-people")
    texts = [text for conversation in conversations for text in conversation]
    assert all(len(conversation) == 1 for conversation in conversations)  # one visitor, one question
    test_texts = {m.text for m in load_real_world() if real_world_part(m) == "test"}
    test_texts |= {m.text for m in load_labelled(HOLDOUT_FILE)}
    assert not test_texts & set(texts)
    dev = [m.text for m in load_real_world() if real_world_part(m) == "dev"]
    assert set(dev) <= set(texts) and len(texts) > len(dev)
    assert "real-people" in MIX_NAMES
    with pytest.raises(ValueError, match="unknown mix"):
        conversations_of("nobody")


def test_the_throughput_round_with_the_median_ratio_is_the_one_reported() -> None:
    from bench.stats import median_round

    assert median_round([67.5, 66.6, 52.5], [30.6, 25.4, 25.5]) == (67.5, 30.6)  # ratios 2.21, 2.62, 2.06
    assert median_round([60.0, 50.0], [20.0, 30.0]) == (50.0, 30.0)  # even count: the lower middle ratio
    assert median_round([7.0], [3.0]) == (7.0, 3.0)
    with pytest.raises(ValueError):
        median_round([1.0, 2.0], [1.0])


def _bot_result(name: str, c16_rounds: list[tuple[float, int]]) -> BotResult:
    """Made-up results: one concurrency-1 phase and concurrency-16 rounds of (msg/s, errors)."""

    def phase(messages_per_second: float, errors: int = 0) -> Phase:
        summary = summarize([0.02] * int(messages_per_second * 10), errors=errors, seconds=10.0)
        return Phase(summary, 10.0, 1.0, 0.0, "count")

    first, *rest = c16_rounds
    return BotResult(
        name,
        name,
        1.0,
        1.0,
        {1: phase(30.0), 16: phase(*first)},
        repeated_c16=[phase(*round_) for round_ in rest],
    )


def test_throughput_target_is_judged_on_each_bots_median_round_and_errors_count_in_every_round() -> None:
    ours = _bot_result("ours", [(60.0, 0), (66.0, 2), (52.0, 0)])
    ref = _bot_result("rasa-init", [(31.0, 0), (25.0, 0), (25.0, 1)])
    rows = {figure.name: figure for figure in figures(ours, ref)}
    throughput = rows["throughput, concurrency 16"]
    # Ratios 1.94, 2.64, 2.08: the median round passes where the first alone would fail; the two bots'
    # separate medians (60 / 25 = 2.4) would pair phases that did not run together.
    assert (throughput.ours, throughput.reference) == (52.0, 25.0)
    assert throughput.passed is True
    assert "the round with the median ratio of 3" in throughput.note
    assert rows["failed requests"].ours == 2 and rows["failed requests"].reference == 1
    note = throughput_rounds_note(ours, ref)
    assert "60.0 against 31.0 msg/s (1.94×)" in note and "66.0 against 25.0 msg/s (2.64×)" in note
