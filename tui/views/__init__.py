"""The views, in tab order: this list drives the tabs, the number keys, the help screen,
readiness and focus (see base.View). A new view is a class added here."""
from __future__ import annotations

from .base import View
from .flame import FlameView
from .memory import MemoryView
from .peek import PeekView
from .retained import RetainedView
from .retainers import RetainersView
from .source import SourceView
from .timeline import TimelineView
from .top import TopView
from .tree import CallTreeView

VIEWS: tuple[type[View], ...] = (TopView, CallTreeView, PeekView, FlameView, SourceView,
                                 MemoryView, RetainersView, TimelineView,
                                 RetainedView)
