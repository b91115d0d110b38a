"""Personal API tokens: only a digest is stored; revoked, expired and inactive ones fail."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.database import transaction
from app.errors import Invalid, NotFound
from app.models.base import as_utc, utcnow
from app.services.commands import tokens
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


def _create(username="office", **data):
    with transaction():
        token, secret = tokens.create_token(factories.user(username), {"name": "t", **data})
        return token.id, secret


def test_the_secret_is_returned_once_and_only_its_digest_stored():
    token_id, secret = _create()
    token = tokens.list_tokens(factories.user("office"))[0]
    assert token.id == token_id and secret.startswith("pf_") and len(secret) > 40
    assert token.token_hash == tokens.digest(secret) and secret not in (token.token_hash, token.prefix)
    assert token.prefix == secret[:12]
    assert tokens.authenticate(secret).username == "office"


def test_lifetime_defaults_to_90_days_and_is_bounded():
    _create()
    token = tokens.list_tokens(factories.user("office"))[0]
    expires = as_utc(token.expires_at)
    assert timedelta(days=89) < expires - utcnow() <= timedelta(days=90)
    with pytest.raises(Invalid):
        _create(expires_in_days=0)
    with pytest.raises(Invalid):
        _create(name="   ")


def test_revoked_expired_and_inactive_tokens_do_not_authenticate():
    _, secret = _create()
    assert tokens.authenticate(secret, now=utcnow() + timedelta(days=91)) is None
    with transaction():
        tokens.revoke_token(factories.user("office"), tokens.list_tokens(factories.user("office"))[0].id)
    assert tokens.authenticate(secret) is None
    _, other = _create("leader")
    with transaction():
        factories.user("leader").active = False
    assert tokens.authenticate(other) is None
    assert tokens.authenticate("pf_" + "x" * 40) is None and tokens.authenticate(None) is None


def test_a_user_cannot_revoke_someone_elses_token():
    token_id, _ = _create("office")
    with pytest.raises(NotFound):
        tokens.revoke_token(factories.user("leader"), token_id)
