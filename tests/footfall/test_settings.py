"""Settings: defaults < file < environment < flags, and a bad value names its key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from footfall import settings as settings_module
from footfall.app.cli import load_settings, main
from footfall.settings import Settings, SettingsError, load


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load(config_file=None, environ={})
    assert (settings.host, settings.port, settings.ipv4_mask_bytes, settings.ipv6_prefix) == ("127.0.0.1", 8000, 2, 48)
    assert settings.data_dir == Path("./footfall-data")
    assert settings.clickhouse_dsn.startswith("chdb://") and settings.clickhouse_dsn.endswith("/clickhouse")
    assert settings.spool_path == Path("./footfall-data/spool")
    assert "email" in settings.url_denylist


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    config = write(tmp_path / "footfall.toml", 'port = 9001\nhost = "0.0.0.0"\nipv4_mask_bytes = 3\nlog_level = "debug"\n')
    from_file = load(config_file=config, environ={})
    assert (from_file.port, from_file.host, from_file.ipv4_mask_bytes, from_file.log_level) == (9001, "0.0.0.0", 3, "debug")
    environ = {"FOOTFALL_PORT": "9002", "FOOTFALL_IPV4_MASK_BYTES": "1"}
    from_env = load(config_file=config, environ=environ)
    assert (from_env.port, from_env.host, from_env.ipv4_mask_bytes) == (9002, "0.0.0.0", 1)
    from_flags = load(config_file=config, environ=environ, overrides={"port": 9003, "host": None})
    assert (from_flags.port, from_flags.host, from_flags.ipv4_mask_bytes) == (9003, "0.0.0.0", 1)


def test_footfall_table_in_the_file(tmp_path: Path) -> None:
    config = write(tmp_path / "c.toml", "[footfall]\nport = 8123\nurl_denylist = [\"a\", \"B\"]\n")
    settings = load(config_file=config, environ={})
    assert settings.port == 8123 and settings.url_denylist == ("a", "B")


def test_environment_values_are_typed() -> None:
    settings = load(config_file=None, environ={
        "FOOTFALL_TRUST_PROXY_HEADERS": "yes", "FOOTFALL_FLUSH_INTERVAL_SECONDS": "0.5",
        "FOOTFALL_URL_DENYLIST": "email, token ,", "FOOTFALL_DATA_DIR": "/tmp/x", "FOOTFALL_FSYNC": "off",
    })
    assert settings.trust_proxy_headers is True and settings.fsync is False
    assert settings.flush_interval_seconds == 0.5
    assert settings.url_denylist == ("email", "token")
    assert settings.data_dir == Path("/tmp/x") and settings.spool_path == Path("/tmp/x/spool")


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"FOOTFALL_PORT": "abc"}, "port"),
        ({"FOOTFALL_PORT": "70000"}, "port"),
        ({"FOOTFALL_IPV4_MASK_BYTES": "5"}, "ipv4_mask_bytes"),
        ({"FOOTFALL_IPV6_PREFIX": "-1"}, "ipv6_prefix"),
        ({"FOOTFALL_TRUST_PROXY_HEADERS": "maybe"}, "trust_proxy_headers"),
        ({"FOOTFALL_FLUSH_INTERVAL_SECONDS": "soon"}, "flush_interval_seconds"),
        ({"FOOTFALL_LOG_LEVEL": "loud"}, "log_level"),
        ({"FOOTFALL_DSN": "postgres://x"}, "dsn"),
        ({"FOOTFALL_SPOOL_MAX_BYTES": "10"}, "spool_max_bytes"),
        ({"FOOTFALL_GEOIP_PATH": "/nonexistent/file.mmdb"}, "geoip_path"),
        ({"FOOTFALL_NO_SUCH_THING": "1"}, "FOOTFALL_NO_SUCH_THING"),
    ],
)
def test_bad_environment_value_names_the_key(environ: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError) as error:
        load(config_file=None, environ=environ)
    assert error.value.key == key
    assert repr(key) in str(error.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("port = \"abc\"\n", "port"),
        ("port = 1.5\n", "port"),
        ("ipv4_mask_bytes = true\n", "ipv4_mask_bytes"),
        ("url_denylist = 7\n", "url_denylist"),
        ("host = 12\n", "host"),
        ("colour = \"red\"\n", "colour"),
        ("port = \n", "config"),
    ],
)
def test_bad_file_value_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    config = write(tmp_path / "footfall.toml", text)
    with pytest.raises(SettingsError) as error:
        load(config_file=config, environ={})
    assert error.value.key == key


def test_named_config_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="config"):
        load(config_file=tmp_path / "missing.toml", environ={})


def test_bad_flag_names_the_key() -> None:
    with pytest.raises(SettingsError) as error:
        load(config_file=None, environ={}, overrides={"visit_timeout_minutes": 0})
    assert error.value.key == "visit_timeout_minutes"


def test_replace_checks_values_too() -> None:
    settings = Settings()
    assert settings.replace(port=1234).port == 1234
    with pytest.raises(SettingsError, match="ipv4_mask_bytes"):
        settings.replace(ipv4_mask_bytes=0)


def test_cli_reports_a_bad_flag_with_the_key(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["site", "list", "--data-dir", str(tmp_path), "--dsn", "mysql://x"],
                                env={"FOOTFALL_CONFIG": str(tmp_path / "none.toml")})
    assert result.exit_code != 0
    assert "config" in result.output  # the named file does not exist
    result = CliRunner().invoke(main, ["site", "list", "--data-dir", str(tmp_path), "--dsn", "mysql://x"])
    assert result.exit_code != 0
    assert "'dsn'" in result.output


def test_load_settings_uses_the_config_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path / "other.toml", "port = 8765\n")
    for name in list(os.environ):
        if name.startswith(settings_module.ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv("FOOTFALL_CONFIG", str(config))
    assert load_settings(None).port == 8765
    assert load_settings(None, port=8766).port == 8766


def test_serve_with_a_bad_port_exits_naming_port(tmp_path: Path) -> None:
    env = {**os.environ, "FOOTFALL_PORT": "abc", "FOOTFALL_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run([sys.executable, "-m", "footfall", "serve"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    assert "port" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()  # stopped before touching anything


def test_serve_with_a_bad_file_value_exits_naming_the_key(tmp_path: Path) -> None:
    write(tmp_path / "footfall.toml", "ipv4_mask_bytes = 9\n")
    result = subprocess.run([sys.executable, "-m", "footfall", "serve", "--data-dir", str(tmp_path / "d")],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60,
                            env={k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")})
    assert result.returncode != 0
    assert "ipv4_mask_bytes" in result.stderr


KUBERNETES = {  # what a pod gets for `kind: Service, metadata.name: footfall`, ports 8000 (named http) and 9000/UDP
    "FOOTFALL_SERVICE_HOST": "10.0.0.1",
    "FOOTFALL_SERVICE_PORT": "8000",
    "FOOTFALL_SERVICE_PORT_HTTP": "8000",
    "FOOTFALL_PORT": "tcp://10.0.0.1:8000",
    "FOOTFALL_PORT_8000_TCP": "tcp://10.0.0.1:8000",
    "FOOTFALL_PORT_8000_TCP_PROTO": "tcp",
    "FOOTFALL_PORT_8000_TCP_PORT": "8000",
    "FOOTFALL_PORT_8000_TCP_ADDR": "10.0.0.1",
    "FOOTFALL_PORT_9000_UDP_ADDR": "10.0.0.1",
}


def test_kubernetes_service_variables_are_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="footfall.settings"):
        settings = load(config_file=None, environ={**KUBERNETES, "FOOTFALL_HOST": "0.0.0.0"})
    assert (settings.host, settings.port) == ("0.0.0.0", Settings().port)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "footfall.settings"]
    assert all(name in warning for name in KUBERNETES)
    assert "Kubernetes" in warning


def test_a_real_port_next_to_the_service_variables_still_counts() -> None:
    environ = {**KUBERNETES, "FOOTFALL_PORT": "9001"}
    assert load(config_file=None, environ=environ).port == 9001


@pytest.mark.parametrize(("name", "hint"), [
    ("FOOTFALL_PROT", "FOOTFALL_PORT"),
    ("FOOTFALL_RETENTION_DAY", "FOOTFALL_RETENTION_DAYS"),
    ("FOOTFALL_SERVICEHOST", None),
    ("FOOTFALL_PORT_8000", None),
])
def test_a_typo_in_a_name_still_stops_naming_it(name: str, hint: str | None) -> None:
    with pytest.raises(SettingsError) as raised:
        load(config_file=None, environ={**KUBERNETES, name: "1"})
    assert raised.value.key == name
    if hint:
        assert f"did you mean {hint}?" in str(raised.value)


def test_serve_in_a_kubernetes_pod_starts_and_says_what_it_ignored(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FOOTFALL_")}, **KUBERNETES}
    result = subprocess.run([sys.executable, "-m", "footfall", "site", "list", "--data-dir", str(tmp_path / "d")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "No sites yet" in result.stdout
    assert "ignoring FOOTFALL_PORT, FOOTFALL_PORT_8000_TCP" in result.stderr
