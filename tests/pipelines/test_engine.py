"""``engine: local | dask``: params, ``--scheduler`` and ``DASK_SCHEDULER_ADDRESS``."""

from __future__ import annotations

import sys

import pytest
import yaml

from models.cltv.model import CLTVConfig, CLTVModel
from pipelines.engine import SCHEDULER_ENV, cltv_models, stage_engine, with_scheduler
from pipelines.params import ParamsError
from pipelines.params.engine import Engine, parse_engine


def test_the_default_is_local_and_starts_no_dask() -> None:
    with open("params.yaml", encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    engine = stage_engine(raw, {SCHEDULER_ENV: "tcp://10.0.0.1:8786"})
    assert engine.engine is Engine.LOCAL
    assert engine.cluster.address is None  # the variable is not read under local
    with cltv_models(engine) as make:
        assert type(make(CLTVConfig())) is CLTVModel
    assert parse_engine({}).engine is Engine.LOCAL


def test_local_engine_imports_no_dask() -> None:
    import subprocess

    code = ("import sys, yaml\n"
            "from pipelines.engine import cltv_models, stage_engine\n"
            "raw = yaml.safe_load(open('params.yaml'))\n"
            "with cltv_models(stage_engine(raw)) as make: pass\n"
            "assert not any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_scheduler_comes_from_the_flag_then_the_environment_then_params() -> None:
    raw = {"engine": "dask", "dask": {"scheduler": "tcp://params:8786"}}
    assert stage_engine(raw, {}).cluster.address == "tcp://params:8786"
    env = {SCHEDULER_ENV: "tcp://env:8786"}
    assert stage_engine(raw, env).cluster.address == "tcp://env:8786"
    flagged = with_scheduler(parse_engine(raw), "tcp://flag:8786", env)
    assert flagged.cluster.address == "tcp://flag:8786"
    local = with_scheduler(parse_engine({}), "local", {})
    assert local.engine is Engine.DASK and local.cluster.address is None  # a LocalCluster
    assert stage_engine({"engine": "dask"}, {}).cluster.address is None


@pytest.mark.parametrize(("raw", "message"), [
    ({"engine": "spark"}, "engine='spark' must be one of local | dask"),
    ({"dask": {"scheduler": "10.0.0.1"}}, "dask.scheduler='10.0.0.1' must be an address"),
    ({"dask": {"buckets": 0}}, "dask.buckets=0 must be in"),
    ({"dask": {"workers": 2}}, "dask has unknown key"),
])
def test_bad_engine_params_name_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        parse_engine(raw)
