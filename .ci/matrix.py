"""The simulation matrix of .github/workflows/tinyfw.yml as `BOARD I/N` lines, so that .ci/run
runs the same jobs as the workflow (the workflow is the one place the matrix is written)."""

import sys
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / ".github" / "workflows" / "tinyfw.yml"


def matrix(path: Path = WORKFLOW) -> list[tuple[str, str]]:
    m = yaml.safe_load(path.read_text())["jobs"]["simulate"]["strategy"]["matrix"]
    return [(str(b), str(s)) for b in m["board"] for s in m["shard"]]


if __name__ == "__main__":
    for board, shard in matrix():
        sys.stdout.write(f"{board} {shard}\n")
