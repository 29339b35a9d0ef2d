"""python -m tinyfw"""

import sys

from tinyfw.cli import main

sys.exit(main())
