"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from ecogov.accounts import models as accounts_models
from ecogov.aggregation import models as aggregation_models
from ecogov.alerts import models as alerts_models
from ecogov.audit import events as audit_events
from ecogov.audit import models as audit_models
from ecogov.cases import models as cases_models
from ecogov.ingest import models as ingest_models
from ecogov.monitoring import models as monitoring_models
from ecogov.registry import models as registry_models
from ecogov.rules import models as rules_models

__all__ = [
    "accounts_models",
    "aggregation_models",
    "alerts_models",
    "audit_events",
    "audit_models",
    "cases_models",
    "ingest_models",
    "monitoring_models",
    "registry_models",
    "rules_models",
]
