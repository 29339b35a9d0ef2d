"""tinyfw-arm builder: the SCons recipe PlatformIO runs for every tinyfw board.

Everything board-specific comes from the board manifest `boards/<id>.json`, read through the one
schema in sim/boards.py (tinyfw as installed in the Python running PlatformIO; else the
project folder's sim/ and tinyfw/), after
PlatformIO applied the platformio.ini `board_<path>` options (e.g.
`board_tinyfw.stack_size = 32768`) to it:
  BoardInfo.machine_flags() -> -mcpu/-mthumb/-mfloat-abi/-mfpu
  BoardInfo.c_defines()     -> -DTINYFW_* for the C code (firmware/board/README.md)
  BoardInfo.memory_ld()     -> $BUILD_DIR/tinyfw_memory.ld (MEMORY map incl. the TRACE region,
                               stack sizes), included by the linker script build.ldscript
  BoardInfo.family          -> which firmware/board/<family>/ drivers are compiled
  qemu_machine / upload_protocol / pyocd_target -> the `upload` target
so a board constant is written once, and checked once.

Per-build choices: an environment variable wins over the platformio.ini option, which wins
over the default (`pio run` of PlatformIO 6.2.0 has no `-O`, so tests and `tinyfw verify` use the
environment variables, plus PLATFORMIO_BUILD_DIR for the output folder):
  TINYFW_APP          custom_tinyfw_app         folder under firmware/ holding main() (app;
                                                none = main comes from TINYFW_EXTRA_SRC)
  TINYFW_GENERATED    custom_tinyfw_generated   folder of generated C, relative to the project
                                                or absolute (firmware/generated; none = no
                                                generated code)
  TINYFW_EXTRA_SRC    custom_tinyfw_extra_src   an extra source folder, relative or absolute
  TINYFW_ICOUNT_SHIFT custom_tinyfw_icount_shift  QEMU -icount shift of `-t upload` (sim/qemu.py)
  TINYFW_TIMEOUT_S    custom_tinyfw_timeout_s     QEMU timeout of `-t upload` (60)
build_src_filter may use $TINYFW_APP and $TINYFW_BOARD_FAMILY; extra defines go in build_flags
or PLATFORMIO_BUILD_FLAGS. Targets: default (ELF + .bin + .hex + map file), `size`, `upload`.
`pio test` (the `__test` target) builds test/<suite>/ with everything but the app, and
firmware/test/tfw_unit.h on the include path; test/test_custom_runner.py runs it in QEMU.
"""

import os
import shutil
import sys

from SCons.Script import (  # pylint: disable=import-error
    COMMAND_LINE_TARGETS,
    AlwaysBuild,
    Builder,
    Default,
    DefaultEnvironment,
)

env = DefaultEnvironment()
TOOLCHAIN_PREFIX = "arm-none-eabi-"
APT_HINT = (
    "install it with `make setup` or "
    "`apt-get install -y gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm`"
)


def fail(message, status=1):
    sys.stderr.write(f"tinyfw: error: {message}\n")
    env.Exit(status)


if "BOARD" not in env:
    fail("platformio.ini: set `board = <id>` (a file boards/<id>.json) in the environment")

board = env.BoardConfig()
board_file = board.manifest_path
project_dir = env.subst("$PROJECT_DIR")
src_dir = env.subst("$PROJECT_SRC_DIR")
board_layer_dir = os.path.join(src_dir, "board")
try:  # the tinyfw installed in the Python that runs PlatformIO (make setup: .venv)
    from tinyfw.errors import TinyfwError  # pylint: disable=import-error
    from tinyfw.sim import boards as board_schema  # pylint: disable=import-error
    from tinyfw.sim import qemu as qemu_runner  # pylint: disable=import-error
except ImportError:  # PlatformIO from elsewhere: the checkout's own sources
    if project_dir not in sys.path:
        sys.path.insert(0, project_dir)
    try:
        from sim import boards as board_schema  # pylint: disable=import-error
        from sim import qemu as qemu_runner  # pylint: disable=import-error
        from tinyfw.errors import TinyfwError  # pylint: disable=import-error
    except ImportError as exc:
        fail(f"cannot import tinyfw (the board schema, sim/boards.py): {exc}; run PlatformIO "
             "from the Python where tinyfw is installed (make setup: .venv/bin/pio)", 3)
