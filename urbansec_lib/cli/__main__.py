"""``python -m urbansec_lib.cli``: the ``urbansec`` command."""

import sys

from . import main

sys.exit(main())
