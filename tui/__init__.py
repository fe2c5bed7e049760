"""The Textual TUI for heapdiff (see README). It imports heapdiff; heapdiff never imports it."""
