"""python -m heapdiff. The imports take a moment, and a Ctrl-C during them ends the run as one
during a command does: status 130, no traceback."""
import sys

try:
    from .cli import main

    status = main()
except KeyboardInterrupt:
    status = 130
sys.exit(status)
