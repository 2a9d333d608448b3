"""ecogov.rules — detection rules declared as validated data, and their evaluators.

A rule is a row (:class:`~ecogov.rules.models.DetectionRule`) whose ``rule_type``, ``scope``,
``parameters`` and ``severity`` are validated by :mod:`ecogov.rules.schemas`; the evaluators
(:mod:`ecogov.rules.evaluators`) turn stored data and aggregates into findings, and
:mod:`ecogov.alerts` turns findings into alerts.
"""
