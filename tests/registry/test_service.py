"""Registry services on SQLite and PostgreSQL: CRUD, listings, refusals and all-or-nothing imports."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ecogov.accounts.principal import SYSTEM
from ecogov.db.engine import session_factory
from ecogov.registry import catalogue, schemas, service
from ecogov.registry.models import (
    AdministrativeArea,
    AirStation,
    Device,
    Enterprise,
    OutletLimit,
    ParameterRecord,
    Permit,
)
from registry.factories import (
    CITY,
    COUNTIES,
    air_station_row,
    area_rows,
    assert_refused,
    count,
    create,
    credit_code,
    device_row,
    enterprise_row,
    make_areas,
    make_chain,
    outlet_limit_row,
    permit_number,
    permit_row,
    water_section_row,
)

KINDS = service.KINDS

# --- create / get / update / delete --------------------------------------------------------


def test_create_get_update_delete_an_air_station(session: Session) -> None:
    make_areas(session)
    created = create(session, "air-stations", air_station_row("AQ001"))
    # AirStationCreate's default parameters: the six AQI pollutants (HJ 633).
    assert created["parameters"] == ["SO2", "NO2", "CO", "O3", "PM10", "PM2_5"]
    assert service.get(session, KINDS["air-stations"], "AQ001", principal=SYSTEM)["name"] == "监测站AQ001"

    changes = schemas.AirStationUpdate(name="鹿城站", parameters=["a34004", "PM10"])
    updated = service.update(session, KINDS["air-stations"], "AQ001", changes, principal=SYSTEM)
    assert updated["name"] == "鹿城站"
    assert updated["parameters"] == ["PM2_5", "PM10"]  # factor code a34004 is PM2.5 (HJ 212 Table B.2)
    session.commit()

    service.delete(session, KINDS["air-stations"], "AQ001", principal=SYSTEM)
    with pytest.raises(service.NotFoundError) as error:
        service.get(session, KINDS["air-stations"], "AQ001", principal=SYSTEM)
    assert_refused(error, "code", "AQ001")


def test_enterprise_and_permit_present_their_natural_keys(session: Session) -> None:
    chain = make_chain(session)
    permit = service.get(session, KINDS["permits"], chain.permit_number, principal=SYSTEM)
    assert permit["credit_code"] == chain.credit_code
    outlet = service.get(session, KINDS["outlets"], chain.air_outlet, principal=SYSTEM)
    assert outlet["kind"] == "air"
    assert outlet["permit_number"] == chain.permit_number
    assert service.get(session, KINDS["outlets"], chain.water_outlet, principal=SYSTEM)["kind"] == "water"


def test_update_refuses_coordinates_outside_china(session: Session) -> None:
    make_areas(session)
    create(session, "air-stations", air_station_row("AQ001"))
    with pytest.raises(service.RegistryError, match="swapped") as error:
        service.update(
            session,
            KINDS["air-stations"],
            "AQ001",
            schemas.AirStationUpdate(longitude=28.0),
            principal=SYSTEM,
        )
    assert error.value.field == "longitude/latitude"
    assert error.value.value == (28.0, 28.0)


def test_update_refuses_a_permit_validity_that_ends_before_it_starts(session: Session) -> None:
    chain = make_chain(session)
    with pytest.raises(service.RegistryError) as error:
        service.update(
            session,
            KINDS["permits"],
            chain.permit_number,
            schemas.PermitUpdate(valid_to="2023-06-30"),
            principal=SYSTEM,
        )
    assert_refused(error, "valid_to", "2023-06-30")
    # The session is still usable and the permit unchanged.
    assert (
        str(service.get(session, KINDS["permits"], chain.permit_number, principal=SYSTEM)["valid_to"])
        == "2028-12-31"
    )


# --- listings -------------------------------------------------------------------------------


def test_list_with_filters_free_text_and_pages(session: Session) -> None:
    make_areas(session)
    for number in range(1, 8):
        area = COUNTIES[0] if number <= 5 else COUNTIES[1]
        tier = "national" if number % 2 else "city"
        create(session, "air-stations", air_station_row(f"AQ{number:03d}", area_code=area, tier=tier))
    create(session, "air-stations", air_station_row("ZZ900", name="龙湾中学站", area_code=COUNTIES[1]))
    kind = KINDS["air-stations"]

    everything = service.list_records(session, kind, page_size=3, principal=SYSTEM)
    assert (everything.total, len(everything.items)) == (8, 3)
    assert [item["code"] for item in everything.items] == ["AQ001", "AQ002", "AQ003"]
    last = service.list_records(session, kind, page=3, page_size=3, principal=SYSTEM)
    assert [item["code"] for item in last.items] == ["AQ007", "ZZ900"]

    lucheng = service.list_records(session, kind, filters={"area_code": COUNTIES[0]}, principal=SYSTEM)
    assert lucheng.total == 5
    national_in_lucheng = service.list_records(
        session, kind, filters={"area_code": COUNTIES[0], "tier": "national"}, principal=SYSTEM
    )
    assert [item["code"] for item in national_in_lucheng.items] == ["AQ001", "AQ003", "AQ005"]

    assert [
        item["code"] for item in service.list_records(session, kind, q="中学", principal=SYSTEM).items
    ] == ["ZZ900"]
    assert (
        service.list_records(session, kind, q="aq00", principal=SYSTEM).total == 7
    )  # case-insensitive code match


@pytest.mark.parametrize(
    ("arguments", "field", "value"),
    [
        ({"page": 0}, "page", 0),
        ({"page_size": service.MAX_PAGE_SIZE + 1}, "page_size", service.MAX_PAGE_SIZE + 1),
        ({"filters": {"colour": "red"}}, "colour", "red"),
    ],
)
def test_list_refuses_bad_arguments(
    session: Session, arguments: dict[str, Any], field: str, value: object
) -> None:
    with pytest.raises(service.RegistryError) as error:
        service.list_records(session, KINDS["air-stations"], **arguments, principal=SYSTEM)
    assert_refused(error, field, value)


# --- refusals -------------------------------------------------------------------------------


def test_unknown_county_code_is_refused(session: Session) -> None:
    make_areas(session)
    with pytest.raises(service.RegistryError, match="no such administrative area") as error:
        create(session, "air-stations", air_station_row(area_code="330399"))
    assert_refused(error, "area_code", "330399")


def test_duplicate_station_code_is_refused(session: Session) -> None:
    make_areas(session)
    create(session, "air-stations", air_station_row("AQ001"))
    with pytest.raises(service.ConflictError) as error:
        create(session, "air-stations", air_station_row("AQ001", name="另一个站"))
    assert_refused(error, "code", "AQ001")


def test_duplicate_mn_is_refused(session: Session) -> None:
    make_areas(session)
    create(session, "air-stations", air_station_row("AQ001"))
    create(session, "air-stations", air_station_row("AQ002"))
    create(session, "devices", device_row("88888880000001", "air_station", "AQ001"))
    with pytest.raises(service.ConflictError) as error:
        create(session, "devices", device_row("88888880000001", "air_station", "AQ002"))
    assert_refused(error, "mn", "88888880000001")


def test_permit_whose_credit_code_has_no_enterprise_is_refused(session: Session) -> None:
    make_areas(session)
    orphan = permit_number(credit_code(999))
    with pytest.raises(service.RegistryError, match="no enterprise with this credit code") as error:
        create(session, "permits", permit_row(credit_code(999)))
    assert_refused(error, "permit_number", credit_code(999))
    assert orphan.startswith(error.value.value)


def test_outlet_limit_in_a_unit_that_does_not_measure_the_parameter_is_refused(session: Session) -> None:
    chain = make_chain(session)
    # SO2 on an air outlet is a flue-gas concentration (mg/m³); mg/L measures a liquid.
    with pytest.raises(service.RegistryError, match=r"does not measure sulphur dioxide \(mg/m³\)") as error:
        create(session, "outlet-limits", outlet_limit_row(chain.permit_number, unit="mg/L"))
    assert_refused(error, "unit", "mg/L")


def test_outlet_limit_accepts_a_convertible_unit(session: Session) -> None:
    chain = make_chain(session)
    created = create(session, "outlet-limits", outlet_limit_row(chain.permit_number, unit="ug/m3"))
    assert created["unit"] == "µg/m³"  # alias normalised (ecogov.units.ALIASES)


def test_outlet_limit_for_a_parameter_of_the_other_medium_is_refused(session: Session) -> None:
    chain = make_chain(session)
    # w21003 ammonia nitrogen is a wastewater factor, not a flue-gas one (HJ 212-2017 Table B.1).
    with pytest.raises(service.RegistryError, match="not in the flue_gas catalogue") as error:
        create(session, "outlet-limits", outlet_limit_row(chain.permit_number, parameter_code="w21003"))
    assert_refused(error, "parameter_code", "w21003")


def test_permit_limit_without_a_unit_is_refused_by_the_schema() -> None:
    row = outlet_limit_row(permit_number(credit_code(1)))
    del row["unit"]
    with pytest.raises(ValueError, match=r"unit\s+Field required"):
        KINDS["outlet-limits"].create.model_validate(row)


def test_device_whose_source_does_not_exist_is_refused(session: Session) -> None:
    make_areas(session)
    with pytest.raises(service.RegistryError, match="no water section with this code") as error:
        create(session, "devices", device_row("MN0001", "water_section", "WS404"))
    assert_refused(error, "source_code", "WS404")


def test_second_device_on_the_same_outlet_is_refused(session: Session) -> None:
    chain = make_chain(session)
    create(session, "devices", device_row("MN0001", "outlet", chain.air_outlet))
    with pytest.raises(service.ConflictError, match="already served by device MN0001") as error:
        create(session, "devices", device_row("MN0002", "outlet", chain.air_outlet))
    assert_refused(error, "source_code", chain.air_outlet)


def test_device_factor_units_are_checked_against_the_source_medium(session: Session) -> None:
    chain = make_chain(session)
    row = device_row("MN0001", "outlet", chain.water_outlet, factor_units={"w01018": "mg/m³"})
    with pytest.raises(service.RegistryError) as error:
        create(session, "devices", row)
    assert_refused(error, "factor_units.w01018", "mg/m³")


def test_deleting_an_enterprise_that_has_permits_is_refused(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
    with session_factory(engine)() as session:
        with pytest.raises(service.ConflictError, match="other records still refer to it") as error:
            service.delete(session, KINDS["enterprises"], chain.credit_code, principal=SYSTEM)
        assert_refused(error, "credit_code", chain.credit_code)
        session.rollback()
        assert count(session, Enterprise) == 1
        assert count(session, Permit) == 1


def test_a_refused_create_leaves_the_transaction_usable(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(
            session,
            "permit-quantity-limits",
            {"permit_number": chain.permit_number, "parameter_code": "a21026", "annual_limit_t": 12.5},
        )
        with pytest.raises(service.ConflictError, match="already has this quantity"):
            create(
                session,
                "permit-quantity-limits",
                {"permit_number": chain.permit_number, "parameter_code": "a21026", "annual_limit_t": 3},
            )
        create(session, "air-stations", air_station_row("AQ001"))
    with session_factory(engine)() as session:
        assert count(session, AirStation) == 1
        assert count(session, Permit) == 1


# --- imports --------------------------------------------------------------------------------


def test_import_rows_inserts_all_rows_and_sees_earlier_rows(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        # Rows 2–4 refer to row 1 (their parent city).
        assert service.import_rows(session, KINDS["areas"], area_rows(), principal=SYSTEM) == 4
    with session_factory(engine)() as session:
        assert count(session, AdministrativeArea) == 4
        assert service.get(session, KINDS["areas"], COUNTIES[2], principal=SYSTEM)["parent_code"] == CITY


def test_import_is_all_or_nothing_and_reports_every_bad_row(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "enterprises", enterprise_row(1))
    rows = [
        enterprise_row(2),
        enterprise_row(3, credit_code="91350100M000100Y4Y"),  # wrong check character (should be 3)
        enterprise_row(4),
        enterprise_row(5, area_code="330399"),  # no such county
        enterprise_row(1),  # already in the database
        enterprise_row(6, longitude=43.8, latitude=87.6),  # Ürümqi (87.6 °E, 43.8 °N) swapped
        enterprise_row(4, name="重复"),  # duplicates row 3
    ]
    with session_factory(engine)() as session:
        before = count(session, Enterprise)
        with pytest.raises(service.ImportRejectedError) as error:
            service.import_rows(session, KINDS["enterprises"], rows, principal=SYSTEM)
    problems = {(problem.row, problem.field) for problem in error.value.errors}
    assert problems == {
        (2, "credit_code"),
        (4, "area_code"),
        (5, "credit_code"),
        (6, "row"),
        (7, "credit_code"),
    }
    by_row = {problem.row: problem for problem in error.value.errors}
    assert by_row[2].value == "91350100M000100Y4Y"
    assert "expected '3'" in by_row[2].message
    assert by_row[4].value == "330399"
    assert "exists" in by_row[5].message
    assert "swapped" in by_row[6].message
    assert by_row[7].message == "duplicates row 3"
    assert "nothing was written; 5 problem(s)" in str(error.value)
    with session_factory(engine)() as session:
        assert count(session, Enterprise) == before == 1


def test_import_reports_a_second_limit_for_the_same_outlet_and_period(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
    rows = [
        outlet_limit_row(chain.permit_number),
        outlet_limit_row(chain.permit_number, parameter_code="a21002"),  # NOx
        outlet_limit_row(chain.permit_number, limit_value=50.0),  # same outlet, SO2, hour as row 1
    ]
    with session_factory(engine)() as session, pytest.raises(service.ImportRejectedError) as error:
        service.import_rows(session, KINDS["outlet-limits"], rows, principal=SYSTEM)
    assert [problem.row for problem in error.value.errors] == [3]
    assert "already has a hourly mean limit" in error.value.errors[0].message
    with session_factory(engine)() as session:
        assert count(session, OutletLimit) == 0


def test_import_of_devices_with_a_refused_row_writes_no_device(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        make_areas(session)
        create(session, "water-sections", water_section_row("WS001"))
        create(session, "water-sections", water_section_row("WS002"))
    rows = [
        device_row("MN0001", "water_section", "WS001"),
        device_row("MN0002", "water_section", "WS001"),  # WS001 already served by row 1
        device_row("MN0003", "water_section", "WS002", password=""),
    ]
    with session_factory(engine)() as session, pytest.raises(service.ImportRejectedError) as error:
        service.import_rows(session, KINDS["devices"], rows, principal=SYSTEM)
    assert [(p.row, p.field) for p in error.value.errors] == [(2, "source_code"), (3, "password")]
    with session_factory(engine)() as session:
        assert count(session, Device) == 0


# --- parameter catalogue --------------------------------------------------------------------


def test_sync_parameter_catalogue_is_idempotent(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        assert service.sync_parameter_catalogue(session) == len(catalogue.PARAMETERS)
        stale = session.get(ParameterRecord, ("ambient_air", "a34004"))
        assert stale is not None
        stale.name_en = "edited by hand"
        session.add(
            ParameterRecord(
                medium="ambient_air",
                code="zz9999",
                short_name="X",
                name_zh="X",
                name_en="X",
                default_unit="1",
                canonical_unit="1",
            )
        )
    for _ in range(2):
        with session_factory(engine)() as session, session.begin():
            assert service.sync_parameter_catalogue(session) == len(catalogue.PARAMETERS)
    with session_factory(engine)() as session:
        assert count(session, ParameterRecord) == len(catalogue.PARAMETERS)
        assert session.get(ParameterRecord, ("ambient_air", "zz9999")) is None
        restored = session.get(ParameterRecord, ("ambient_air", "a34004"))
        assert restored is not None
        assert restored.name_en == "PM2.5"


def test_an_outlet_served_by_a_device_cannot_be_deleted(engine: Engine) -> None:
    # device.source_id has no foreign key (it may point into any of five tables), so the
    # service refuses the delete that would leave the device pointing at nothing.
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(session, "devices", device_row("MN0001", "outlet", chain.air_outlet))
        with pytest.raises(service.ConflictError) as refused:
            service.delete(session, service.KINDS["outlets"], chain.air_outlet, principal=SYSTEM)
    assert_refused(refused, "national_code", chain.air_outlet)
    assert "device MN0001 still serves it" in str(refused.value)


def test_a_second_limit_for_the_same_pollutant_names_the_field(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        chain = make_chain(session)
        create(session, "outlet-limits", outlet_limit_row(chain.permit_number, "DA001"))
        with pytest.raises(service.ConflictError) as refused:
            create(session, "outlet-limits", outlet_limit_row(chain.permit_number, "DA001"))
    assert_refused(refused, "parameter_code", "a21026")
