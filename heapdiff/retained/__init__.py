"""Retention from Go heap dumps: the dump's object graph (dump.py), its dominator tree
(dominators.py), names for objects and roots (names.py), groups and their paths (groups.py)."""
