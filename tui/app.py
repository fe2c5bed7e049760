"""heapdiff's TUI: the diff, the call graph, the memory waterfall and the retainers, browsed.

Loading and analysis run in a worker thread with a progress bar; views are filled from the
analysis heapdiff computes. The selection, a node's identity, is kept across views;
the views themselves, in tui/views/__init__.py, make the tabs, keys and help."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.lazy import Lazy
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.containers import Vertical
from textual.widgets import Header, Input, ProgressBar, Static, TabbedContent, TabPane

from heapdiff.analysis.aggregate import NodeInfo
from heapdiff.common.errors import InputError
from heapdiff.inputs.moments import resolve_pair
from heapdiff.render.escape import terminal

from . import compared
from .background import in_background
from .export import document
from .keys import KEYS
from .newfile import write_new
from .place import place
from .plain import plain
from .search import compile_search
from .state import Analysis, Moments, Settings, analyse, load_moments
from .views import VIEWS
from .views.base import NodeChosen, NodeSelected, View, ViewFiltered, typing
from .views.peek import PeekView
from .views.source import find_file
from .views.top import TopView
from .views.tree import CallTreeView
from .widgets.context import ContextBar
from .widgets.footer import StableFooter
from .widgets.searchbox import SearchBox

class ViewTabs(TabbedContent):
    """Tabs that move only when asked (keys, clicks, the palette). Textual's TabbedContent
    also follows programmatic focus into another pane, so a view that a worker filled and
    focused just after the user switched away pulled them back to it."""

    def on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.prevent_default()  # TabbedContent's own handler would switch to that pane
        event.stop()


class HeapdiffApp(App):
    """The views (tabs, number keys, help) are `views`; the other keys are BINDINGS."""

    TITLE = "heapdiff"
    views: tuple[type[View], ...] = VIEWS
    CSS = """
    #loading { height: 3; }
    TabPane { padding: 0; }
    ViewTabs { height: 1fr; }
    RowTable { height: 1fr; }
    MemoryView, SourceView { height: 1fr; overflow-y: auto; }
    /* toasts: one line at the top right, over the title bar, not over the tables' names */
    ToastRack { dock: top; align: right top; margin-bottom: 0; }
    Toast { width: auto; padding: 0 1; margin-top: 0; max-width: 60%; }
    """
    NOTIFICATION_TIMEOUT = 3
    BINDINGS = [key.binding() for key in KEYS]

    def __init__(self, paths: list[str], base_paths: list[str], source_dir: str | None = None,
                 report_path: str = "heapdiff-report.md", driver_class=None,
                 from_round: int | None = None, to_round: int | None = None,
                 moments: Moments | None = None, binary: str | None = None,
                 instance: str | None = None, escapes: bool = False):
        """moments: the inputs already read (`heapdiff tui` reads them before the screen is
        taken, so that bad input is its one line); None: read here, in the load worker."""
        super().__init__(driver_class=driver_class)
        for view in self.views:  # the tabs show their numbers: the footer keeps its room
            self.bind(view.key, f"tab('{view.slug}')", description=view.title, show=False)
        self.inputs = resolve_pair(paths, base_paths, from_round, to_round)
        self.paths = list(self.inputs.new.paths)
        self.base_paths = list(self.inputs.base.paths) if self.inputs.base else []
        self.capture = self.inputs.capture
        self.source_dir = source_dir
        self.binary = binary
        self.escapes = escapes  # Source shows escape verdicts (compiles --source's packages)
        self.instance = instance  # of a Prometheus scrape of several processes
        self.report_path = report_path
        self.moments = moments
        self.analysis = None
        self.settings = Settings()
        self.selected: NodeInfo | None = None  # the node every view shows, by identity
        self.failure: InputError | None = None  # why nothing could be shown: raised on exit
        self.rounds = (from_round, to_round)
        self.view_filters: dict[str, str] = {}  # per view slug, its own filter as said
        self.searching: tuple[str, re.Pattern[str]] | None = None  # (view slug, pattern): n / N
        self.crashes: list[Exception] = []  # bugs shown, not raised: the run still fails

    def compose(self) -> ComposeResult:
        yield Header()
        yield ContextBar(id="context")
        with Vertical(id="loading"):
            yield Static("loading…", id="loading-text")
            yield ProgressBar(id="loading-bar", show_eta=False)
        with ViewTabs(id="tabs", initial=self.views[0].slug):
            for n, view in enumerate(self.views):
                with TabPane(f"{view.key} {view.title}", id=view.slug):
                    # the first view at once; the others after the first paint (Lazy)
                    widget = view(id=f"{view.slug}-view")
                    yield widget if n == 0 else Lazy(widget)
        yield SearchBox(placeholder="search (regex), Enter to keep, Esc to end", id="search")
        yield StableFooter(compact=True)  # more keys fit in 80 columns

    def on_mount(self) -> None:
        self.query_one("#tabs").display = False
        self.show_context()
        self.load()

    def on_unmount(self) -> None:
        if self.moments is not None:  # a heap dump's tree being built: its process ends
            self.moments.dumps.stop()

    # --- loading and analysis, off the event loop --------------------------------------
    @work(exclusive=True)
    async def load(self) -> None:
        settings = self.settings
        try:
            analysis = await in_background(lambda: self._analyse(settings), "analysis")
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a crash
            self._failed(exc)
            return
        self._loaded(analysis)

    def _analyse(self, settings: Settings) -> Analysis:
        """In the background thread: the inputs (unless read before the app started), then
        the analysis for these settings."""
        def progress(message: str) -> None:
            self.call_from_thread(self._progress, message)

        if self.moments is None:
            self.moments = load_moments(self.paths, self.base_paths, progress,
                                        self.source_dir, self.binary,
                                        self.instance, escapes=self.escapes)
        progress("diffing")
        return analyse(self.moments, settings, self.capture)

    @work(thread=True, group="prepare")
    def prepare(self, analysis, view: View, heavy: Callable[[], object]) -> None:
        """A view's heavy part off the event loop; the view fills when it is ready."""
        try:
            heavy()
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.call_from_thread(self._unprepared, view, exc)
            return
        if analysis is self.analysis:
            self.call_from_thread(self.refresh_view)

    def _progress(self, message: str) -> None:
        self.query_one("#loading-text", Static).update(plain(message))
        self.query_one("#loading-bar", ProgressBar).advance(1)

    def _failed(self, exc: Exception) -> None:
        error = exc if isinstance(exc, InputError) else InputError(
            " ".join(self.paths), f"cannot analyse these inputs: {type(exc).__name__}: {exc}")
        if not isinstance(exc, InputError):
            self.crashes.append(exc)
        if self.analysis is None:  # nothing to show: leave; the CLI prints it (2, or 1: a bug)
            self.failure = error
            self.exit(return_code=2 if isinstance(exc, InputError) else 1)
            return
        self.settings = self.analysis.settings  # what is still shown (e.g. -normalize refused)
        self._shown()
        message = f"heapdiff: {error}"
        self.query_one("#loading-text", Static).update(plain(message))
        self.tell(message, severity="error", timeout=30)
        self.refresh_view()  # no longer recomputing: the view shows what it showed

    def _unprepared(self, view: View, exc: Exception) -> None:
        """A view's heavy part failed: said, and its indicator stops (it spun for ever)."""
        view.loading = False
        self.swallow(view.slug, exc)

    def swallow(self, where: str, exc: Exception) -> None:
        """An exception shown instead of crashing the app: an InputError is the input's and
        said as the CLI says it; any other is a bug, kept so that the run ends with status 1
        and its traceback once the terminal is restored."""
        if isinstance(exc, InputError):
            self.tell(f"{where}: {exc}", severity="error")
            return
        self.crashes.append(exc)
        self.tell(f"{where}: {type(exc).__name__}: {exc}", severity="error")

    def _loaded(self, analysis) -> None:
        if analysis.settings != self.settings:  # a recompute another key superseded
            return
        previous, self.analysis = self.analysis, analysis
        if self.selected is None or previous is None or \
                previous.settings.granularity != analysis.settings.granularity:
            self.selected = analysis.closest(self.selected)  # a node of this granularity
        self.query_one("#loading").display = False
        self.query_one("#tabs").display = True
        self._shown()
        self.refresh_view()

    def _shown(self) -> None:
        """The header names what the views show; the line under it, what is compared."""
        if self.analysis is not None:
            self.sub_title = terminal(f"{self.analysis.diff.sample_type.type} · "
                                      f"{self.analysis.settings.granularity}")
        self.show_context()

    def stale(self) -> bool:
        """Whether the analysis shown is not yet the one the settings ask for (a recompute)."""
        return self.analysis is not None and self.analysis.settings != self.settings

    def show_context(self) -> None:
        """The header line: what is compared, with the settings asked for (at once, before the
        analysis for them is done) and every filter in force in the view shown."""
        moments, analysis = self.moments, self.analysis
        profiles = (moments.base.profile if moments and moments.base else None,
                    moments.new.profile if moments else None)
        sample_type = analysis.diff.sample_type.type if analysis else "default sample type"
        self.query_one(ContextBar).context = compared.context(
            self.inputs, self.rounds, profiles, self.settings, sample_type,
            self.view_filters.get(self.query_one(TabbedContent).active, ""))

    def on_view_filtered(self, event: ViewFiltered) -> None:
        self.view_filters[event.slug] = event.description
        self.show_context()

    def active_view(self) -> View:
        return self.query_one(f"#{self.query_one(TabbedContent).active}-view", View)

    def refresh_view(self) -> None:
        """Fill the visible view (the others fill when they are shown)."""
        if self.analysis is None:
            return
        view = self.active_view()
        if self.stale():  # no view shows the old settings' figures as if current
            view.loading = True
            return
        heavy = view.heavy(self.analysis, self.selected)
        if heavy is not None:
            view.loading = True  # the view's own indicator while its part is computed
            self.prepare(self.analysis, view, heavy)
            return
        view.loading = False
        try:
            view.show(self.analysis, self.selected)
            target = view.focus_target()
            if target is not None and not typing(self):
                target.focus()  # not while the user types in a box: the keys stay there
        except Exception as exc:  # noqa: BLE001 - a strange profile must not crash the TUI
            self.swallow(view.slug, exc)

    def on_tabbed_content_tab_activated(self, event) -> None:
        self.end_search()
        self.show_context()
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
        """Recompute in the worker; at once, the visible view is marked as recomputing and
        the header says what is being computed, not the old settings."""
        self.settings = settings
        self.sub_title = terminal(f"recomputing: {self._describe(settings)}…")
        self.show_context()  # the line under the header names the new settings at once
        self.refresh_view()
        self.call_after_refresh(self.load)  # the indicator is drawn before the work competes

    def _describe(self, s: Settings) -> str:
        shown = self.analysis.diff.sample_type.type if self.analysis else "default sample type"
        parts = [s.sample_type or shown, s.granularity, s.mode]
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
            # the one asked for by an s still recomputing, else the one shown
            current = self.settings.sample_type or self.analysis.diff.sample_type.type
            self._reanalyse(replace(self.settings,
                                    sample_type=types[(types.index(current) + 1) % len(types)]))

    def action_granularity(self) -> None:
        self._reanalyse(self.settings.next_granularity())

    def _needs_base(self, what: str) -> bool:
        """A single profile has nothing to compare with: say so instead of emptying Top."""
        if self.analysis is not None and not self.analysis.bases:
            self.tell(f"{what} compares with a base profile, and there is none: "
                      "heapdiff tui --base BASE NEW", severity="warning")
            return True
        return False

    def action_mode(self) -> None:
        if not self._needs_base("the diff mode (d)"):
            self._reanalyse(replace(self.settings, mode="base"
                                    if self.settings.mode == "diff-base" else "diff-base"))

    def action_normalize(self) -> None:
        if not self._needs_base("normalize (n)"):
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

    # --- search: / in the active view (Top filters instead), n / N while it is on -------
    def action_search(self) -> None:
        view = self.active_view()
        if isinstance(view, TopView):
            view.open_filter()
            return
        if view.search_lines() is None and type(view).search is View.search:
            self.tell(f"{view.title} has nothing to search", timeout=2)
            return
        self.query_one(SearchBox).open()

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, SearchBox) and event.value:
            event.stop()
            self.run_search(compile_search(event.value), 0)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SearchBox):
            event.stop()
            self.close_search_box()
            if not event.value:
                self.end_search()

    def on_search_box_cancelled(self, event: SearchBox.Cancelled) -> None:
        self.close_search_box()
        self.end_search()

    def close_search_box(self) -> None:
        """The box hides and the view gets the keys back: a hidden box never holds them."""
        box = self.query_one(SearchBox)
        box.display = box.can_focus = False
        target = self.active_view().focus_target() or self.active_view()
        if target.focusable:
            target.focus()
        elif self.focused is box:
            self.set_focus(None)

    def run_search(self, pattern: re.Pattern[str], step: int) -> None:
        view = self.active_view()
        found = view.search(pattern, step)
        if found is None:
            self.tell(f"{view.title} has nothing to search", timeout=2)
            return
        self.searching = (view.slug, pattern)
        self.refresh_bindings()
        if found is False:
            self.tell(f"no match for {pattern.pattern}", severity="warning", timeout=2)

    def end_search(self) -> None:
        if self.searching is not None:
            self.searching = None
            self.refresh_bindings()

    def action_search_next(self, step: int) -> None:
        if self.searching is not None:
            self.run_search(self.searching[1], step)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """n is the next match while a search is on in the view shown, else normalize."""
        searching = self.searching is not None and \
            self.searching[0] == self.query_one(TabbedContent).active
        if action == "search_next":
            return searching
        if action == "normalize":
            return not searching
        return True

    def action_sort(self) -> None:
        self.query_one(TopView).cycle_sort()

    def action_sort_reverse(self) -> None:
        self.query_one(TopView).reverse_sort()

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

    # --- the selection elsewhere: clipboard, editor, Markdown -------------------------------
    def action_copy_name(self) -> None:
        if self.selected is None:
            self.tell("nothing selected to copy", timeout=2)
            return
        self.copy(self.selected.name or self.selected.printable_name())

    def action_copy_place(self) -> None:
        place = self._place()
        if place is None:
            self.tell("the selection has no file:line", timeout=2)
            return
        self.copy(f"{place[0]}:{place[1]}" if place[1] else place[0])

    def copy(self, text: str) -> None:
        self.copy_to_clipboard(text)
        self.tell(f"copied {text}", timeout=2)

    def _place(self) -> tuple[str, int] | None:
        return None if self.analysis is None or self.selected is None else \
            place(self.analysis, self.selected)

    def action_edit(self) -> None:
        place = self._place()
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if place is None:
            self.tell("the selection has no source file", timeout=3)
            return
        found = find_file(place[0], self.source_dir)
        if found is None:
            self.tell(f"{place[0]} not found; give heapdiff tui --source DIR", timeout=4)
            return
        if not editor:
            self.tell("set $EDITOR to open files", timeout=4)
            return
        # absolute: a profile's path starting with - or + is never taken for an option
        command = [*shlex.split(editor), *([f"+{place[1]}"] if place[1] else []),
                   str(found.resolve())]
        try:
            with self.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            self.tell("this terminal cannot hand the screen to an editor", timeout=4)
        except OSError as exc:
            self.tell(f"{editor}: {exc.strerror or exc}", severity="error", timeout=4)

    def action_export(self) -> None:
        view = self.active_view()
        context = self.query_one(ContextBar).context
        try:
            text = document(view.title, context.markdown_line() if context else "",
                            view.markdown())
            path = write_new(str(Path.cwd() / f"heapdiff-view-{view.slug}.md"), text)
        except (OSError, InputError) as exc:
            self.tell(f"export: {exc}", severity="error", timeout=6)
            return
        self.tell(f"{view.title} written to {path}", timeout=6)

    def action_report(self) -> None:
        if self.moments is None:  # still loading: the report would be of nothing yet
            self.tell("report: the inputs are still being read", severity="warning")
            return
        # the header at once (drawn with the next frame), the toast as it is mounted
        self.sub_title = terminal(f"writing the report ({self._describe(self.settings)})…")
        self.tell(f"writing the report ({self._describe(self.settings)})…", timeout=60)
        self.call_after_refresh(self.write_report, self.moments, self.settings)

    @work(group="report")
    async def write_report(self, moments: Moments, settings: Settings) -> None:
        """The report of what the views show (the settings of the key press), as `heapdiff
        report` with the same options writes it, to a file no earlier report holds."""
        try:
            where = await in_background(lambda: self._report(moments, settings), "report")
        except Exception as exc:  # noqa: BLE001 - shown; an unexpected one by its type
            self._reported()
            self.swallow("report", exc)
            return
        self._reported()
        self.tell(f"report written to {where.resolve()}", timeout=10)

    def _reported(self) -> None:
        """The "writing" signs go: the toast, and the header unless a recompute holds it."""
        self.clear_notifications()
        if not self.stale():
            self._shown()

    def _report(self, moments: Moments, settings: Settings) -> Path:
        from heapdiff.gather import gather_snapshots
        from heapdiff.render.markdown import report_markdown

        new, base = moments.read_whole()  # the heap dumps the Retained view left unread
        gathered = gather_snapshots(
            new, base, self.paths, self.base_paths, binary=self.binary,
            source=self.source_dir, title=self.inputs.title, options=settings.diff_options(),
            server_flags=moments.server_flags)
        return write_new(self.report_path, report_markdown(gathered))

    def tell(self, message: str, **kwargs) -> None:
        """A notification that quotes inputs (names, paths, errors): never markup."""
        self.notify(terminal(message), markup=False, **kwargs)

    def action_help(self) -> None:
        from .help import HelpScreen  # Textual's Markdown: ~50 ms of the launch otherwise

        self.push_screen(HelpScreen(self.views))

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)  # Theme, Quit, Keys, Screenshot, ...
        for key in KEYS:
            if key.palette:  # the action itself: check_action would refuse n's normalize
                yield SystemCommand(key.title, f"{key.what} (key {key.shown or key.key})",
                                    getattr(self, f"action_{key.action}"))
        for view in self.views:
            yield SystemCommand(f"Show {view.slug}", f"switch to the {view.title} view "
                                f"(key {view.key})", lambda slug=view.slug: self.action_tab(slug))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The screenshot (ctrl+p → Screenshot) in the current directory, not ~/Downloads
        (often missing on a server), and the toast says where."""
        try:
            where = self.save_screenshot(filename, path or ".", time_format)
        except OSError as exc:
            self.tell(f"screenshot: {exc}", severity="error", timeout=6)
            return None
        self.tell(f"screenshot written to {Path(where).resolve()}", timeout=6)
        return where
