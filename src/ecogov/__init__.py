"""ecogov — 生态环境智治平台, the eco-environment smart-governance platform of a city bureau.

The packages are split by domain (see ``docs/architecture.md``): ``standards`` (pure evaluation
functions), ``registry`` (the monitored city), ``monitoring`` (stored measurements), ``demo``
(the synthetic demo city), and the faces ``api``, ``web`` and ``cli``.
"""

__version__ = "0.1.0"
