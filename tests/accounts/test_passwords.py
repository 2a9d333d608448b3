"""Password rules and argon2id hashing."""

from __future__ import annotations

import pytest

from ecogov.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    PasswordRuleError,
    character_classes,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab1-short", "has 9 characters; use at least 12"),
        ("X" * (MAX_PASSWORD_LENGTH + 1), "use at most 256"),
        ("Zhang.San-2026", "contains the username"),  # the username zhang.san, any case
        ("a" * 12, "one character repeated"),
        ("alllowercase1", "uses 2 of the 4 character classes"),  # lower + digit
        ("ALLUPPER-CASE", "uses 2 of the 4 character classes"),  # upper + other
    ],
)
def test_each_rule_refuses_with_its_reason_and_never_echoes_the_password(password: str, rule: str) -> None:
    with pytest.raises(PasswordRuleError) as error:
        check_password_rules(password, username="zhang.san", min_length=12)
    assert rule in str(error.value)
    assert password not in str(error.value)


@pytest.mark.parametrize("password", ["Correct-Horse-7", "生态环境局Env2026", "lower case 2026x"])
def test_passwords_that_meet_every_rule_pass(password: str) -> None:
    check_password_rules(password, username="zhang.san", min_length=12)


def test_character_classes_count_chinese_and_spaces_as_other() -> None:
    # lower (a), upper (B), digit (3), other (汉 and the space) → 4
    assert character_classes("aB3 汉") == 4
    assert character_classes("abc") == 1


def test_hashes_are_argon2id_salted_and_verify() -> None:
    first, second = hash_password("Correct-Horse-7"), hash_password("Correct-Horse-7")
    assert first.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # RFC 9106 low-memory profile
    assert first != second  # a fresh salt each time
    assert verify_password(first, "Correct-Horse-7")
    assert not verify_password(first, "correct-horse-7")
    assert not verify_password("not a hash", "Correct-Horse-7")
    assert not needs_rehash(first)
    weaker = "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$Y2hhbmdlbWVjaGFuZ2VtZQ"
    assert needs_rehash(weaker)
