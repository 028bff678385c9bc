"""deploy/ describes exactly the scaled-out topology, and the registries' validators accept every file.

The validators (yamllint, kubernetes-validate, hadolint, check-jsonschema with its vendored compose-spec
schema) run from .venv-deploy (make deploy-check installs them, pinned: requirements-deploy.txt); all work
offline. `nginx -t` checks the nginx config with Debian's nginx.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))
NGINX_CONF = DEPLOY / "nginx" / "nginx.conf"
TOOLS = Path(os.environ.get("DEPLOY_TOOLS_BIN", PROJECT_ROOT / ".venv-deploy" / "bin"))
SECRET_NAME = re.compile(r"TOKEN|PASSWORD|SECRET|_SID$|API_KEY", re.IGNORECASE)
YAMLLINT_CONFIG = (
    "{extends: default, rules: {line-length: {max: 160}, document-start: disable, truthy: {check-keys: false}}}"
)


def tool(name: str) -> str:
    path = TOOLS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make deploy-check` (installs requirements-deploy.txt into .venv-deploy)")
    return str(path)


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def k8s_objects() -> list[dict[str, Any]]:
    return [doc for path in K8S for doc in yaml.safe_load_all(path.read_text()) if doc]


def workloads() -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in k8s_objects() if o["kind"] in ("Deployment", "StatefulSet")}


# --- the registries' validators -------------------------------------------------------------------------


def test_kubernetes_manifests_validate_against_the_bundled_schemas() -> None:
    result = run([tool("kubernetes-validate"), "--strict", "--kubernetes-version", "1.30.0", *map(str, K8S)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") == len(k8s_objects())


def test_compose_file_validates_against_the_compose_spec() -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfiles_pass_hadolint() -> None:
    result = run([tool("hadolint"), *map(str, DOCKERFILES)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_yaml_files_pass_yamllint() -> None:
    files = [COMPOSE, DEPLOY / "endpoints.yml", *K8S]
    result = run([tool("yamllint"), "--strict", "-d", YAMLLINT_CONFIG, *map(str, files)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: run `make nginx` (Debian's package)")
    shutil.copy(NGINX_CONF, tmp_path / "nginx.conf")
    # nginx -t resolves upstream host names; the compose names exist only inside compose's network.
    (tmp_path / "rasa-upstream.conf").write_text("server 127.0.0.1:5005;\nserver 127.0.0.1:5006;\n")
    result = run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)])
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- exactly the topology -------------------------------------------------------------------------------


def test_compose_runs_two_rasa_servers_actions_postgres_redis_and_nginx() -> None:
    services = compose()["services"]
    assert set(services) == {"nginx", "rasa-1", "rasa-2", "actions", "postgres", "redis"}
    for name in ("rasa-1", "rasa-2"):
        assert services[name]["build"]["dockerfile"] == "deploy/docker/rasa.Dockerfile"
        env = services[name]["environment"]
        assert env["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
        assert (env["TRACKER_STORE_URL"], env["LOCK_STORE_HOST"]) == ("postgres", "redis")
    assert services["actions"]["build"]["dockerfile"] == "deploy/docker/actions.Dockerfile"
    upstream = (DEPLOY / "nginx" / "rasa-upstream.compose.conf").read_text()
    assert re.findall(r"^server (\S+?):5005", upstream, flags=re.MULTILINE) == ["rasa-1", "rasa-2"]
    assert "./nginx/rasa-upstream.compose.conf:/etc/nginx/rasa-upstream.conf:ro" in services["nginx"]["volumes"]


def test_compose_services_have_health_checks_limits_and_a_non_root_user() -> None:
    for name, service in compose()["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name}: no health check"
        assert service.get("mem_limit"), f"{name}: no memory limit"
        user = str(service.get("user", "0")).split(":")[0]
        assert user not in ("0", "root"), f"{name}: runs as root"
    services = compose()["services"]
    assert services["rasa-1"]["healthcheck"]["test"] == ["CMD", "python", "-m", "service.probe", "rasa"]
    assert services["actions"]["healthcheck"]["test"] == ["CMD", "python", "-m", "service.probe", "actions"]


def test_compose_takes_every_secret_from_the_environment() -> None:
    text = COMPOSE.read_text()
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*|:-)\}", str(value)), f"{name}: {key} is inline: {value!r}"
    for required in ("RASA_AUTH_TOKEN", "POSTGRES_PASSWORD", "REDIS_PASSWORD"):
        assert f"${{{required}:?" in text, f"{required} must be required, without a default"
    example = (DEPLOY / "env.example").read_text()
    settings = [line for line in example.splitlines() if line and not line.startswith("#")]
    assert all(line.endswith("=") for line in settings if SECRET_NAME.search(line.split("=")[0]))


def test_kubernetes_describes_the_same_topology() -> None:
    found = workloads()
    assert {name: o["kind"] for name, o in found.items()} == {
        "rasa": "Deployment",
        "actions": "Deployment",
        "nginx": "Deployment",
        "redis": "Deployment",
        "postgres": "StatefulSet",
    }
    assert found["rasa"]["spec"]["replicas"] == 2
    services = {o["metadata"]["name"] for o in k8s_objects() if o["kind"] == "Service"}
    assert services == set(found)


def containers() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (name, o["spec"]["template"]["spec"], c)
        for name, o in workloads().items()
        for c in o["spec"]["template"]["spec"]["containers"]
    ]


def test_every_container_has_probes_resources_and_runs_as_non_root() -> None:
    for name, pod, container in containers():
        assert container.get("livenessProbe") and container.get("readinessProbe"), f"{name}: probes"
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name}: resources.{kind}"
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name


def test_probes_use_the_real_health_endpoints() -> None:
    by_name = {name: container for name, _, container in containers()}
    rasa, actions = by_name["rasa"], by_name["actions"]
    assert rasa["livenessProbe"]["httpGet"]["path"] == "/"
    assert rasa["readinessProbe"]["exec"]["command"] == ["python", "-m", "service.probe", "rasa"]
    assert rasa["startupProbe"]["httpGet"]["path"] == "/"
    assert actions["livenessProbe"]["httpGet"]["path"] == "/health"
    assert actions["readinessProbe"]["httpGet"]["path"] == "/health"
    assert by_name["nginx"]["readinessProbe"]["httpGet"]["path"] == "/nginx-health"
    assert "pg_isready" in by_name["postgres"]["readinessProbe"]["exec"]["command"]


def test_kubernetes_secrets_are_references_never_values() -> None:
    for name, _, container in containers():
        for variable in container.get("env", []):
            if SECRET_NAME.search(variable["name"]):
                assert "value" not in variable, f"{name}: {variable['name']} is inline"
                assert variable["valueFrom"]["secretKeyRef"]["name"] == "assistant-secrets"
    assert not [o for o in k8s_objects() if o["kind"] == "Secret"], "the Secret is created outside the repository"
    for config in (o for o in k8s_objects() if o["kind"] == "ConfigMap"):
        assert not [key for key in config["data"] if SECRET_NAME.search(key)], config["metadata"]["name"]


def test_the_kubernetes_nginx_config_is_the_file() -> None:
    config = next(o for o in k8s_objects() if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "nginx-config")
    assert config["data"]["nginx.conf"] == NGINX_CONF.read_text()
    assert config["data"]["rasa-upstream.conf"].startswith("server rasa.microneedling-faq.svc.cluster.local:5005")


def test_dockerfiles_pin_the_base_install_pinned_packages_and_run_as_non_root() -> None:
    for path in DOCKERFILES:
        text = path.read_text()
        bases = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
        assert bases and all(re.fullmatch(r"python:3\.10\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", b) for b in bases)
        installs = [line for line in text.replace("\\\n", " ").splitlines() if "pip install -r" in line]
        assert installs and all("-c constraints.txt" in line for line in installs), path.name
        final_stage = text.rsplit("\nFROM ", 1)[1]
        user = re.findall(r"^USER (\S+)", final_stage, flags=re.MULTILINE)
        assert user and user[-1].split(":")[0] not in ("0", "root"), path.name
        assert "HEALTHCHECK" in final_stage and "service.probe" in final_stage
        for name, value in re.findall(r"\b([A-Z_]+)=(\"[^\"]*\"|\S+)", final_stage):
            if SECRET_NAME.search(name):
                assert value == '""', f"{path.name}: {name} has a value in the image"
    rasa = (DEPLOY / "docker" / "rasa.Dockerfile").read_text()
    assert "--require-hashes -r requirements-model.txt" in rasa
    assert "spacy_pipeline.build_pipeline" in rasa and "rasa train" in rasa


def test_pinned_requirements_are_exact() -> None:
    for name in ("requirements-actions.txt", "requirements-deploy.txt"):
        lines = [line for line in (PROJECT_ROOT / name).read_text().splitlines() if line and not line.startswith("#")]
        assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^ ]*", line) for line in lines), name
    constraints = (PROJECT_ROOT / "constraints.txt").read_text()
    for line in (PROJECT_ROOT / "requirements-actions.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert line.lower() in constraints.lower(), f"{line} is not what constraints.txt pins"