board_from_dict = board_schema.board_from_dict


def project_option(name, default):
    """Environment variable TINYFW_<NAME> (name without custom_tinyfw_), else the option."""
    envvar = "TINYFW_" + name[len("custom_tinyfw_") :].upper()
    value = os.environ.get(envvar, "").strip()
    if value:
        return value
    value = env.GetProjectOption(name, default)
    return default if value is None else str(value).strip()


def project_path(value):
    """Project options name folders relative to the project (or absolutely)."""
    if value.lower() in ("", "none"):
        return None
    return os.path.normpath(os.path.join(project_dir, os.path.expanduser(value)))


# --- the board ------------------------------------------------------------------------------

try:
    # board.manifest: the manifest after PlatformIO applied the board_<path> options
    info = board_from_dict(board.manifest, board_file)
except TinyfwError as exc:
    fail(exc.one_line(), getattr(exc, "exit_status", 2))
family = info.family
family_dir = os.path.join(board_layer_dir, family)
if not os.path.isdir(family_dir):
    fail(f"{board_file}: tinyfw.family: no driver folder {family_dir}", 2)
machine_flags = info.machine_flags()
# values are C text; the quotes of a C string literal must get through the shell
board_defines = [(name, value.replace('"', '\\"')) for name, value in info.c_defines()]

# --- toolchain and flags --------------------------------------------------------------------

if not env.WhereIs(TOOLCHAIN_PREFIX + "gcc"):
    fail(f"{TOOLCHAIN_PREFIX}gcc not found on PATH; {APT_HINT}", 3)

env.Replace(
    AR=TOOLCHAIN_PREFIX + "gcc-ar",
    AS=TOOLCHAIN_PREFIX + "as",
    CC=TOOLCHAIN_PREFIX + "gcc",
    CXX=TOOLCHAIN_PREFIX + "g++",
    GDB=TOOLCHAIN_PREFIX + "gdb",
    OBJCOPY=TOOLCHAIN_PREFIX + "objcopy",
    RANLIB=TOOLCHAIN_PREFIX + "gcc-ranlib",
    SIZETOOL=TOOLCHAIN_PREFIX + "size",
    ARFLAGS=["rc"],
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    # flash = everything stored in the image; RAM = .data + .bss + both stack reservations
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=(
        r"^(?:\.isr_vector|\.text|\.rodata|\.ARM\.extab|\.ARM\.exidx|\.init_array|\.data)"
        r"\s+(\d+).*"
    ),
    SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.stack|\.handler_stack)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
)

memory_ld = os.path.join(env.subst("$BUILD_DIR"), "tinyfw_memory.ld")
ldscript = info.ldscript
if not os.path.isabs(ldscript):
    in_project = os.path.join(project_dir, ldscript)
    ldscript = in_project if os.path.isfile(in_project) else os.path.join(board_layer_dir, ldscript)
if not os.path.isfile(ldscript):
    fail(f"{board_file}: build.ldscript: {ldscript} not found", 2)
env.Replace(LDSCRIPT_PATH=ldscript)

env.Append(
    ASFLAGS=machine_flags,
    ASPPFLAGS=["-x", "assembler-with-cpp"],
    CFLAGS=["-std=c11"],
    CCFLAGS=machine_flags
    + [
        # -Os; -O2 and -flto for the inference (inference_flags below): variables, so the
        # build flags PlatformIO adds later reach those sources too
        "$TINYFW_OPT",
        "$TINYFW_LTO",
        "-g",
        "-ffunction-sections",
        "-fdata-sections",
        "-fno-common",
        "-Wall",
        "-Wextra",
        "-Werror",
    ],
    CPPDEFINES=board_defines,
    LINKFLAGS=machine_flags
    + [
        "-Os",
        "-flto",
        "-nostartfiles",
        "--specs=nano.specs",
        "--specs=nosys.specs",
        "-Wl,--gc-sections",
        # Paths substituted here, not as ${BUILD_DIR} inside a flag: SCons splits an expanded
        # variable on white space, but quotes a plain string that holds spaces.
        "-Wl,-Map," + os.path.join(env.subst("$BUILD_DIR"), env.subst("$PROGNAME") + ".map"),
        "-Wl,--print-memory-usage",
        "-L" + env.subst("$BUILD_DIR"),
    ],
    LIBS=["c", "m", "gcc"],
    TINYFW_OPT="-Os",
    TINYFW_LTO="",
)

