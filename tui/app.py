"""heapdiff's TUI: the diff, the call graph, the memory waterfall and the retainers, browsed.

Loading and analysis run in a worker thread with a progress bar; views are filled from the
analysis heapdiff computes. The selected function is kept across views."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Markdown, ProgressBar, Static, TabbedContent, TabPane

from heapdiff.inputs.moments import resolve_pair

from .state import Moments, Settings, analyse, load_moments
from .views.flame import FlameView
from .views.memory import MemoryView
from .views.peek import PeekView
from .views.retainers import RetainersView
from .views.source import SourceView
from .views.timeline import TimelineView
from .views.top import TopView
from .views.tree import CallTreeView
from .widgets.rowtable import RowTable

VIEWS = {"top": TopView, "tree": CallTreeView, "peek": PeekView, "flame": FlameView,
         "source": SourceView, "memory": MemoryView, "retainers": RetainersView,
         "timeline": TimelineView}
TABS = tuple(VIEWS)
HELP = """\
# heapdiff keys

| key | what it does |
|---|---|
| 1–8 | Top, Tree, Peek, Flame, Source, Memory, Retainers, Timeline (of a capture folder) |
| ↑ ↓ / j k | move; Enter opens (Peek walks to a caller or callee) |
| h l | Tree: close or open a node (or go to its parent) |
| / | filter the Top rows by regex, as you type |
| o | sort Top by the next column |
| b | Tree: top-down or callers (bottom-up) |
| g | Tree: unfold the largest growth path |
| Enter / Esc | Flame: zoom into the selected frame / out |
| s | next sample type |
| G | next granularity |
| d | diff mode: diff-base or base |
| n | normalize the new profile to the base total |
| f / i | focus on / ignore the selected function (pprof's -focus / -ignore); F clears |
| m | write the Markdown report |
| ctrl+p | every action in the command palette |
| q | quit |
"""


class ViewTabs(TabbedContent):
    """Tabs that move only when asked (keys, clicks, the palette). Textual's TabbedContent
    also follows programmatic focus into another pane, so a view that a worker filled and
    focused just after the user switched away pulled them back to it."""

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()  # TabbedContent's own handler would switch to that pane
        event.stop()


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "close")]

    def compose(self) -> ComposeResult:
        yield Markdown(HELP)


class HeapdiffApp(App):
    TITLE = "heapdiff"
    CSS = """
    #loading { height: 3; }
    TabPane { padding: 0; }
    RowTable { height: 1fr; }
    MemoryView, SourceView { height: 1fr; overflow-y: auto; }
    """
    BINDINGS = [
        # the tabs show their numbers, so the footer keeps its room for the other keys
        *[Binding(str(k + 1), f"tab('{t}')", t.capitalize(), show=False) for k, t in enumerate(TABS)],
        Binding("s", "sample_type", "sample type"),
        Binding("G", "granularity", "granularity"),
        Binding("d", "mode", "diff mode"),
        Binding("n", "normalize", "normalize"),
        Binding("f", "focus_selected", "focus"),
        Binding("i", "ignore_selected", "ignore"),
        Binding("F", "clear_filters", "clear focus", show=False),
        Binding("slash", "filter", "filter", show=False),
        Binding("o", "sort", "sort", show=False),
        Binding("b", "direction", "callers", show=False),
        Binding("g", "growth", "growth path", show=False),
        Binding("m", "report", "report"),
        Binding("question_mark", "help", "help"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, paths: list[str], base_paths: list[str], source_dir: str | None = None,
                 report_path: str = "heapdiff-report.md", driver_class=None,
                 from_round: int | None = None, to_round: int | None = None):
        super().__init__(driver_class=driver_class)
        self.inputs = resolve_pair(paths, base_paths, from_round, to_round)
        self.paths = list(self.inputs.new.paths)
        self.base_paths = list(self.inputs.base.paths) if self.inputs.base else []
        self.capture = self.inputs.capture
        self.source_dir = source_dir
        self.report_path = report_path
        self.moments: Moments | None = None
        self.analysis = None
        self.settings = Settings()
        self.selected: str | None = None
        self.pending_growth = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loading"):
            yield Static("loading…", id="loading-text")
            yield ProgressBar(id="loading-bar", show_eta=False)
        with ViewTabs(id="tabs", initial="top"):
            for number, (tab, view) in enumerate(VIEWS.items(), 1):
                with TabPane(f"{number} {tab.capitalize()}", id=tab):
                    yield view(id=f"{tab}-view")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#tabs").display = False
        self.load()

    # --- loading and analysis, off the event loop --------------------------------------
    @work(thread=True, exclusive=True)
    def load(self) -> None:
        def progress(message: str) -> None:
            self.call_from_thread(self._progress, message)

        try:
            if self.moments is None:
                self.moments = load_moments(self.paths, self.base_paths, progress)
            progress("diffing")
            analysis = analyse(self.moments, self.settings, self.capture)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self.call_from_thread(self._failed, exc)
            return
        self.call_from_thread(self._loaded, analysis)

    @work(thread=True, group="prepare")
    def prepare(self, analysis, tab: str, bottom_up: bool, selected: str | None) -> None:
        """A view's heavy part off the event loop; the view fills when it is ready."""
        try:
            analysis.prepare(tab, bottom_up, selected)
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.call_from_thread(self.notify, f"{tab}: {type(exc).__name__}: {exc}",
                                  severity="error")
            return
        if analysis is self.analysis:
            self.call_from_thread(self.refresh_view)

    def _progress(self, message: str) -> None:
        self.query_one("#loading-text", Static).update(message)
        self.query_one("#loading-bar", ProgressBar).advance(1)

    def _failed(self, exc: Exception) -> None:
        from heapdiff.common.errors import InputError

        message = f"heapdiff: {exc}" if isinstance(exc, InputError) else \
            f"heapdiff: cannot analyse these inputs: {type(exc).__name__}: {exc}"
        self.query_one("#loading-text", Static).update(message)
        self.notify(message, severity="error", timeout=30)

    def _loaded(self, analysis) -> None:
        self.analysis = analysis
        if self.selected is None and analysis.diff.rows:
            self.selected = analysis.diff.rows[0].name
        self.query_one("#loading").display = False
        self.query_one("#tabs").display = True
        self.sub_title = f"{analysis.diff.sample_type.type} · {analysis.settings.granularity}"
        self.refresh_view()

    def refresh_view(self) -> None:
        """Fill the visible view (the others fill when they are shown)."""
        if self.analysis is None:
            return
        tab = self.query_one(TabbedContent).active
        view = self.query_one(f"#{tab}-view")
        bottom_up = self.query_one(CallTreeView).bottom_up
        if not self.analysis.ready(tab, bottom_up, self.selected):
            view.loading = True  # the view's own indicator while its part is computed
            self.prepare(self.analysis, tab, bottom_up, self.selected)
            return
        view.loading = False
        try:
            if tab == "top":
                view.show(self.analysis, self.selected)
                view.query_one(RowTable).focus()
            elif tab == "peek":
                view.show(self.analysis, self.selected)
                view.query_one(RowTable).focus()
            elif tab == "source":
                view.show(self.analysis, self.selected, self.source_dir)
            elif tab in ("retainers", "timeline"):
                view.show(self.analysis)
                view.query_one(RowTable).focus()
            else:
                view.show(self.analysis)
                view.focus()
                if tab == "tree" and self.pending_growth:
                    self.pending_growth = False
                    self.call_after_refresh(view.unfold_growth)
        except Exception as exc:  # noqa: BLE001 - a strange profile must not crash the TUI
            self.notify(f"{tab}: {type(exc).__name__}: {exc}", severity="error")

    def on_tabbed_content_tab_activated(self, event) -> None:
        self.refresh_view()

    def on_row_table_moved(self, event: RowTable.Moved) -> None:
        top = self.query_one(TopView)
        if event.table.id == "top-table" and top.shown:
            self.selected = top.shown[event.index].name
        elif event.table.id == "timeline-table":
            self.selected = self.query_one(TimelineView).function_at(event.index) or self.selected

    def on_row_table_chosen(self, event: RowTable.Chosen) -> None:
        if event.table.id == "peek-table":
            self.selected = self.query_one(PeekView).names[event.index]
            self.refresh_view()
        elif event.table.id in ("top-table", "timeline-table"):
            self.action_tab("peek")

    def on_tree_node_highlighted(self, event) -> None:
        if event.node.data is not None:
            self.selected = event.node.data.name

    # --- actions ------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def _reanalyse(self, settings: Settings) -> None:
        self.settings = settings
        self.notify(self._describe(settings), timeout=2)
        self.load()

    def _describe(self, s: Settings) -> str:
        parts = [s.sample_type or "default sample type", s.granularity, s.mode]
        if s.normalize:
            parts.append("normalized")
        if s.focus:
            parts.append("focus " + ", ".join(s.focus))
        if s.ignore:
            parts.append("ignore " + ", ".join(s.ignore))
        return " · ".join(parts)

    def action_sample_type(self) -> None:
        if self.analysis:
            types = self.analysis.sample_types
            current = self.analysis.diff.sample_type.type
            self._reanalyse(replace(self.settings,
                                    sample_type=types[(types.index(current) + 1) % len(types)]))

    def action_granularity(self) -> None:
        self._reanalyse(self.settings.next_granularity())

    def action_mode(self) -> None:
        self._reanalyse(replace(self.settings, mode="base" if self.settings.mode == "diff-base"
                                else "diff-base"))

    def action_normalize(self) -> None:
        self._reanalyse(replace(self.settings, normalize=not self.settings.normalize))

    def action_focus_selected(self) -> None:
        if self.selected:
            self._reanalyse(replace(self.settings, focus=self.settings.focus + (self.selected,)))

    def action_ignore_selected(self) -> None:
        if self.selected:
            self._reanalyse(replace(self.settings, ignore=self.settings.ignore + (self.selected,)))

    def action_clear_filters(self) -> None:
        self._reanalyse(replace(self.settings, focus=(), ignore=()))

    def action_filter(self) -> None:
        self.action_tab("top")
        self.query_one(TopView).open_filter()

    def action_sort(self) -> None:
        self.query_one(TopView).cycle_sort()

    def action_direction(self) -> None:
        tree = self.query_one(CallTreeView)
        tree.bottom_up = not tree.bottom_up
        self.action_tab("tree")
        self.refresh_view()

    def action_growth(self) -> None:
        tree = self.query_one(CallTreeView)
        if self.query_one(TabbedContent).active == "tree" and tree.analysis is self.analysis:
            tree.unfold_growth()
        else:  # unfolded as soon as the tree view is filled
            self.pending_growth = True
            self.action_tab("tree")

    def action_report(self) -> None:
        self.write_report()

    @work(thread=True)
    def write_report(self) -> None:
        from heapdiff.gather import gather
        from heapdiff.common.output import emit
        from heapdiff.render.markdown import report_markdown

        try:
            gathered = gather(self.paths, self.base_paths, title=self.inputs.title)
            emit(report_markdown(gathered), self.report_path)
        except Exception as exc:  # noqa: BLE001
            self.call_from_thread(self.notify, f"report: {exc}", severity="error")
            return
        where = str(Path(self.report_path).resolve())
        self.call_from_thread(self.notify, f"report written to {where}", timeout=10)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action.startswith("tab("):
                continue
            yield SystemCommand(binding.description.capitalize(), f"key {binding.key}",
                                lambda action=binding.action: self.run_action(action))
        for tab in TABS:
            yield SystemCommand(f"Show {tab}", f"switch to the {tab} view",
                                lambda tab=tab: self.action_tab(tab))
