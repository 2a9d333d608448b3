"""The case engine (案件引擎): declared case types, cases, transitions, evidence, deadlines and metrics.

A case type is declared as validated data (:mod:`ecogov.cases.declaration`, the declarations
themselves in :mod:`ecogov.cases.definitions`); :mod:`ecogov.cases.service` opens cases, moves
them along the declared transitions for the principals allowed to, records every write as a
:class:`~ecogov.cases.models.CaseEvent`, stores evidence on disk and checks deadlines against the
working-day calendar of :mod:`ecogov.cases.calendar`. :mod:`ecogov.cases.metrics` computes the
supervision figures and the county ranking that drives 挂牌督办.
"""
