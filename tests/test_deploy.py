"""The deployment files (Dockerfile, compose.yaml, deploy/systemd/) checked by what this machine can run.

There is no Docker engine here, so the files are read as their tools read them: the Dockerfile's
instructions in order, compose.yaml as YAML with compose's variable interpolation applied, the units by
``systemd-analyze verify`` where it is installed. Every command they start must be one the package has:
a `paperlens` subcommand the real argument parser accepts, or ``python -m bot``.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from cli.parser import build_parser
from index.config import IndexSettings

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
VENV = "/opt/paperlens/.venv/bin/"


# ----- helpers -----
def known_settings() -> set[str]:
    """Every variable the settings classes read (.env.example lists them all; tests/index/test_config.py)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.M))


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order: comments dropped, continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.lstrip().startswith("#"):  # a comment inside a continued instruction
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, args = text.partition(" ")
        out.append((word.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return out


def inside(data_dir: str, mount: str) -> bool:
    """The data directory is a directory inside the volume (or the writable directory), not the volume itself:
    `paperlens restore` stages a copy beside the data directory and renames both, which a mount point
    refuses (EBUSY) and a parent owned by root forbids."""
    return Path(data_dir).parent == Path(mount)


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_pairs(args: str) -> dict[str, str]:
    return dict(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", args))


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} (nested) and ${VAR:?error}, as `docker compose config` resolves them."""

    def one(text: str, start: int) -> tuple[str, int]:
        # text[start:] begins after "${"; returns the value and the index after the closing brace
        m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(text, start)
        assert m, f"bad interpolation in {value!r}"
        name, i = m.group(), m.end()
        if text[i] == "}":
            return env.get(name, ""), i + 1
        op = text[i : i + 2]
        assert op in (":-", ":?"), f"unsupported interpolation {op!r} in {value!r}"
        i += 2
        arg = ""
        while text[i] != "}":
            if text.startswith("${", i):
                part, i = one(text, i + 2)
                arg += part
            else:
                arg += text[i]
                i += 1
        if env.get(name):
            return env[name], i + 1
        if op == ":?":
            raise LookupError(f"{name}: {arg}")
        return arg, i + 1

    out, i = "", 0
    while i < len(value):
        if value.startswith("${", i):
            part, i = one(value, i + 2)
            out += part
        else:
            out += value[i]
            i += 1
    return out


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    cp.read_string((UNITS / name).read_text(encoding="utf-8"))
    return cp


def paperlens_command(argv: list[str]) -> str:
    """The subcommand ``paperlens ARGV`` runs; fails the test when the real parser would refuse it."""
    try:
        return str(build_parser().parse_args(argv).command)
    except SystemExit as e:  # argparse exits on what it refuses
        raise AssertionError(f"`paperlens {' '.join(argv)}` is not a paperlens command") from e


# ----- Dockerfile -----
def test_dockerfile_installs_cpu_torch_first_then_the_package() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [args for word, args in steps if word == "RUN"]
    torch = next(i for i, r in enumerate(runs) if re.search(r"pip install torch==\S+", r))
    package = next(i for i, r in enumerate(runs) if re.search(r"pip install \"?\.(\[[a-z,]+\])?\"?", r))
    assert torch < package, "torch must be installed before the package, or pip pulls the CUDA build"
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch]
    pin = re.search(r"torch==(\S+)", runs[torch])
    makefile_pin = re.search(r"pip install -q torch==(\S+)", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert pin and makefile_pin and pin.group(1) == makefile_pin.group(1), (
        "the image and `make` pin one torch"
    )
    extras = re.search(r"\.\[([a-z,]+)\]", runs[package])
    assert extras and "postgres" in extras.group(1).split(",")  # the image serves either backend


def test_dockerfile_runs_as_a_user_with_the_data_directory_as_a_volume() -> None:
    steps = dockerfile()
    env: dict[str, str] = {}
    for word, args in steps:
        if word == "ENV":
            env.update(env_pairs(args))
    volumes = [v for word, args in steps if word == "VOLUME" for v in exec_form(args)]
    assert volumes == ["/data"]
    assert inside(env["PAPERLENS_DATA_DIR"], "/data")
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0"), "the container runs as a dedicated user"
    last_user = max(i for i, (word, _) in enumerate(steps) if word == "USER")
    assert all(word != "RUN" for word, _ in steps[last_user:]), "nothing is installed after dropping root"
    assert any(re.search(rf"useradd .*\b{users[-1]}\b", args) for word, args in steps if word == "RUN")
    for name in env:
        if name.startswith("PAPERLENS_"):
            assert name in known_settings(), f"ENV {name} is no PaperLens setting"


def test_dockerfile_entry_point_is_paperlens_and_its_command_exists() -> None:
    steps = dockerfile()
    entry = [exec_form(args) for word, args in steps if word == "ENTRYPOINT"][-1]
    cmd = [exec_form(args) for word, args in steps if word == "CMD"][-1]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert entry == ["paperlens"] and "paperlens" in scripts
    assert paperlens_command(cmd) == "serve"


def test_the_healthcheck_asks_the_api_and_fails_when_it_does_not_answer_ok() -> None:
    health = next(args for word, args in dockerfile() if word == "HEALTHCHECK")
    options, _, command = health.partition(" CMD ")
    assert "--start-period=" in options
    argv = exec_form(command)  # a broken exec form would silently become a shell command
    assert argv[0] == "python" and "/healthz" in argv[-1]
    assert '@app.get("/healthz"' in (ROOT / "api" / "ops.py").read_text(encoding="utf-8")

    status = {"code": 200}

    class Api(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = status["code"] if self.path == "/healthz" else 404
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b'{"status": "ok"}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "PAPERLENS_API_PORT": str(server.server_address[1])}
    run = [sys.executable, *argv[1:]]
    try:
        assert subprocess.run(run, env=env, capture_output=True, timeout=30).returncode == 0
        status["code"] = 503
        assert subprocess.run(run, env=env, capture_output=True, timeout=30).returncode != 0
    finally:
        server.shutdown()
        server.server_close()
    assert subprocess.run(run, env=env, capture_output=True, timeout=30).returncode != 0  # nothing listening


def test_what_the_dockerfile_copies_exists_and_is_not_ignored() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for word, args in dockerfile():
        if word != "COPY":
            continue
        *sources, _ = args.split()
        for src in sources:
            assert (ROOT / src).exists(), f"COPY {src}: no such path"
            assert src not in ignored, f"COPY {src}, but .dockerignore leaves it out of the build context"
    for secret in (".env", ".venv", ".git"):
        assert secret in ignored


# ----- compose.yaml -----
def test_compose_runs_the_bot_and_the_api_over_one_data_volume() -> None:
    c = compose()
    services = c["services"]
    assert {"bot", "api"} <= set(services)
    for name in ("bot", "api"):
        s = services[name]
        assert "profiles" not in s, f"{name} starts with a plain `docker compose up`"
        assert s["build"] == "." and s["env_file"] == ".env"
        assert "data:/data" in s["volumes"] and inside(s["environment"]["PAPERLENS_DATA_DIR"], "/data")
    assert {"data", "cache"} <= set(c["volumes"])
    cache = {k: v for word, args in dockerfile() if word == "ENV" for k, v in env_pairs(args).items()}
    assert all(f"cache:{cache['XDG_CACHE_HOME']}" in services[n]["volumes"] for n in ("bot", "api"))
    assert (
        services["bot"]["entrypoint"] == ["python", "-m", "bot"] and (ROOT / "bot" / "__main__.py").exists()
    )
    assert services["bot"]["healthcheck"] == {"disable": True}  # it serves no /healthz
    api = paperlens_command(services["api"]["command"])
    assert api == "serve" and build_parser().parse_args(services["api"]["command"]).host == "0.0.0.0"
    for name, s in services.items():
        for key in s.get("environment", {}):
            if key.startswith("PAPERLENS_") or key == "DISCORD_TOKEN":
                assert key in known_settings(), f"{name}: {key} is no PaperLens setting"


def test_compose_takes_every_secret_from_the_env_file() -> None:
    services = compose()["services"]
    for name, s in services.items():
        for key, value in s.get("environment", {}).items():
            if re.search(r"TOKEN|KEY|PASSWORD|DATABASE_URL", key):
                assert re.fullmatch(r"\$\{.*\}", str(value)), f"{name}: {key} is written inline"
    env = {"DISCORD_TOKEN": "t0ken", "PAPERLENS_API_API_KEY": "k3y"}
    assert interpolate(services["api"]["environment"]["PAPERLENS_API_API_KEY"], env) == "k3y"
    with pytest.raises(
        LookupError, match="PAPERLENS_API_API_KEY"
    ):  # the API listens on 0.0.0.0: never keyless
        interpolate(services["api"]["environment"]["PAPERLENS_API_API_KEY"], {})
    with pytest.raises(LookupError, match="DISCORD_TOKEN"):
        interpolate(services["bot"]["environment"]["DISCORD_TOKEN"], {})


def test_compose_postgres_profile_is_wired_to_the_settings() -> None:
    services = compose()["services"]
    pg = services["postgres"]
    assert pg["profiles"] == ["postgres"] and pg["image"] == "pgvector/pgvector:pg16"
    env = {"POSTGRES_PASSWORD": "s3cret"}
    assert interpolate(pg["environment"]["POSTGRES_PASSWORD"], env) == "s3cret"
    for name in ("bot", "api"):
        s = services[name]
        assert s["depends_on"]["postgres"] == {"condition": "service_healthy", "required": False}
        url = interpolate(s["environment"]["PAPERLENS_DATABASE_URL"], env)
        parts = urlsplit(url)
        assert (parts.hostname, parts.port, parts.password) == ("postgres", 5432, "s3cret")
        assert (parts.username, parts.path) == (
            pg["environment"]["POSTGRES_USER"],
            "/" + pg["environment"]["POSTGRES_DB"],
        )
        settings = IndexSettings(_env_file=None, backend="postgres", database_url=url)
        assert settings.database_url is not None and settings.database_url.get_secret_value() == url
        # a database of one's own, named in .env, wins over the bundled service
        own = "postgresql://u:p@db.internal/papers"
        assert (
            interpolate(s["environment"]["PAPERLENS_DATABASE_URL"], {**env, "PAPERLENS_DATABASE_URL": own})
            == own
        )


# ----- systemd -----
SERVICES = ("paperlens-bot.service", "paperlens-api.service", "paperlens-ingest.service")


@pytest.mark.parametrize("name", SERVICES)
def test_units_run_hardened_as_a_dedicated_user(name: str) -> None:
    s = unit(name)["Service"]
    assert s["User"] == s["Group"] == "paperlens"
    assert s["EnvironmentFile"] == "/etc/paperlens/paperlens.env"
    for key, want in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "CapabilityBoundingSet": "",
        "RestrictSUIDSGID": "yes",
    }.items():
        assert s.get(key) == want, f"{name}: {key}={s.get(key)!r}"
    exec_start = s["ExecStart"].split()
    assert exec_start[0] == "/usr/bin/env" and exec_start[1].startswith("PAPERLENS_DATA_DIR=")
    state = f"/var/lib/{s['StateDirectory']}"
    assert s["ReadWritePaths"].split() == [state] and inside(exec_start[1].split("=", 1)[1], state)
    assert s["WorkingDirectory"] == state  # where the settings look for a .env: none there
    program, args = exec_start[2], exec_start[3:]
    if name == "paperlens-bot.service":
        assert (program, args) == (VENV + "python", ["-m", "bot"])
    else:
        assert program == VENV + "paperlens"
        assert (
            paperlens_command(args)
            == {"paperlens-api.service": "serve", "paperlens-ingest.service": "ingest"}[name]
        )
    if name == "paperlens-ingest.service":
        assert s["Type"] == "oneshot" and "Restart" not in s
    else:
        assert s["Restart"] == "on-failure" and unit(name)["Install"]["WantedBy"] == "multi-user.target"
    for key in re.findall(r"\b([A-Z][A-Z0-9_]+)=", s.get("Environment", "") + " " + s["ExecStart"]):
        if key.startswith("PAPERLENS_"):
            assert key in known_settings()


def test_ingest_timer_runs_daily_after_the_announcement_and_catches_up() -> None:
    t = unit("paperlens-ingest.timer")
    assert t["Timer"]["Persistent"] == "true"
    assert t["Timer"].get("Unit", "paperlens-ingest.service") == "paperlens-ingest.service"
    assert (UNITS / "paperlens-ingest.service").exists() and t["Install"]["WantedBy"] == "timers.target"
    m = re.fullmatch(r"\*-\*-\* (\d\d):(\d\d):\d\d America/New_York", t["Timer"]["OnCalendar"])
    assert m, "every day, at a New York time (arXiv announces at 20:00 US Eastern)"
    assert (int(m.group(1)), int(m.group(2))) > (20, 0)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    for f in UNITS.iterdir():
        shutil.copy(f, tmp_path / f.name)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([*SERVICES, "paperlens-ingest.timer"])
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on an unknown key or a value it cannot parse, and only warns: warnings fail too
    assert r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(), r.stdout + r.stderr
    for name in SERVICES:  # systemd's own hardening score: 10 is unprotected, under 2 is its best band
        r = subprocess.run(
            ["systemd-analyze", "security", "--offline=yes", "--no-pager", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        score = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
        assert score and float(score.group(1)) < 2.0, r.stdout[-2000:] + r.stderr
    r = subprocess.run(
        ["systemd-analyze", "calendar", unit("paperlens-ingest.timer")["Timer"]["OnCalendar"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and "Next elapse" in r.stdout, r.stderr
