"""tinyfw-arm: the in-repo PlatformIO dev platform (offline).

PlatformIO runs every build through its core package `tool-scons`, normally fetched from the
PlatformIO registry, which tinyfw must not need. We point that package at
`platform/tool-scons/` (a shim that runs pip's SCons) with a `symlink://` spec and install the
link before every run, so a fresh clone with an empty HOME builds without network access.
"""

from __future__ import annotations

import os

from platformio.public import PlatformBase

_HERE = os.path.dirname(os.path.realpath(__file__))
_SCONS_SHIM_DIR = os.path.normpath(os.path.join(_HERE, "..", "tool-scons"))


class TinyfwarmPlatform(PlatformBase):
    """Cortex-M boards from `boards/*.json`; toolchain = system arm-none-eabi-gcc."""

    def _use_scons_shim(self) -> None:
        packages = self._manifest.setdefault("packages", {})
        packages["tool-scons"] = {
            "owner": "platformio",
            "type": "tool",
            "version": "symlink://" + _SCONS_SHIM_DIR,
            "optional": False,
        }

    def configure_default_packages(self, options, targets):
        self._use_scons_shim()
        return super().configure_default_packages(options, targets)

    def run(self, variables, targets, silent, verbose, jobs):
        # `pio run -t clean` skips package installation; install the link here so SCons is
        # found locally instead of PlatformIO asking its registry (which stalls ~61 s, then fails).
        self._use_scons_shim()
        self.install_package("tool-scons")
        return super().run(variables, targets, silent, verbose, jobs)
