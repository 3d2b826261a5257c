"""``python -m assistant`` entry point; all logic lives in :mod:`assistant.cli`."""

from assistant.cli import main

raise SystemExit(main())
