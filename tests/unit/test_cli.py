"""The `chirp` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chirp.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["migrate"],
        ["seed"],
        ["accounts"],
        ["accounts", "create"],
        ["accounts", "delete"],
        ["media", "cleanup"],
        ["worker"],
        ["jobs"],
        ["admin"],
        ["admin", "suspend"],
        ["admin", "role"],
        ["admin", "log"],
    ],
)
def test_every_command_has_help(args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_accounts_create_makes_an_admin_on_a_fresh_data_dir(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    result = runner.invoke(
        app,
        [
            "accounts",
            "create",
            "--username",
            "root_admin",
            "--email",
            "root@example.com",
            "--admin",
            "--generate-password",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert "created @root_admin" in result.output
    again = runner.invoke(
        app,
        [
            "accounts",
            "create",
            "--username",
            "ROOT_ADMIN",
            "--email",
            "other@example.com",
            "--password",
            "Another-pass-77",
        ],
        env=env,
    )
    assert again.exit_code == 1
    assert "already taken" in again.output


def test_a_bad_setting_stops_the_command_with_its_name(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["migrate"], env={"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_DB_POOL_SIZE": "lots"}
    )
    assert result.exit_code == 2
    assert "CHIRP_DB_POOL_SIZE" in result.output


def test_media_cleanup_runs_on_a_fresh_data_dir(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    result = runner.invoke(app, ["media", "cleanup"], env=env)
    assert result.exit_code == 0, result.output
    assert "removed 0 unattached upload(s)" in result.output


def test_seed_refuses_an_unknown_scale_or_an_impossible_one(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    unknown = runner.invoke(app, ["seed", "--scale", "huge"], env=env)
    assert unknown.exit_code == 2 and "unknown scale" in unknown.output
    crowded = runner.invoke(app, ["seed", "--accounts", "3", "--follows", "10"], env=env)
    assert crowded.exit_code == 2 and "follows" in crowded.output


def test_serve_refuses_an_unknown_http_server(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    result = runner.invoke(app, ["serve", "--server", "apache"], env=env)
    assert result.exit_code == 2 and "unknown server" in result.output


def test_jobs_drain_refuses_the_embedded_default(tmp_path: Path) -> None:
    """Without Redis the server's feeds live in its memory: a drain here would be lost."""
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    result = runner.invoke(app, ["jobs", "drain"], env={**env, "CHIRP_REDIS_URL": ""})
    assert result.exit_code == 2
    assert "start `chirp serve`" in result.output


def test_admin_moderates_by_username_and_logs_it(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    create = ["accounts", "create", "--username", "troll", "--email", "t@example.com"]
    made = runner.invoke(app, [*create, "--generate-password"], env=env)
    assert made.exit_code == 0, made.output
    for args in (
        ["suspend", "troll", "--text", "spam"],
        ["unsuspend", "@troll"],
        ["silence", "troll"],
    ):
        done = runner.invoke(app, ["admin", *args], env=env)
        assert done.exit_code == 0, done.output
    role = runner.invoke(app, ["admin", "role", "troll", "moderator"], env=env)
    assert role.exit_code == 0 and "now moderator" in role.output
    wrong = runner.invoke(app, ["admin", "role", "troll", "owner"], env=env)
    assert wrong.exit_code == 1 and "role must be one of" in wrong.output
    missing = runner.invoke(app, ["admin", "suspend", "nobody"], env=env)
    assert missing.exit_code == 1 and "No account @nobody" in missing.output
    log = runner.invoke(app, ["admin", "log"], env=env)
    assert log.exit_code == 0, log.output
    actions = [line.split()[2] for line in log.output.splitlines()]
    assert actions == ["change_role", "silence", "unsuspend", "suspend"]
    assert "operator" in log.output and "spam" in log.output


def test_accounts_delete_asks_first_and_deletes_once(tmp_path: Path) -> None:
    env = {"CHIRP_DATA_DIR": str(tmp_path), "CHIRP_ENV": "development", "CHIRP_LOG_LEVEL": "ERROR"}
    create = ["accounts", "create", "--username", "leaver", "--email", "l@example.com"]
    assert runner.invoke(app, [*create, "--generate-password"], env=env).exit_code == 0
    kept = runner.invoke(app, ["accounts", "delete", "leaver"], env=env, input="n\n")
    assert kept.exit_code == 1 and "Aborted" in kept.output
    gone = runner.invoke(app, ["accounts", "delete", "leaver"], env=env, input="y\n")
    assert gone.exit_code == 0 and "deleted @leaver" in gone.output, gone.output
    again = runner.invoke(app, ["accounts", "delete", "leaver", "--yes"], env=env)
    assert again.exit_code == 1 and "No account @leaver" in again.output
    log = runner.invoke(app, ["admin", "log"], env=env)
    assert "delete_account" in log.output
    # The name is free again.
    assert runner.invoke(app, [*create, "--generate-password"], env=env).exit_code == 0
