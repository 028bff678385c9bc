"""deploy/nginx/nginx.conf run for real, as a non-root user, in front of the real servers on 127.0.0.1.

Its upstream lists the running Rasa server and a port nobody listens on (a Rasa server that is down):
every message still gets its answer (a POST goes to the other server only when the first never got it),
and Rasa's HTTP API and /metrics are not reachable through it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.launcher import DEFAULT_MODEL, PROJECT_ROOT, SQLITE_TRACKER_STORE, free_port, running_stack

NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx" / "nginx.conf"
NOBODY = 65534


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: run `make nginx` (Debian's package)")
    if not DEFAULT_MODEL.exists():
        pytest.fail("no trained model; run `make train`")
    # Not under pytest's tmp path: its parents are private to the user running the tests.
    work = Path(tempfile.mkdtemp(prefix="nginx-deploy-"))
    database = tmp_path_factory.mktemp("trackers") / "trackers.db"
    env = {"TRACKER_STORE_TYPE": SQLITE_TRACKER_STORE, "TRACKER_STORE_URL": f"sqlite:///{database}"}
    with running_stack(rasa_port=free_port(), action_port=free_port(), env=env) as stack:
        port, down = free_port(), free_port()
        rasa_port = stack.rasa_url.rsplit(":", 1)[1]
        conf = NGINX_CONF.read_text().replace("listen 8080;", f"listen 127.0.0.1:{port};")
        conf = conf.replace("/tmp/", f"{work}/")
        (work / "nginx.conf").write_text(conf)
        (work / "rasa-upstream.conf").write_text(f"server 127.0.0.1:{down};\nserver 127.0.0.1:{rasa_port};\n")
        command = [nginx, "-c", str(work / "nginx.conf"), "-p", str(work), "-g", "daemon off;"]
        if os.geteuid() == 0:  # as in the containers: not root
            os.chown(work, NOBODY, NOBODY)
            work.chmod(0o755)
            command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
        # nginx reopens /dev/stderr and /dev/stdout (its logs): a file the non-root user owns, as a container's are.
        log = work / "nginx.log"
        log.touch()
        if os.geteuid() == 0:
            os.chown(log, NOBODY, NOBODY)
        process = subprocess.Popen(command, stdout=log.open("a"), stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    urllib.request.urlopen(f"{base}/nginx-health", timeout=2).read()
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert process.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.1)
            yield base, stack, process
        finally:
            process.terminate()
            process.wait(timeout=10)
            shutil.rmtree(work, ignore_errors=True)


def status_of(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_nginx_runs_as_non_root(proxied) -> None:
    _, _, process = proxied
    users = subprocess.run(
        ["ps", "-o", "uid=", "--ppid", str(process.pid), "-p", str(process.pid)], capture_output=True, text=True
    )
    assert users.stdout.split() and "0" not in users.stdout.split()


def test_every_message_is_answered_with_one_upstream_down(proxied) -> None:
    base, _, _ = proxied
    for number in range(6):
        body = json.dumps({"sender": f"nginx-{number}", "message": "Does microneedling hurt?"}).encode()
        status, reply = status_of(f"{base}/webhooks/rest/webhook", body)
        assert status == 200 and json.loads(reply), reply
    assert status_of(f"{base}/webhooks/widget/widget.js")[0] == 200


def test_the_http_api_and_metrics_stay_inside(proxied) -> None:
    base, stack, _ = proxied
    for path in ("/metrics", f"/status?token={stack.auth_token}", "/conversations/nginx-1/tracker", "/"):
        assert status_of(f"{base}{path}")[0] == 404, path
    assert status_of(f"{stack.rasa_url}/metrics")[0] == 200  # scraped directly inside the network
