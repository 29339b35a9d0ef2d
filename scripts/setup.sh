#!/usr/bin/env bash
# tinyfw set-up: Debian packages (toolchain + QEMU), .venv with the pinned Python packages, and
# tinyfw itself (editable) as .venv/bin/tinyfw. Idempotent; `make setup` runs it when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
# Debian 12 (bookworm) versions these were tested with. If the archive has moved on (a security
# update replaces the exact version), the same packages are installed unpinned, with a warning.
APT_PINNED=(
  "gcc-arm-none-eabi=15:12.2.rel1-1"
  "libnewlib-arm-none-eabi=3.3.0-1.3+deb12u1"
  "qemu-system-arm=1:7.2+dfsg-7+deb12u18+b3"
  "chromium=156.0.8078.108-1~deb12u1"
)
# chromium: the headless browser the test of `tinyfw report` opens the page in.
APT_NAMES=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm chromium)

have_tools() {
  command -v arm-none-eabi-gcc >/dev/null && command -v qemu-system-arm >/dev/null \
    && command -v gcc >/dev/null && command -v chromium >/dev/null \
    && [ -f /usr/lib/arm-none-eabi/newlib/thumb/v7e-m+fp/hard/libc_nano.a ]
}

if ! have_tools; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${APT_NAMES[*]} (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    if ! apt-get install -y -qq --no-install-recommends "${APT_PINNED[@]}" gcc >/dev/null; then
      echo "setup: warning: pinned versions unavailable; installing the archive's current ones" >&2
      apt-get install -y -qq --no-install-recommends "${APT_NAMES[@]}" gcc >/dev/null
    fi
  else
    echo "setup: error: missing arm-none-eabi-gcc / newlib / qemu-system-arm / gcc / chromium." >&2
    echo "  install them with: sudo apt-get install -y ${APT_NAMES[*]} gcc" >&2
    exit 3
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.tinyfw-installed
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing pinned Python packages into .venv (first time: about a minute)"
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$want" > "$stamp"
fi
.venv/bin/tinyfw --version >/dev/null
echo "setup: ok ($(arm-none-eabi-gcc -dumpversion), $(qemu-system-arm --version | head -1 | awk '{print $4}'), $(.venv/bin/tinyfw --version))"
