"""ecogov.aggregation — incremental aggregates minute → hour → day → month → year.

Every aggregate carries its completeness (observed and expected counts, validity and the
reason when invalid) and is computed by :mod:`ecogov.standards`: GB 3095 / HJ 663 for ambient
air, HJ 633 for AQI, GB 3838 and the 2011 method for sections, HJ 75 / HJ 212 for outlets.
Where aggregates live and how backfill is handled: ``docs/rules.md`` (section "Aggregates").
"""
