"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from ecogov.accounts import models as accounts_models
from ecogov.audit import events as audit_events
from ecogov.audit import models as audit_models
from ecogov.cases import models as cases_models
from ecogov.monitoring import models as monitoring_models
from ecogov.registry import models as registry_models

__all__ = [
    "accounts_models",
    "audit_events",
    "audit_models",
    "cases_models",
    "monitoring_models",
    "registry_models",
]