# Link-time optimisation of the inference (the kernels and the generated model code: the
# model's constant parameter blocks propagate into the kernels), -Os everywhere but in the
# kernels whose loops are the inference time (GCC keeps each function's optimisation level
# through LTO). The app, the board layer and extra sources stay ordinary objects, so the map
# file still names the object each of their functions came from.
HOT_KERNELS = (
    "tfw_conv2d_s8.c",
    "tfw_depthwise_conv2d_s8.c",
    "tfw_fully_connected_s8.c",
    "tfw_max_pool2d_s8.c",
    "tfw_avg_pool2d_s8.c",
    "tfw_mean_s8.c",
    "tfw_add_s8.c",
    "tfw_mul_s8.c",
)
lto_dirs = [os.path.join(src_dir, "kernels")]


def inference_flags(env, node):  # pylint: disable=redefined-outer-name
    """A PlatformIO build middleware: -flto for the kernels and the generated code, -O2 for
    the hot kernels; any other source as it is."""
    path = node.srcnode().abspath
    if not any(path.startswith(d + os.sep) for d in lto_dirs):
        return node
    hot = os.path.basename(path) in HOT_KERNELS
    return env.Object(node, TINYFW_OPT="-O2" if hot else "-Os", TINYFW_LTO="-flto")


env.AddBuildMiddleware(inference_flags)


def write_memory_ld():
    """$BUILD_DIR/tinyfw_memory.ld from the manifest (rewritten only when it changes)."""
    text = info.memory_ld(os.path.relpath(board_file, project_dir))
    os.makedirs(os.path.dirname(memory_ld), exist_ok=True)
    old = None
    if os.path.isfile(memory_ld):
        with open(memory_ld, encoding="utf-8") as fp:
            old = fp.read()
    if old != text:
        with open(memory_ld, "w", encoding="utf-8") as fp:
            fp.write(text)


write_memory_ld()

# --- sources --------------------------------------------------------------------------------

# `pio test`: the test suite (test/<name>/) holds main(); the firmware's kernels, board layer
# and user code are built with it (test_build_src = yes), the app and the generated model
# (which needs the app's headers) are not.
unit_testing = "__test" in COMMAND_LINE_TARGETS
app = project_option("custom_tinyfw_app", "app").strip("/")
if unit_testing or app.lower() == "none":
    app = ".tinyfw-no-app"  # a name the source filter matches nowhere
elif os.path.isabs(app) or ".." in app.split("/") or not os.path.isdir(os.path.join(src_dir, app)):
    fail(f"custom_tinyfw_app: {app!r} is not a folder under {src_dir}", 2)
generated_dir = project_path(project_option("custom_tinyfw_generated", "firmware/generated"))
extra_dir = project_path(project_option("custom_tinyfw_extra_src", "none"))
if extra_dir and not os.path.isdir(extra_dir):
    fail(f"custom_tinyfw_extra_src: {extra_dir} is not a folder", 2)

if app == "app" and not (generated_dir and os.path.isfile(os.path.join(generated_dir, "app_config.h"))):
    fail(
        "%s holds no generated model (app_config.h): run `tinyfw generate` (or `make demo`)"
        % (generated_dir or "custom_tinyfw_generated"),
        2,
    )

env.Replace(TINYFW_APP=app, TINYFW_BOARD_FAMILY=family)
if not env.get("SRC_FILTER"):
    env.Replace(
        SRC_FILTER=[
            "+<$TINYFW_APP/>",
            "+<kernels/>",
            "+<board/common/>",
            "+<board/$TINYFW_BOARD_FAMILY/>",
            "+<user/>",
        ]
    )

