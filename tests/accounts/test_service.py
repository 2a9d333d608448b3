"""Account services on SQLite and PostgreSQL: scope rules, sign-in with lockout, sessions, tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from accounts.helpers import TEST_PASSWORD, ensure_county, make_user
from ecogov.accounts import service
from ecogov.accounts.models import ApiToken, UserAccount
from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Principal, Role
from ecogov.accounts.service import SignInResult
from ecogov.config import Settings
from registry.factories import COUNTIES, create, enterprise_row, make_areas

STRICT = Settings(sign_in_max_failures=3, sign_in_lockout_minutes=10)
T0 = 1_790_000_000  # 2026-09-21 14:13:20 UTC, an arbitrary fixed "now"


def _account(session: Session, username: str) -> UserAccount:
    return service.find_user(session, username)


@pytest.mark.parametrize(
    ("role", "county", "with_enterprise", "field"),
    [
        (Role.COUNTY_OFFICER, None, False, "county_code"),  # a county officer needs a county
        (Role.CITY_ANALYST, COUNTIES[0], False, "county_code"),  # city staff are not tied to one
        (Role.ENTERPRISE_USER, None, False, "enterprise_id"),  # an enterprise user needs one
        (Role.CITY_ADMIN, None, True, "enterprise_id"),  # staff are not tied to an enterprise
        (Role.PUBLIC, None, False, "role"),  # the public is anonymous
        (Role.SYSTEM, None, False, "role"),  # the system never signs in
        (Role.COUNTY_OFFICER, "330300", False, "county_code"),  # the city is not a county
        (Role.COUNTY_OFFICER, "110101", False, "county_code"),  # not in the registry
    ],
)
def test_account_scope_must_fit_the_role(
    session: Session, role: Role, county: str | None, with_enterprise: bool, field: str
) -> None:
    make_areas(session)
    enterprise_id = None
    if with_enterprise:
        create(session, "enterprises", enterprise_row(1))
        enterprise_id = service.enterprise_id_of(session, enterprise_row(1)["credit_code"])
    with pytest.raises(service.AccountError) as error:
        service.create_user(
            session,
            principal=SYSTEM,
            username="someone",
            display_name="",
            role=role,
            password=TEST_PASSWORD,
            county_code=county,
            enterprise_id=enterprise_id,
        )
    assert error.value.field == field


def test_enforcement_officers_may_be_city_wide_or_county_bound(session: Session) -> None:
    ensure_county(session, COUNTIES[0])
    make_user(session, Role.ENFORCEMENT_OFFICER, username="city-wide")
    make_user(session, Role.ENFORCEMENT_OFFICER, COUNTIES[0], username="county-bound")
    wide = service.principal_of(_account(session, "city-wide"))
    bound = service.principal_of(_account(session, "county-bound"))
    assert wide.is_city_wide
    assert wide.may_see_county(COUNTIES[1])
    assert not bound.is_city_wide
    assert not bound.may_see_county(COUNTIES[1])


def test_only_administrators_manage_accounts(session: Session) -> None:
    username, _ = make_user(session, Role.CITY_ANALYST)
    analyst = service.principal_of(_account(session, username))
    with pytest.raises(AccessDeniedError, match="only a city administrator may create accounts"):
        service.create_user(
            session,
            principal=analyst,
            username="x",
            display_name="",
            role=Role.CITY_ADMIN,
            password=TEST_PASSWORD,
        )
    for call in (
        lambda: service.set_active(session, principal=analyst, username=username, active=False),
        lambda: service.reset_password(session, principal=analyst, username=username, password=TEST_PASSWORD),
        lambda: service.list_users(session, principal=analyst),
        lambda: service.create_token(session, principal=analyst, name="t", role=Role.CITY_ANALYST, days=1),
        lambda: service.list_tokens(session, principal=analyst),
    ):
        with pytest.raises(AccessDeniedError):
            call()


def test_usernames_are_unique_and_weak_passwords_refused(session: Session) -> None:
    make_user(session, Role.CITY_ADMIN, username="admin")
    with pytest.raises(service.AccountError, match="is taken"):
        make_user(session, Role.CITY_ANALYST, username="admin")
    session.rollback()
    with pytest.raises(service.AccountError) as error:
        make_user(session, Role.CITY_ANALYST, username="weak", password="weakpassword")
    assert error.value.field == "password"
    assert "weakpassword" not in str(error.value)


def test_lockout_after_repeated_failures_then_release(session: Session) -> None:
    username, password = make_user(session, Role.CITY_ANALYST)
    # Two failures count; the third (STRICT.sign_in_max_failures) locks for 10 minutes.
    for attempt in (1, 2):
        outcome = service.authenticate(session, username, "Wrong-Passw0rd", settings=STRICT, now=T0 + attempt)
        assert outcome.result is SignInResult.WRONG_CREDENTIALS
        assert _account(session, username).failed_attempts == attempt
    locked = service.authenticate(session, username, "Wrong-Passw0rd", settings=STRICT, now=T0 + 3)
    assert locked.result is SignInResult.LOCKED
    assert locked.locked_until == T0 + 3 + 10 * 60
    # While locked even the right password is refused.
    right_too_early = service.authenticate(session, username, password, settings=STRICT, now=T0 + 3 + 599)
    assert right_too_early.result is SignInResult.LOCKED
    # When the lock has run out the right password signs in and clears the count.
    later = service.authenticate(session, username, password, settings=STRICT, now=T0 + 3 + 600)
    assert later.result is SignInResult.SIGNED_IN
    assert later.account is not None
    account = _account(session, username)
    assert (account.failed_attempts, account.locked_until, account.last_sign_in_at) == (0, None, T0 + 603)


def test_a_success_resets_the_failure_count(session: Session) -> None:
    username, password = make_user(session, Role.CITY_ANALYST)
    for _ in range(2):
        service.authenticate(session, username, "Wrong-Passw0rd", settings=STRICT, now=T0)
    assert (
        service.authenticate(session, username, password, settings=STRICT, now=T0).result
        is SignInResult.SIGNED_IN
    )
    for _ in range(2):  # two more failures do not lock: the count started again
        outcome = service.authenticate(session, username, "Wrong-Passw0rd", settings=STRICT, now=T0)
        assert outcome.result is SignInResult.WRONG_CREDENTIALS


def test_unknown_users_and_disabled_accounts_do_not_sign_in(session: Session) -> None:
    assert service.authenticate(session, "nobody", TEST_PASSWORD).result is SignInResult.WRONG_CREDENTIALS
    username, password = make_user(session, Role.CITY_ANALYST)
    service.set_active(session, principal=SYSTEM, username=username, active=False)
    assert service.authenticate(session, username, password).result is SignInResult.DISABLED


def test_a_password_reset_or_disabling_ends_existing_sessions(session: Session) -> None:
    username, _ = make_user(session, Role.CITY_ANALYST)
    account = _account(session, username)
    stamp = account.password_changed_at
    assert service.principal_for_session(session, account.id, stamp) is not None
    service.reset_password(session, principal=SYSTEM, username=username, password="Another-Passw0rd")
    assert service.principal_for_session(session, account.id, stamp) is None
    fresh = _account(session, username).password_changed_at
    assert fresh > stamp
    assert service.principal_for_session(session, account.id, fresh) is not None
    service.set_active(session, principal=SYSTEM, username=username, active=False)
    assert service.principal_for_session(session, account.id, fresh) is None


def test_an_administrator_cannot_disable_their_own_account(session: Session) -> None:
    username, _ = make_user(session, Role.CITY_ADMIN)
    admin = service.principal_of(_account(session, username))
    with pytest.raises(service.AccountError, match="your own account"):
        service.set_active(session, principal=admin, username=username, active=False)


def test_changing_ones_own_password_needs_the_current_one(session: Session) -> None:
    username, password = make_user(session, Role.COUNTY_OFFICER, COUNTIES[0])
    me = service.principal_of(_account(session, username))
    with pytest.raises(service.AccountError) as error:
        service.change_own_password(session, principal=me, current="Not-The-Passw0rd", new="Brand-New-Pass1")
    assert error.value.field == "current_password"
    service.change_own_password(session, principal=me, current=password, new="Brand-New-Pass1")
    assert service.authenticate(session, username, "Brand-New-Pass1").result is SignInResult.SIGNED_IN
    with pytest.raises(AccessDeniedError):
        service.change_own_password(
            session, principal=Principal(role=Role.CITY_ANALYST), current=password, new="Brand-New-Pass2"
        )


def test_tokens_carry_their_scope_expire_and_can_be_revoked(session: Session) -> None:
    ensure_county(session, COUNTIES[0])
    issued = service.create_token(
        session,
        principal=SYSTEM,
        name="county feed",
        role=Role.COUNTY_OFFICER,
        days=30,
        county_code=COUNTIES[0],
    )
    assert issued.plain.startswith("ecg_")
    assert len(issued.plain) == 4 + 43
    principal = service.principal_for_token(session, issued.plain, now=issued.record.created_at)
    assert principal == Principal(
        role=Role.COUNTY_OFFICER, user_id=None, username="token:county feed", county_code=COUNTIES[0]
    )
    # Only the SHA-256 is stored: the token is in no column of the table.
    row = session.execute(text("SELECT * FROM api_token")).one()
    assert issued.plain not in " ".join(str(value) for value in row)
    # last_used_at is written (at most once a minute).
    session.expire_all()
    assert session.scalars(select(ApiToken.last_used_at)).one() == issued.record.created_at
    # Expired from created_at + 30 days on (30 × 86 400 s).
    expires = issued.record.created_at + 30 * 86_400
    assert service.principal_for_token(session, issued.plain, now=expires - 1) is not None
    assert service.principal_for_token(session, issued.plain, now=expires) is None
    # Unknown, malformed and revoked tokens are refused.
    assert service.principal_for_token(session, issued.plain[:-1] + "x") is None
    assert service.principal_for_token(session, "Bearer nonsense") is None
    service.revoke_token(session, principal=SYSTEM, name="county feed")
    assert service.principal_for_token(session, issued.plain) is None


def test_token_validity_is_bounded_and_names_are_unique(session: Session) -> None:
    with pytest.raises(service.AccountError) as error:
        service.create_token(session, principal=SYSTEM, name="t", role=Role.CITY_ANALYST, days=367)
    assert (error.value.field, error.value.value) == ("days", 367)  # api_token_max_days = 366
    service.create_token(session, principal=SYSTEM, name="t", role=Role.CITY_ANALYST, days=1)
    with pytest.raises(service.AccountError, match="exists"):
        service.create_token(session, principal=SYSTEM, name="t", role=Role.CITY_ANALYST, days=1)
