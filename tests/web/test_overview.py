"""The overview page served at ``/``: Chinese first, English on request, the city's map."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ecogov.api.app import create_app
from ecogov.choices import AreaLevel
from ecogov.db.engine import session_factory
from ecogov.registry.models import AdministrativeArea

SQUARE = {"type": "Polygon", "coordinates": [[[120.5, 28.0], [120.7, 28.0], [120.7, 28.1], [120.5, 28.0]]]}


def _areas(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        session.add(AdministrativeArea(code="330300", name="温州市", name_en="Wenzhou", level=AreaLevel.CITY))
        session.flush()
        session.add(
            AdministrativeArea(
                code="330302", name="鹿城区", name_en="Lucheng District", level=AreaLevel.COUNTY,
                parent_code="330300", boundary=SQUARE,
            )
        )  # fmt: skip


def test_overview_is_chinese_first_with_an_english_switch(engine: Engine) -> None:
    _areas(engine)
    client = TestClient(create_app(engine))
    chinese = client.get("/")
    assert chinese.status_code == 200
    assert 'lang="zh-CN"' in chinese.text
    assert "生态环境智治平台" in chinese.text
    assert "鹿城区" in chinese.text
    english = client.get("/?lang=en")
    assert 'lang="en"' in english.text
    assert "Lucheng District" in english.text
    assert client.get("/?lang=fr").status_code == 422


def test_overview_draws_county_boundaries_without_external_assets(engine: Engine) -> None:
    _areas(engine)
    page = TestClient(create_app(engine)).get("/").text
    assert page.count('<path d="M') == 1  # one county, drawn as an SVG path
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page


def test_api_docs_are_served_without_a_cdn(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200
