"""heapdiff's TUI: the diff, the call graph, the memory waterfall and the retainers, browsed.

Loading and analysis run in a worker thread with a progress bar; views are filled from the
analysis heapdiff computes. The selection, a node's identity, is kept across views;
the views themselves, in tui/views/__init__.py, make the tabs, keys and help."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Markdown, ProgressBar, Static, TabbedContent, TabPane

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.errors import InputError
from heapdiff.inputs.moments import resolve_pair
from heapdiff.render.escape import terminal

from .plain import plain
from .state import Moments, Settings, analyse, load_moments
from .views import VIEWS
from .views.base import NodeChosen, NodeSelected, View
from .views.peek import PeekView
from .views.top import TopView
from .views.tree import CallTreeView

GLOBAL_HELP = (
    ("↑ ↓ / j k", "move; Enter peeks at the selected function"),
)
SETTINGS_HELP = (
    ("s", "next sample type"),
    ("G", "next granularity"),
    ("d", "diff mode: diff-base or base"),
    ("n", "normalize the new profile to the base total"),
    ("f / i", "focus on / ignore the selected function (pprof's -focus / -ignore); F clears"),
    ("m", "write the Markdown report"),
    ("ctrl+p", "every action in the command palette"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_markdown(views: tuple[type[View], ...]) -> str:
    """The keys, from the views' own help and the global bindings."""
    rows = [(f"{views[0].key}–{views[-1].key}", ", ".join(v.title for v in views)),
            *GLOBAL_HELP, *(row for v in views for row in v.help), *SETTINGS_HELP]
    return "# heapdiff keys\n\n| key | what it does |\n|---|---|\n" + \
        "".join(f"| {key} | {what} |\n" for key, what in rows)


class ViewTabs(TabbedContent):
    """Tabs that move only when asked (keys, clicks, the palette). Textual's TabbedContent
    also follows programmatic focus into another pane, so a view that a worker filled and
    focused just after the user switched away pulled them back to it."""

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()  # TabbedContent's own handler would switch to that pane
        event.stop()


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "close")]

    def __init__(self, views: tuple[type[View], ...]):
        super().__init__()
        self.views = views

    def compose(self) -> ComposeResult:
        yield Markdown(help_markdown(self.views))


