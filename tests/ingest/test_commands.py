"""Outbound commands: the request state machine (pure) and real exchanges with a virtual logger.

Legal moves follow HJ 212-2017 §6.5 (request → 9011 → data → 9012; notifications → 9013) and
Table 1 (answer timeout, three retries).
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from sqlalchemy import Engine, select
from tests.ingest.hj212_peers import (
    DATA_TIME,
    STATION_MN,
    RawLogger,
    hourly_upload,
    register_city,
    running_server,
)
from tests.ingest.test_server import stored_values

from ecogov.accounts.principal import SYSTEM, Principal, Role
from ecogov.db.engine import for_writing, session_factory
from ecogov.ingest import service
from ecogov.ingest.commands import (
    TRANSITIONS,
    CommandError,
    CommandEvent,
    CommandTransitionError,
    next_state,
)
from ecogov.ingest.models import CommandState, DeviceCommand
from ecogov.ingest.simulate import LoggerSpec, SimulatedFactor, VirtualLogger
from ecogov.monitoring.models import Interval
from ecogov.protocols.hj212 import CommandCode, Dialect

# -- the state machine ---------------------------------------------------------------------------

LEGAL_PATHS = [
    # request answered and executed
    [(CommandEvent.SEND, CommandState.SENT), (CommandEvent.REQUEST_ACCEPTED, CommandState.EXECUTING),
     (CommandEvent.DATA, CommandState.EXECUTING), (CommandEvent.EXECUTED, CommandState.SUCCEEDED)],
    # refused with QnRtn ≠ 1
    [(CommandEvent.SEND, CommandState.SENT), (CommandEvent.REQUEST_REFUSED, CommandState.REFUSED)],
    # three retries, then given up
    [(CommandEvent.SEND, CommandState.SENT), (CommandEvent.ANSWER_TIMEOUT, CommandState.SENT),
     (CommandEvent.ANSWER_TIMEOUT, CommandState.SENT), (CommandEvent.ANSWER_TIMEOUT, CommandState.SENT),
     (CommandEvent.RETRIES_EXHAUSTED, CommandState.TIMED_OUT)],
    # a stop notification answered 9013
    [(CommandEvent.SEND, CommandState.SENT), (CommandEvent.NOTIFICATION_ANSWERED, CommandState.SUCCEEDED)],
    # executed, then 9012 says failure
    [(CommandEvent.SEND, CommandState.SENT), (CommandEvent.REQUEST_ACCEPTED, CommandState.EXECUTING),
     (CommandEvent.EXECUTION_FAILED, CommandState.FAILED)],
    # cancelled before sending
    [(CommandEvent.CANCEL, CommandState.CANCELLED)],
]  # fmt: skip


@pytest.mark.parametrize("path", LEGAL_PATHS)
def test_legal_paths(path: list[tuple[CommandEvent, CommandState]]) -> None:
    state = CommandState.QUEUED
    for event, expected in path:
        state = next_state(state, event)
        assert state is expected


def test_every_other_move_is_illegal() -> None:
    for state, event in itertools.product(CommandState, CommandEvent):
        if (state, event) in TRANSITIONS:
            continue
        with pytest.raises(CommandTransitionError, match=state.value):
            next_state(state, event)


def test_terminal_states_have_no_way_out() -> None:
    terminal = {CommandState.SUCCEEDED, CommandState.FAILED, CommandState.REFUSED, CommandState.TIMED_OUT,
                CommandState.CANCELLED}  # fmt: skip
    assert not [key for key in TRANSITIONS if key[0] in terminal]


# -- queuing through the service -----------------------------------------------------------------


def test_queue_refuses_unknown_mn_bad_parameters_and_outsiders(engine: Engine) -> None:
    register_city(engine)
    with session_factory(engine)() as session, session.begin():
        with pytest.raises(CommandError) as unknown:
            service.queue_command(session, principal=SYSTEM, mn="NOPE", command_code=1012, parameters={})
        assert unknown.value.field == "mn"
        with pytest.raises(CommandError) as missing:
            service.queue_command(session, principal=SYSTEM, mn=STATION_MN, command_code=2061, parameters={})
        assert missing.value.field == "BeginTime"
        with pytest.raises(CommandError) as unknown_code:
            service.queue_command(session, principal=SYSTEM, mn=STATION_MN, command_code=4242, parameters={})
        assert unknown_code.value.field == "command_code"
        analyst = Principal(role=Role.CITY_ANALYST, username="analyst")
        from ecogov.accounts.principal import AccessDeniedError

        with pytest.raises(AccessDeniedError):
            service.queue_command(session, principal=analyst, mn=STATION_MN, command_code=1012, parameters={})
        other_county = Principal(role=Role.COUNTY_OFFICER, username="c", county_code="999999")
        with pytest.raises(AccessDeniedError):
            service.queue_command(
                session, principal=other_county, mn=STATION_MN, command_code=1012, parameters={}
            )


def _wait_for_state(
    engine: Engine, command_id: int, states: set[CommandState], timeout: float = 10.0
) -> DeviceCommand:
    deadline = time.monotonic() + timeout
    while True:
        with session_factory(engine)() as session:
            row = session.get(DeviceCommand, command_id)
            assert row is not None
            if row.state in states or time.monotonic() > deadline:
                return row
        time.sleep(0.05)


def test_history_query_runs_9011_data_9012(engine: Engine) -> None:
    register_city(engine)
    spec = LoggerSpec(STATION_MN, "123456", "22", Dialect.HJ212_2017, (SimulatedFactor("a34004", 30.0),))
    hours = [DATA_TIME.replace(hour=hour) for hour in (8, 9, 10)]

    async def scenario() -> DeviceCommand:
        async with running_server(engine, command_poll_seconds=0.05) as server:
            logger = VirtualLogger(spec, "127.0.0.1", server.port)
            await logger.connect()
            for hour in hours:
                await logger.upload(Interval.HOUR, hour)
            assert await logger.drain()
            # A user's command while the server runs (and commits): the transaction reads, then
            # writes, so it takes the write lock as it begins, as the API and the CLI do.
            with session_factory(for_writing(engine))() as session, session.begin():
                command_id = service.queue_command(
                    session,
                    principal=SYSTEM,
                    mn=STATION_MN,
                    command_code=CommandCode.HOURLY_DATA,
                    parameters={"BeginTime": "20261120080000", "EndTime": "20261120090000"},
                ).id
            row = await asyncio.to_thread(
                _wait_for_state, engine, command_id, {CommandState.SUCCEEDED, CommandState.FAILED}
            )
            await logger.close()
            assert CommandCode.HOURLY_DATA in logger.requests_answered
            return row

    row = asyncio.run(scenario())
    assert row.state == CommandState.SUCCEEDED
    assert row.answer_code == 1
    assert row.result_code == 1
    assert row.data_frames == 2  # 08:00 and 09:00, re-sent with the request's QN
    assert row.attempts == 1
    with session_factory(engine)() as session:
        averages = [entry for entry in stored_values(session, "a34004") if entry[1] == "avg"]
        assert len(averages) == 3  # the re-sent hours replaced their rows, never added any


def test_unanswered_command_is_retried_then_timed_out(engine: Engine) -> None:
    city = register_city(engine)

    async def scenario() -> tuple[DeviceCommand, int]:
        async with running_server(
            engine, command_poll_seconds=0.05, answer_timeout_seconds=0.2, retries=2
        ) as server:
            mute = await RawLogger.open(server.port)  # a logger that never answers requests
            await mute.send(hourly_upload(city.station))
            await mute.receive()
            # A user's command while the server runs (and commits): the transaction reads, then
            # writes, so it takes the write lock as it begins, as the API and the CLI do.
            with session_factory(for_writing(engine))() as session, session.begin():
                command_id = service.queue_command(
                    session,
                    principal=SYSTEM,
                    mn=STATION_MN,
                    command_code=1062,
                    parameters={"RtdInterval": 60},
                ).id
            row = await asyncio.to_thread(_wait_for_state, engine, command_id, {CommandState.TIMED_OUT})
            requests = await mute.receive(3)  # the first send and two retries, same QN
            await mute.close()
            assert len({packet.request_id for packet in requests}) == 1
            return row, len(requests)

    row, sent = asyncio.run(scenario())
    assert row.state == CommandState.TIMED_OUT
    assert row.attempts == 3
    assert sent == 3


def test_cancel_only_while_queued(engine: Engine) -> None:
    register_city(engine)
    with session_factory(engine)() as session, session.begin():
        queued = service.queue_command(
            session, principal=SYSTEM, mn=STATION_MN, command_code=1012, parameters={}
        )
        assert (
            service.cancel_command(session, principal=SYSTEM, command_id=queued.id).state
            == CommandState.CANCELLED
        )
        with pytest.raises(CommandError) as again:
            service.cancel_command(session, principal=SYSTEM, command_id=queued.id)
        assert again.value.field == "state"
    with session_factory(engine)() as session:
        assert session.scalars(select(DeviceCommand.state)).one() == CommandState.CANCELLED