include_dirs = [board_layer_dir, os.path.join(src_dir, "kernels"), os.path.join(src_dir, app)]
include_dirs.append(os.path.join(src_dir, "user"))
if unit_testing:
    include_dirs.append(os.path.join(src_dir, "test"))  # tfw_unit.h
if generated_dir and os.path.isdir(generated_dir) and not unit_testing:
    lto_dirs.append(os.path.abspath(generated_dir))
    include_dirs.insert(0, generated_dir)
    # inside firmware/ or not, it is built here (the src filter never names it)
    env.BuildSources(os.path.join("$BUILD_DIR", "generated"), generated_dir)
if extra_dir:
    include_dirs.insert(0, extra_dir)
    env.BuildSources(os.path.join("$BUILD_DIR", "extra"), extra_dir)
env.Append(CPPPATH=[d for d in include_dirs if os.path.isdir(d)])

# --- TFLite Micro backend (sim/tflm.py): a generated model.cc is compiled against TFLM ---------
# The library is built (once per board, kernels and flags) by sim/tflm.py into build/tflm/<key>/;
# TFLM_DIR names the tree, TFLM_KERNELS (or custom_tinyfw_tflm_kernels) reference | cmsis_nn.
# The C sources stay C11; only model.cc is C++, with TFLM's own defines and include folders.
backend_option = project_option("custom_tinyfw_backend", "auto").lower()
generated_backend = (
    "tflm" if generated_dir and os.path.isfile(os.path.join(generated_dir, "model.cc")) else "native"
)
if backend_option not in ("auto", "native", "tflm"):
    fail(f"custom_tinyfw_backend: {backend_option!r} is not auto, native or tflm", 2)
if app != ".tinyfw-no-app" and backend_option != "auto" and backend_option != generated_backend:
    fail(f"{generated_dir} holds the {generated_backend} backend's code, this environment builds "
         f"{backend_option}: run `tinyfw generate --backend {backend_option}`", 2)
if generated_backend == "tflm":
    try:
        from tinyfw.sim import tflm as tflm_build  # pylint: disable=import-error
    except ImportError:
        from sim import tflm as tflm_build  # pylint: disable=import-error
    tflm_kernels = (os.environ.get("TFLM_KERNELS", "").strip()
                    or str(env.GetProjectOption("custom_tinyfw_tflm_kernels", "") or "").strip()
                    or None)
    try:
        tflm_lib = tflm_build.build_library(info, kernels=tflm_kernels, log=print)
    except TinyfwError as exc:
        fail(exc.one_line(), getattr(exc, "exit_status", 1))
    tflm_cxx = list(tflm_lib.cxxflags) + list(tflm_lib.defines)
    for inc in tflm_lib.includes:
        tflm_cxx += ["-isystem", str(inc)]
    env.Append(CXXFLAGS=tflm_cxx)
    env.Prepend(LIBS=[env.File(str(tflm_lib.lib))])

# Reproducible ELFs: no absolute build paths in debug info or __FILE__. GCC uses the last
# matching map, so the project folder comes first and the folders that may lie inside it after.
prefix_maps = [(project_dir, "."), (env.subst("$BUILD_DIR"), "build")]
if generated_dir:
    prefix_maps.append((generated_dir, "generated"))
if extra_dir:
    prefix_maps.append((extra_dir, "extra"))
env.Append(CCFLAGS=[f"-ffile-prefix-map={old}={new}" for old, new in prefix_maps])
# The LTO link compiles again (its <artificial> unit records the link's working folder, the
# project): the same maps at link time.
env.Append(LINKFLAGS=[f"-ffile-prefix-map={old}={new}" for old, new in prefix_maps])

# --- targets --------------------------------------------------------------------------------

