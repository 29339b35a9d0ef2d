"""The CI workflow users copy (.github/workflows/tinyfw.yml) parses, runs what .ci/run runs
(`make test` with a JUnit report, every simulation shard, the merged verdict), and its matrix
splits the recordings into complete sets of shards."""

from __future__ import annotations

import subprocess
import sys

import yaml

from tinyfw.paths import ROOT
from tinyfw.sim.shards import parse_shard

WORKFLOW = ROOT / ".github" / "workflows" / "tinyfw.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _runs(job: dict) -> list[str]:
    return [s["run"] for s in job["steps"] if "run" in s]


def test_the_workflow_parses_as_github_actions_jobs():
    wf = _workflow()
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(on) >= {"push", "pull_request"}
    assert set(wf["jobs"]) == {"test", "simulate", "verdict"}
    for name, job in wf["jobs"].items():
        assert job["runs-on"] and job["steps"], name
        uses = [s["uses"] for s in job["steps"] if "uses" in s]
        assert any(u.startswith("actions/checkout@") for u in uses), name
        runs = _runs(job)
        # the Debian packages and the Python pins come from make setup, after a cached .venv
        assert "make setup" in runs, name
        steps = job["steps"]
        cache = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith(
            "actions/cache@"))
        assert steps[cache]["with"]["path"] == ".venv"
        assert "requirements.txt" in steps[cache]["with"]["key"]
        assert cache < next(i for i, s in enumerate(steps) if s.get("run") == "make setup")


def test_the_test_job_runs_make_test_with_a_junit_report():
    job = _workflow()["jobs"]["test"]
    step = next(s for s in job["steps"] if s.get("run") == "make test")
    assert "--junitxml=" in step["env"]["PYTEST_ADDOPTS"]
    upload = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and upload[0]["if"] == "always()"


def test_the_matrix_shards_are_complete_and_the_verdict_merges_them():
    jobs = _workflow()["jobs"]
    m = jobs["simulate"]["strategy"]["matrix"]
    assert jobs["simulate"]["strategy"]["fail-fast"] is False
    shards = [parse_shard(s) for s in m["shard"]]
    n = shards[0].count
    assert sorted(s.index for s in shards) == list(range(1, n + 1))
    assert all(s.count == n for s in shards)
    (run,) = [r for r in _runs(jobs["simulate"]) if "simulate-shard" in r]
    assert run.startswith(".ci/simulate-shard ") and "matrix.board" in run and "matrix.shard" in run
    verdict = jobs["verdict"]
    assert verdict["needs"] == "simulate" and verdict["if"] == "always()"
    assert any("tinyfw merge-reports build/reports/*.json" in r for r in _runs(verdict))
    download = next(s for s in verdict["steps"]
                    if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["path"] == "build/reports"


def test_ci_run_follows_the_workflow():
    text = (ROOT / ".ci" / "run").read_text()
    assert "\nmake test\n" in text
    assert ".ci/matrix.py" in text and ".ci/simulate-shard" in text and "merge-reports" in text
    out = subprocess.run([sys.executable, str(ROOT / ".ci" / "matrix.py")], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    m = _workflow()["jobs"]["simulate"]["strategy"]["matrix"]
    assert [ln for ln in out if ln] == [f"{b} {s}" for b in m["board"] for s in m["shard"]]
    for script in ("run", "simulate-shard"):
        path = ROOT / ".ci" / script
        assert path.stat().st_mode & 0o111, f"{path} is not executable"
        subprocess.run(["bash", "-n", str(path)], check=True)
