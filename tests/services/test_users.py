"""Accounts: argon2 hashes, lockout after repeated failures, session revocation."""
from datetime import datetime, timedelta, timezone

import pytest

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.errors import Invalid
from app.services.commands.users import authenticate, create_user, revoke_sessions
from tests import factories as f


def login(username, password, now=None):
    with transaction():  # as the sign-in page: the failure counter is a write
        return authenticate(username, password, max_failures=3, lock_seconds=600, now=now)


def test_passwords_are_stored_as_argon2id_hashes(app):
    assert f.user("office").password_hash.startswith("$argon2id$")


def test_the_right_password_signs_in_and_a_wrong_one_does_not(app):
    assert login("office", DEMO_PASSWORD).username == "office"
    assert login("office", "wrong-password") is None
    assert login("nobody", DEMO_PASSWORD) is None


def test_repeated_failures_lock_the_account_for_a_while(app):
    for _ in range(3):
        assert login("office", "wrong-password") is None
    assert login("office", DEMO_PASSWORD) is None  # locked, even with the right password
    later = datetime.now(timezone.utc) + timedelta(seconds=601)
    assert login("office", DEMO_PASSWORD, now=later) is not None


def test_revoking_sessions_changes_the_session_id(app):
    user = f.user("office")
    before = user.get_id()
    revoke_sessions(user)
    assert user.get_id() != before


def test_creating_a_user_checks_every_field(app):
    with pytest.raises(Invalid) as err:
        create_user("office", "short", "", "NOPE", ["wizard"])
    assert set(err.value.errors) == {"username", "password", "organisation", "roles"}
