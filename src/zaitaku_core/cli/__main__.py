"""``python -m zaitaku_core.cli``."""

import sys

from zaitaku_core.cli import main

sys.exit(main())
