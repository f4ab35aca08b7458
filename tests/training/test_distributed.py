"""DDP: two CPU processes (gloo) launched by torchrun end with identical weights."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from training.distributed import setup

ROOT = Path(__file__).resolve().parents[2]


def test_single_process_context_without_torchrun(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    ctx = setup("cpu")
    assert not ctx.enabled and ctx.is_main and ctx.device.type == "cpu"


@pytest.mark.slow
def test_two_processes_end_with_identical_weights(tiny_config, tmp_path):
    cfg = tiny_config.replace(model=tiny_config.model.replace(variant="bimodal"), epochs=2)
    cfg_path = tmp_path / "cfg.json"
    cfg_path.write_text(json.dumps(cfg.to_dict()))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(ROOT / "tests" / "training" / "ddp_worker.py"), str(cfg_path), str(tmp_path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    w0 = load_file(str(tmp_path / "rank0.safetensors"))
    w1 = load_file(str(tmp_path / "rank1.safetensors"))
    assert w0.keys() == w1.keys() and len(w0) > 10
    for k in w0:
        torch.testing.assert_close(w0[k], w1[k], rtol=0, atol=0, msg=k)
    # rank 0 alone wrote the run; both ranks trained (weights moved from the initial ones)
    run = tmp_path / "run"
    assert (run / "model.safetensors").is_file() and (run / "log.csv").is_file()
    from mulse_author.model import BimodalNet

    torch.manual_seed(cfg.seed)
    init = BimodalNet(cfg.model).state_dict()
    assert any(not torch.equal(init[k], w0[k]) for k in init if init[k].is_floating_point())
    log = (run / "log.csv").read_text().splitlines()
    assert len(log) == 3  # header + 2 epochs, written once
