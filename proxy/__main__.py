"""``python -m proxy`` is the same CLI as ``sluicegate``."""

import sys

from proxy.cli import main

sys.exit(main())
