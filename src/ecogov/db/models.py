"""Import every model module so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from ecogov.monitoring import models as monitoring_models
from ecogov.registry import models as registry_models

__all__ = ["monitoring_models", "registry_models"]
