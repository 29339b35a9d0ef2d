"""The kernel and app headers are usable from C++: a C++ program that includes every one of them
links against the kernels compiled as C (extern "C" linkage), with -Wall -Wextra -Werror."""

import subprocess
from pathlib import Path

from tinyfw.paths import FIRMWARE, KERNELS
from tinyfw.sim.hostbuild import host_cc


def test_a_cxx_program_includes_every_header_and_links_the_c_kernels(tmp_path: Path) -> None:
    app = FIRMWARE / "app"
    headers = sorted(KERNELS.glob("*.h")) + sorted(app.glob("*.h"))
    main = tmp_path / "main.cpp"
    main.write_text(
        "".join(f'#include "{h.name}"\n' for h in headers)
        + """
int main()
{
    tfw_conv2d_params p = {};
    p.input = {1, 1, 4, 4};
    p.filter = {2, 1, 1, 4};
    p.output = {1, 1, 4, 2};
    p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    tfw_maximum_minimum_params m = {};
    m.bcast.count = 1;
    m.bcast.flat = 1;
    const int8_t a = 3, b = -2;
    int8_t y = 0;
    tfw_maximum_s8(&m, &a, &b, &y);
    return (tfw_conv2d_s8_scratch_bytes(&p) == 0 && y == 3) ? 0 : 1;
}
""")
    objs = []
    for src in (KERNELS / "tfw_conv2d_s8.c", KERNELS / "tfw_maximum_minimum_s8.c"):
        obj = tmp_path / (src.stem + ".o")
        subprocess.run([host_cc(), "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(KERNELS),
                        "-c", str(src), "-o", str(obj)], check=True)
        objs.append(str(obj))
    exe = tmp_path / "cxx_user"
    subprocess.run(["g++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-I", str(KERNELS), "-I",
                    str(app), str(main), *objs, "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)], check=False).returncode == 0
