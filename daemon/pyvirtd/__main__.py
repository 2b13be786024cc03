"""``python -m pyvirtd``: the same as the ``pyvirtd`` command."""

import sys

from pyvirtd._cli import main

sys.exit(main())