class HeapdiffApp(App):
    """The views (tabs, number keys, help) are `views`; the other keys are BINDINGS."""

    TITLE = "heapdiff"
    views: tuple[type[View], ...] = VIEWS
    CSS = """
    #loading { height: 3; }
    TabPane { padding: 0; }
    RowTable { height: 1fr; }
    MemoryView, SourceView { height: 1fr; overflow-y: auto; }
    """
    BINDINGS = [
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
                 from_round: int | None = None, to_round: int | None = None,
                 instance: str | None = None):
        super().__init__(driver_class=driver_class)
        for view in self.views:  # the tabs show their numbers: the footer keeps its room
            self.bind(view.key, f"tab('{view.slug}')", description=view.title, show=False)
        self.inputs = resolve_pair(paths, base_paths, from_round, to_round)
        self.paths = list(self.inputs.new.paths)
        self.base_paths = list(self.inputs.base.paths) if self.inputs.base else []
        self.capture = self.inputs.capture
        self.source_dir = source_dir
        self.instance = instance  # of a Prometheus scrape of several processes
        self.report_path = report_path
        self.moments: Moments | None = None
        self.analysis = None
        self.settings = Settings()
        self.selected: NodeInfo | None = None  # the node every view shows, by identity
        self.failure: InputError | None = None  # why nothing could be shown: raised on exit

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="loading"):
            yield Static("loading…", id="loading-text")
            yield ProgressBar(id="loading-bar", show_eta=False)
        with ViewTabs(id="tabs", initial=self.views[0].slug):
            for view in self.views:
                with TabPane(f"{view.key} {view.title}", id=view.slug):
                    yield view(id=f"{view.slug}-view")
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
                self.moments = load_moments(self.paths, self.base_paths, progress,
                                            self.source_dir, self.instance)
            progress("diffing")
            analysis = analyse(self.moments, self.settings, self.capture)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self.call_from_thread(self._failed, exc)
            return
        self.call_from_thread(self._loaded, analysis)

    @work(thread=True, group="prepare")
    def prepare(self, analysis, view: View, heavy: Callable[[], object]) -> None:
        """A view's heavy part off the event loop; the view fills when it is ready."""
        try:
            heavy()
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.call_from_thread(self.tell, f"{view.slug}: {type(exc).__name__}: {exc}",
                                  severity="error")
            return
        if analysis is self.analysis:
            self.call_from_thread(self.refresh_view)

    def _progress(self, message: str) -> None:
        self.query_one("#loading-text", Static).update(plain(message))
        self.query_one("#loading-bar", ProgressBar).advance(1)

    def _failed(self, exc: Exception) -> None:
        error = exc if isinstance(exc, InputError) else InputError(
            " ".join(self.paths), f"cannot analyse these inputs: {type(exc).__name__}: {exc}")
        if self.analysis is None:  # nothing to show: leave; the CLI prints it, status 2
            self.failure = error
            self.exit(return_code=2)
            return
        self.settings = self.analysis.settings  # what is still shown (e.g. -normalize refused)
        message = f"heapdiff: {error}"
        self.query_one("#loading-text", Static).update(plain(message))
        self.tell(message, severity="error", timeout=30)

    def _loaded(self, analysis) -> None:
        previous, self.analysis = self.analysis, analysis
        if self.selected is None or previous is None or \
                previous.settings.granularity != analysis.settings.granularity:
            self.selected = analysis.closest(self.selected)  # a node of this granularity
        self.query_one("#loading").display = False
        self.query_one("#tabs").display = True
        self.sub_title = terminal(f"{analysis.diff.sample_type.type} · "
                                  f"{analysis.settings.granularity}")
        self.refresh_view()

    def active_view(self) -> View:
        return self.query_one(f"#{self.query_one(TabbedContent).active}-view", View)

    def refresh_view(self) -> None:
        """Fill the visible view (the others fill when they are shown)."""
        if self.analysis is None:
            return
        view = self.active_view()
        heavy = view.heavy(self.analysis, self.selected)
        if heavy is not None:
            view.loading = True  # the view's own indicator while its part is computed
            self.prepare(self.analysis, view, heavy)
            return
        view.loading = False
        try:
            view.show(self.analysis, self.selected)
            target = view.focus_target()
            if target is not None:
                target.focus()
        except Exception as exc:  # noqa: BLE001 - a strange profile must not crash the TUI
            self.tell(f"{view.slug}: {type(exc).__name__}: {exc}", severity="error")

    def on_tabbed_content_tab_activated(self, event) -> None:
        self.refresh_view()

    def on_node_selected(self, event: NodeSelected) -> None:
        self.selected = event.node

    def on_node_chosen(self, event: NodeChosen) -> None:
        """Enter on a node: peek at it (Peek walks to it)."""
        self.selected = event.node
        if isinstance(self.active_view(), PeekView):
            self.refresh_view()
        else:  # shown once its tab is activated
            self.action_tab(PeekView.slug)

    # --- actions ------------------------------------------------------------------------
    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def _reanalyse(self, settings: Settings) -> None:
        self.settings = settings
        self.tell(self._describe(settings), timeout=2)
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

    @staticmethod
    def _pattern(node: NodeInfo) -> str:
        """What f and i filter on: the selected node's function (its file, by files)."""
        return node.name or node.file or node.printable_name()

    def action_focus_selected(self) -> None:
        if self.selected:
            self._reanalyse(replace(self.settings,
                                    focus=self.settings.focus + (self._pattern(self.selected),)))

    def action_ignore_selected(self) -> None:
        if self.selected:
            self._reanalyse(replace(self.settings,
                                    ignore=self.settings.ignore + (self._pattern(self.selected),)))

    def action_clear_filters(self) -> None:
        self._reanalyse(replace(self.settings, focus=(), ignore=()))

    def action_filter(self) -> None:
        self.action_tab(TopView.slug)
        self.query_one(TopView).open_filter()

    def action_sort(self) -> None:
        self.query_one(TopView).cycle_sort()

    def action_direction(self) -> None:
        tree = self.query_one(CallTreeView)
        tree.bottom_up = not tree.bottom_up
        self.action_tab(CallTreeView.slug)
        self.refresh_view()

    def action_growth(self) -> None:
        tree = self.query_one(CallTreeView)
        if self.active_view() is tree and tree.analysis is self.analysis:
            tree.unfold_growth()
        else:  # unfolded as soon as the tree view is filled
            tree.pending_growth = True
            self.action_tab(CallTreeView.slug)

    def action_report(self) -> None:
        self.write_report()

    @work(thread=True)
    def write_report(self) -> None:
        from heapdiff.gather import gather
        from heapdiff.common.output import emit
        from heapdiff.render.markdown import report_markdown

        try:
            gathered = gather(self.paths, self.base_paths, title=self.inputs.title,
                              instance=self.instance)
            emit(report_markdown(gathered), self.report_path)
        except Exception as exc:  # noqa: BLE001 - shown; an unexpected one by its type
            said = str(exc) if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            self.call_from_thread(self.tell, f"report: {said}", severity="error")
            return
        where = str(Path(self.report_path).resolve())
        self.call_from_thread(self.tell, f"report written to {where}", timeout=10)

    def tell(self, message: str, **kwargs) -> None:
        """A notification that quotes inputs (names, paths, errors): never markup."""
        self.notify(terminal(message), markup=False, **kwargs)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.views))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            yield SystemCommand(binding.description.capitalize(), f"key {binding.key}",
                                lambda action=binding.action: self.run_action(action))
        for view in self.views:
            yield SystemCommand(f"Show {view.slug}", f"switch to the {view.slug} view",
                                lambda slug=view.slug: self.action_tab(slug))
