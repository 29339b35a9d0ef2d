"""Entry point PlatformIO runs as `python scons.py ...`: hands over to pip's SCons.

PlatformIO 6.2.0 wants the core package `platformio/tool-scons ~4.41101.0` from its registry.
This folder stands in for it (see platform/tinyfw-arm/platform.py), so builds stay offline.
"""

from __future__ import annotations

import sys


def _main() -> None:
    try:
        from SCons.Script import main
    except ImportError:
        sys.stderr.write(
            "tinyfw: error: SCons is not installed in PlatformIO's Python "
            f"({sys.executable}); run `make setup` or `pip install scons==4.11.1`\n"
        )
        sys.exit(3)
    main()


if __name__ == "__main__":
    _main()