env.Append(
    BUILDERS={
        "ElfToBin": Builder(
            action=env.VerboseAction("$OBJCOPY -O binary $SOURCES $TARGET", "Building $TARGET"),
            suffix=".bin",
        ),
        "ElfToHex": Builder(
            action=env.VerboseAction("$OBJCOPY -O ihex $SOURCES $TARGET", "Building $TARGET"),
            suffix=".hex",
        ),
    }
)

if "nobuild" in COMMAND_LINE_TARGETS:
    # `pio run -t nobuild -t upload`: use the ELF already in $BUILD_DIR as it is
    target_elf = env.File(os.path.join("$BUILD_DIR", "${PROGNAME}.elf"))
    AlwaysBuild(env.Alias("nobuild", target_elf))
else:
    target_elf = env.BuildProgram()
    env.Depends(target_elf, [memory_ld, ldscript])
    target_bin = env.ElfToBin(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_elf)
    target_hex = env.ElfToHex(os.path.join("$BUILD_DIR", "${PROGNAME}"), target_elf)
    env.Depends(target_hex, target_bin)
    Default([env.Alias("buildprog", [target_elf, target_bin, target_hex])])

target_size = env.Alias(
    "size", target_elf, env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE")
)
if "nobuild" not in COMMAND_LINE_TARGETS:
    env.Depends(target_size, "checkprogsize")
AlwaysBuild(target_size)


def run_in_qemu(target, source, env):  # pylint: disable=unused-argument,redefined-outer-name
    """`upload` on a simulated board: run the ELF in QEMU through sim/qemu.py."""
    try:
        result = qemu_runner.run_elf(
            os.path.abspath(str(source[0])),
            info,
            args=list(env.get("PROGRAM_ARGS") or []),
            cwd=project_dir,
            timeout_s=float(project_option("custom_tinyfw_timeout_s", "60")),
            icount_shift=int(project_option("custom_tinyfw_icount_shift",
                                            str(qemu_runner.ICOUNT_SHIFT))),
        )
    except TinyfwError as exc:
        sys.stderr.write(f"tinyfw: error: {exc.one_line()}\n")
        return getattr(exc, "exit_status", 1)
    sys.stdout.write(result.raw_uart.decode("utf-8", errors="replace"))
    if result.stderr.strip():
        sys.stderr.write(result.stderr)
    if result.timed_out:
        sys.stderr.write(f"tinyfw: error: {result.stderr.strip().splitlines()[-1]}\n")
        return 1
    print(f"QEMU exit status {result.exit_code} ({result.wall_s:.2f} s)")
    return result.exit_code


upload_protocol = env.subst("$UPLOAD_PROTOCOL") or info.upload_protocol
if upload_protocol == "qemu":
    upload_actions = [env.VerboseAction(run_in_qemu, "Running $SOURCE in QEMU")]
    env.Replace(UPLOAD_PORT=f"qemu-system-arm -M {info.qemu_machine}")
elif upload_protocol == "pyocd":
    # pyocd from PATH or from the Python environment PlatformIO runs in (pip install pyocd)
    pyocd = shutil.which("pyocd") or shutil.which("pyocd", path=os.path.dirname(sys.executable))

    def require_pyocd(target, source, env):  # pylint: disable=unused-argument
        if pyocd is None:
            sys.stderr.write(
                f"tinyfw: error: `-t upload` on {info.id} needs pyocd: `pip install pyocd` "
                f"(target {info.pyocd_target}, through the board's ST-LINK or CMSIS-DAP "
                "probe)\n"
            )
            return 1
        return 0

    env.Replace(
        UPLOADER=pyocd or "pyocd",
        UPLOADERFLAGS=["load", "--target", info.pyocd_target],
        UPLOADCMD="$UPLOADER $UPLOADERFLAGS $SOURCE",
    )
    upload_actions = [
        env.VerboseAction(require_pyocd, "Checking for pyocd"),
        env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE"),
    ]
elif upload_protocol == "custom":
    upload_actions = [env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE")]
else:
    if "upload" in COMMAND_LINE_TARGETS:
        fail(f"upload_protocol {upload_protocol!r}: use qemu, pyocd or custom", 2)
    upload_actions = []
AlwaysBuild(env.Alias("upload", target_elf, upload_actions))
