"""python -m heapdiff, and the heapdiff script's entry point. The imports take a moment, and
a Ctrl-C during them ends the run as one during a command does: status 130, no traceback."""
import sys


def run() -> int:
    try:
        from .cli import main

        return main()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(run())
