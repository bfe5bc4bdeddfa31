"""Cheap wiring checks: prefect.yaml entrypoints import, parameters match flow signatures, files exist."""

import importlib
import inspect
import pkgutil
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOYMENTS = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
# deployments no schedule ever runs (neither prefect.yaml nor flows/deployments.py gives them one)
RUN_BY_HAND_ONLY = {"backfill"}


def _flow(entrypoint: str):
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_entrypoint_imports_a_flow(deployment):
    from prefect import Flow

    flow = _flow(deployment["entrypoint"])
    assert isinstance(flow, Flow)
    assert (ROOT / deployment["entrypoint"].split(":")[0]).exists()


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_deployment_parameters_match_signature(deployment):
    flow = _flow(deployment["entrypoint"])
    signature = inspect.signature(flow.fn)
    for name in deployment.get("parameters") or {}:
        assert name in signature.parameters, f"{deployment['name']}: unknown parameter {name}"
    if deployment["name"] in RUN_BY_HAND_ONLY:
        return  # never scheduled: a required parameter (backfill's range) is asked in the form
    for (
        name,
        param,
    ) in signature.parameters.items():  # every parameter has a default: schedules need none
        assert param.default is not inspect.Parameter.empty, (
            f"{deployment['name']}: {name} has no default"
        )


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_parameter_form_is_flat_with_vietnamese_titles(deployment):
    flow = _flow(deployment["entrypoint"])
    schema = flow.parameters.model_dump()
    assert not schema.get("definitions") and not schema.get("$defs"), (
        "nested parameters break the UI form"
    )
    for name, prop in schema["properties"].items():
        assert prop.get("title") and prop["title"] != name.title(), (
            f"{name} needs a Vietnamese title"
        )


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_schedules_use_vietnam_time(deployment):
    for schedule in deployment.get("schedules") or []:
        assert schedule["timezone"] == "Asia/Ho_Chi_Minh"


@cache
def _defined_flows() -> dict[str, str]:
    """Every prefect Flow defined in a module of flows/ (subpackages too): entrypoint -> flow name.

    The entrypoint is spelled as in prefect.yaml, `flows/<module>.py:<function>`. A flow imported
    from another module counts only where it is defined.
    """
    from prefect import Flow

    import flows

    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(flows.__path__, prefix="flows."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue  # importing it would run the CLI
        module = importlib.import_module(info.name)
        path = Path(module.__file__).resolve().relative_to(ROOT).as_posix()
        for attr, obj in vars(module).items():
            if isinstance(obj, Flow) and obj.fn.__module__ == module.__name__:
                found[f"{path}:{attr}"] = obj.name
    return found


def test_every_flow_has_a_deployment():
    defined = _defined_flows()
    assert defined, "no prefect flow found under flows/"
    entrypoints = {d["entrypoint"] for d in DEPLOYMENTS}
    missing = {
        entrypoint: name for entrypoint, name in defined.items() if entrypoint not in entrypoints
    }
    assert not missing, f"flows without a deployment in prefect.yaml: {missing}"


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=lambda d: d["name"])
def test_deployment_entrypoint_names_a_flow_of_flows(deployment):
    assert deployment["entrypoint"] in _defined_flows(), (
        f"{deployment['name']}: {deployment['entrypoint']} is not a flow defined under flows/"
    )


def test_sql_and_templates_exist():
    assert (ROOT / "schemas" / "sql" / "ddl.sql").exists()
    assert (ROOT / "report_templates").is_dir()
    assert list((ROOT / "report_templates").glob("*.j2")), "report templates missing"


def test_packages_are_installed_from_the_project():
    for name in ("flows", "tasks", "schemas"):
        module = importlib.import_module(name)
        assert Path(module.__file__).resolve().parent.parent == ROOT
