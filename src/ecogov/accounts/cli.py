"""``ecogov user``: accounts and API tokens from the command line.

Run by an operator on the database, acting as the system: create, disable, enable and list
accounts, reset passwords, issue and revoke API tokens. Every change is in the audit log.
Wired into the main command as ``app.add_typer(accounts_cli.app, name="user")``.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from ecogov.accounts import service
from ecogov.accounts.principal import SYSTEM, AccessDeniedError, Role
from ecogov.config import get_settings
from ecogov.db.engine import for_writing, make_engine, session_factory
from ecogov.standards.editions import BEIJING

app = typer.Typer(
    help=(
        "账号 accounts — people who sign in and API tokens for integrations.\n\n"
        "Roles: city_admin 市局管理员, city_analyst 市局分析员, county_officer 区县分局人员 (needs "
        "`--county`), enforcement_officer 执法人员 (`--county` optional: empty means city-wide), "
        "enterprise_user 企业用户 (needs `--enterprise` credit code).\n\n"
        "Passwords: at least 12 characters, not containing the username, from at least 3 of: "
        "lower-case, upper-case, digits, other characters. They are asked for twice on a "
        "terminal, or read from the first line of standard input with `--password-stdin`.\n\n"
        "Example: `ecogov user create lucheng01 --role county_officer --county 330302 "
        '--display-name "鹿城分局 张三"`'
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
token_app = typer.Typer(
    help="API tokens: `Authorization: Bearer <token>` for integrations; scoped, expiring, revocable.",
    no_args_is_help=True,
)
app.add_typer(token_app, name="token")

console = Console()

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database; default: the configured one (ECOGOV_DATABASE_URL).",
        show_default=False,
    ),
]
RoleOption = Annotated[
    Role, typer.Option("--role", help="role of the account or token", case_sensitive=False)
]
CountyOption = Annotated[
    str | None,
    typer.Option("--county", help="GB/T 2260 code of the county (county staff)", show_default=False),
]
EnterpriseOption = Annotated[
    str | None,
    typer.Option("--enterprise", help="unified social credit code of the enterprise (enterprise users)"),
]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from the first line of standard input")
]


def _engine(database_url: str | None) -> Engine:
    return make_engine(database_url or get_settings().database_url)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("新密码 new password", hide_input=True, confirmation_prompt=True)
    return password


def _fail(error: Exception) -> typer.Exit:
    typer.echo(f"拒绝 refused: {error}", err=True)
    return typer.Exit(1)


def _local(epoch: int | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="sign-in name, 1–64 characters, no spaces")],
    role: RoleOption,
    display_name: Annotated[str, typer.Option("--display-name", help="name shown in the workspace")] = "",
    county: CountyOption = None,
    enterprise: EnterpriseOption = None,
    password_stdin: PasswordStdin = False,
    database_url: DatabaseOption = None,
) -> None:
    """Create an account (it can sign in at once)."""
    password = _password(password_stdin)
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            enterprise_id = service.enterprise_id_of(session, enterprise) if enterprise else None
            account = service.create_user(
                session,
                principal=SYSTEM,
                username=username,
                display_name=display_name,
                role=role,
                password=password,
                county_code=county,
                enterprise_id=enterprise_id,
            )
            console.print(f"created {account.username} ({account.role.label_zh} {account.role.value})")
    except (service.AccountError, AccessDeniedError) as error:
        raise _fail(error) from error


def _set_active(username: str, active: bool, database_url: str | None) -> None:
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            service.set_active(session, principal=SYSTEM, username=username, active=active)
    except service.AccountError as error:
        raise _fail(error) from error
    console.print(f"{username}: {'enabled 已启用' if active else 'disabled 已停用'}")


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="the account")], database_url: DatabaseOption = None
) -> None:
    """Disable an account: it cannot sign in and its open sessions end."""
    _set_active(username, False, database_url)


@app.command("enable")
def enable(
    username: Annotated[str, typer.Argument(help="the account")], database_url: DatabaseOption = None
) -> None:
    """Enable an account again (also lifts a lockout)."""
    _set_active(username, True, database_url)


@app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(help="the account")],
    password_stdin: PasswordStdin = False,
    database_url: DatabaseOption = None,
) -> None:
    """Set a new password, lift a lockout and end the account's open sessions."""
    password = _password(password_stdin)
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            service.reset_password(session, principal=SYSTEM, username=username, password=password)
    except service.AccountError as error:
        raise _fail(error) from error
    console.print(f"{username}: new password set 已重置密码")


@app.command("list")
def list_accounts(database_url: DatabaseOption = None) -> None:
    """Every account with its role, scope and state."""
    engine = _engine(database_url)
    table = Table("username", "name 姓名", "role 角色", "county", "enterprise", "state 状态", "last sign-in")
    with session_factory(engine)() as session:
        for account in service.list_users(session, principal=SYSTEM):
            locked = account.locked_until is not None and account.locked_until > int(
                datetime.now(UTC).timestamp()
            )
            state = "disabled 停用" if not account.active else "locked 锁定" if locked else "active 正常"
            table.add_row(
                account.username,
                account.display_name,
                f"{account.role.value} {account.role.label_zh}",
                account.county_code or "—",
                str(account.enterprise_id) if account.enterprise_id is not None else "—",
                state,
                _local(account.last_sign_in_at),
            )
    console.print(table)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="what the token is for, e.g. 省平台对接")],
    role: RoleOption,
    days: Annotated[int, typer.Option("--days", min=1, help="validity in days")] = 90,
    county: CountyOption = None,
    enterprise: EnterpriseOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Issue a token and print it once (only its hash is kept: store it now)."""
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            enterprise_id = service.enterprise_id_of(session, enterprise) if enterprise else None
            issued = service.create_token(
                session,
                principal=SYSTEM,
                name=name,
                role=role,
                days=days,
                county_code=county,
                enterprise_id=enterprise_id,
            )
            expires = _local(issued.record.expires_at)
    except service.AccountError as error:
        raise _fail(error) from error
    console.print(f"token {name} ({role.value}), valid until {expires} (Beijing time):", style="bold")
    typer.echo(issued.plain)


@token_app.command("revoke")
def token_revoke(
    name: Annotated[str, typer.Argument(help="the token's name")], database_url: DatabaseOption = None
) -> None:
    """Revoke a token; it is refused from the next request on."""
    engine = _engine(database_url)
    try:
        with session_factory(for_writing(engine))() as session, session.begin():
            service.revoke_token(session, principal=SYSTEM, name=name)
    except service.AccountError as error:
        raise _fail(error) from error
    console.print(f"token {name}: revoked 已吊销")


@token_app.command("list")
def token_list(database_url: DatabaseOption = None) -> None:
    """Every token (never the secret) with its scope and state."""
    engine = _engine(database_url)
    now = int(datetime.now(UTC).timestamp())
    table = Table("name", "prefix", "role", "county", "enterprise", "expires", "state", "last used")
    with session_factory(engine)() as session:
        for token in service.list_tokens(session, principal=SYSTEM):
            state = "revoked" if token.revoked_at else "expired" if token.expires_at <= now else "valid"
            table.add_row(
                token.name,
                token.token_prefix + "…",
                token.role.value,
                token.county_code or "—",
                str(token.enterprise_id) if token.enterprise_id is not None else "—",
                _local(token.expires_at),
                state,
                _local(token.last_used_at),
            )
    console.print(table)
