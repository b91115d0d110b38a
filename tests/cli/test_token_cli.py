"""`flask users token create|list|revoke`."""
from __future__ import annotations

import re


def test_create_list_and_revoke_from_the_command_line(runner, client):
    created = runner.invoke(args=["users", "token", "create", "leader", "--name", "nightly export", "--days", "7"])
    assert created.exit_code == 0, created.output
    secret = re.search(r"^(pf_\S+)$", created.output, re.M).group(1)
    token_id = re.search(r"token (\d+) for leader", created.output).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()["username"] == "leader"

    listed = runner.invoke(args=["users", "token", "list", "leader"])
    assert "nightly export" in listed.output and "active" in listed.output and secret not in listed.output

    revoked = runner.invoke(args=["users", "token", "revoke", "leader", token_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    again = runner.invoke(args=["users", "token", "revoke", "leader", token_id])
    assert again.exit_code == 2


def test_bad_input_is_refused_with_a_message(runner):
    assert runner.invoke(args=["users", "token", "create", "nobody", "--name", "x"]).exit_code != 0
    refused = runner.invoke(args=["users", "token", "create", "leader", "--name", "x", "--days", "9999"])
    assert refused.exit_code == 2
