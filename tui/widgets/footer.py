"""The footer, mounted again only when the keys it shows change."""
from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    """Textual's Footer mounts every key again whenever the focused widget's bindings change
    (each tab switch, the filter box), though the keys shown are mostly the same: 44 widgets
    styled and drawn again, most of a tab switch's time (100-500 ms on the loaded bench
    machine). This one recomposes only when the keys it would show differ."""

    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        shown = self._keys(screen)
        if self._bindings_ready and shown == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # what the recompose will show

    def _keys(self, screen: Screen) -> tuple:
        """What compose() reads: the bindings shown (and the palette's), enabled or not."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple((key, binding.action, binding.description, binding.group, enabled, tip)
                     for key, (_, binding, enabled, tip) in screen.active_bindings.items()
                     if binding.show or key == palette)
