"""The one formatting layer: figures, bars, sparklines, verdict labels and row cells read the
same in text, Markdown and the TUI; one sort per column."""
from __future__ import annotations

from heapdiff.analysis.diff import DiffRow
from heapdiff.capture.timeline import Trend
from heapdiff.common.units import percent
from heapdiff.memory.gchealth import GCHealth
from heapdiff.render.format import (BAR_WIDTH, bar, bar_scale, change_percent, diff_cells,
                                    figure, gc_scale, gc_summary, share, signed, site_cells,
                                    spark, sparkline, trend_cells, verdict_label)
from heapdiff.render.order import CLI_SORTS, ORDERS, sort_rows
from heapdiff.retainers.analyze import Site
from tui.views.top import DIFF_COLUMNS, PROFILE_COLUMNS

MIB = 1 << 20


def row(name: str, base_flat: int, new_flat: int, base_cum: int = 0, new_cum: int = 0) -> DiffRow:
    return DiffRow(name=name, base_flat=base_flat, new_flat=new_flat, base_cum=base_cum,
                   new_cum=new_cum)


def site(**fields) -> Site:
    defaults = dict(address=0, function="main.f", file="main.go", line=1, inuse_bytes=MIB,
                    inuse_objects=1, object_size=MIB, sizes=(), caller_address=None)
    return Site(**{**defaults, **fields})


def test_signed_shows_a_plus_for_growth():
    assert signed(3 * MIB, "bytes") == "+3.0MiB"


def test_signed_shows_a_minus_for_shrinkage():
    assert signed(-3 * MIB, "bytes") == "-3.0MiB"


def test_signed_shows_no_sign_for_no_change():
    assert signed(0, "bytes") == "0B"


def test_signed_and_figure_show_a_dash_for_an_unknown_value():
    assert (signed(None, "bytes"), figure(None, "bytes")) == ("-", "-")


def test_change_percent_is_relative_to_the_base_with_its_sign():
    assert (change_percent(50, 200), change_percent(-50, 200)) == ("+25.0%", "-25.0%")


def test_change_percent_calls_growth_from_nothing_new():
    assert (change_percent(10, 0), change_percent(0, 0)) == ("new", "")


def test_share_is_a_fraction_as_a_percentage_with_the_digits_asked():
    assert (share(0.25), share(0.256, 1)) == ("25%", "25.6%")


def test_percent_keeps_two_digits_unless_asked():
    assert (percent(1, 3), percent(1, 3, digits=1)) == ("33.33%", "33.3%")


def test_bar_scale_is_the_largest_magnitude_leaving_unknowns_out():
    assert bar_scale([3, None, -7, 5]) == 7


def test_bar_scale_of_nothing_known_is_one():
    assert bar_scale([None]) == 1


def test_bar_fills_the_width_at_the_scale_and_half_at_half():
    assert (bar(8, 8), bar(4, 8)) == ("█" * BAR_WIDTH, "█" * (BAR_WIDTH // 2))


def test_bar_of_a_negative_value_is_light():
    assert bar(-8, 8) == "░" * BAR_WIDTH


def test_sparkline_scales_to_the_top_given():
    assert sparkline((0, 5, 10), top=10) == "▁▄█"


def test_sparkline_squeezes_to_the_width_keeping_each_cells_maximum():
    assert sparkline((1, 10, 1, 1), width=2) == "█▁"


def test_spark_keeps_an_unknown_round_as_a_blank():
    assert spark((0, None, 10), width=40) == "▁ █"


def test_verdict_label_is_the_verdict_for_evidence():
    assert verdict_label(site(evidence="binary", verdict="scan")) == "scan"


def test_verdict_label_marks_a_heuristic_as_a_hint():
    assert verdict_label(site(evidence="heuristic", hint="likely-scan")) == "hint: likely-scan"


def test_site_cells_show_unknown_scan_bytes_and_pointer_share():
    c = site_cells(site(scan_bytes=None, pointer_fraction=None))
    assert (c.scan, c.pointers, c.inuse) == ("?", "", "1.0MiB")


def test_site_cells_show_the_pointer_share_of_the_objects():
    assert site_cells(site(pointer_fraction=0.5, scan_bytes=MIB // 2)).pointers == "50%"


def test_diff_cells_carry_figures_signed_deltas_and_change_percents():
    c = diff_cells(row("f", MIB, 3 * MIB, 2 * MIB, 2 * MIB), "bytes")
    assert (c.base_flat, c.new_flat, c.delta_flat, c.flat_percent) == \
        ("1.0MiB", "3.0MiB", "+2.0MiB", "+200.0%")
    assert (c.delta_cum, c.cum_percent) == ("0B", "+0.0%")


def test_trend_cells_show_dashes_and_blank_rounds_for_a_row_without_values():
    t = Trend(name="RSS", values=(None, None), slope=0.0, kind="unknown")
    assert trend_cells(t, "bytes", 10) == ("unknown", "-", "-", "-", "-", "  ")


def test_trend_cells_show_the_slope_per_minute():
    t = Trend(name="f", values=(0, MIB), slope=MIB / 60, kind="grower")
    assert trend_cells(t, "bytes", 10)[3:5] == ("+1.0MiB", "+1.0MiB/min")


def test_gc_scale_is_one_top_for_the_live_heap_and_the_goal():
    assert gc_scale(GCHealth(source="gctrace", live_series=(3, 9), goal_series=(6, 12))) == 12


def test_gc_summary_leaves_out_what_is_not_known():
    assert gc_summary(GCHealth(source="memstats", cycles=3)) == "GC (memstats): 3 cycles"


def test_gc_summary_makes_the_source_safe_for_a_terminal():
    assert gc_summary(GCHealth(source="a\x1bb")) == "GC (a\\x1bb):"


def test_sort_breaks_ties_by_name():
    rows = [row("b", 0, 5), row("a", 0, 5)]
    for by in ORDERS:
        if by not in ("status", "name"):
            assert [r.name for r in sort_rows(rows, by)] == ["a", "b"], by


def test_sort_by_delta_flat_is_the_order_of_pprof():
    rows = [row("small", 0, 1), row("big", 10, 0), row("mid", 0, 5)]
    assert [r.name for r in sort_rows(rows, "delta_flat")] == ["big", "mid", "small"]


def test_sort_by_delta_pct_puts_new_functions_first_and_no_change_last():
    rows = [row("unchanged", 0, 0, 0, 4), row("doubled", 10, 20), row("new", 0, 1)]
    assert [r.name for r in sort_rows(rows, "delta_pct")] == ["new", "doubled", "unchanged"]


def test_every_cli_sort_and_tui_column_has_an_order():
    tui_orders = {c.order for c in DIFF_COLUMNS + PROFILE_COLUMNS}
    assert set(CLI_SORTS.values()) | tui_orders <= set(ORDERS)


def test_amount_keeps_every_digit_of_a_count_in_one_format():
    """The TUI's cells: counts grouped at every size, never cut; bytes as human() says."""
    from heapdiff.render.format import amount, signed_amount
    assert [amount(v, "count") for v in (8, 1538, 25750, 152191, 165_843_460_993)] == \
        ["8", "1_538", "25_750", "152_191", "165_843_460_993"]
    assert signed_amount(-19_649_597, "count") == "-19_649_597"
    assert amount(52585195, "bytes") == "50.1MiB" and signed_amount(0, "bytes") == "0B"
    assert amount(68134.4, "count") == "68_134" and amount(2.5, "count") == "2.5"  # rates
