"""ecogov.standards — exact, vectorised evaluation by the Chinese environmental standards.

A pure library (numpy only, no I/O): every judgement ecogov makes comes from here.

* :mod:`~ecogov.standards.rounding` — GB/T 8170 rounding on the decimal value.
* :mod:`~ecogov.standards.editions` — which edition governs a datum (by its date).
* :mod:`~ecogov.standards.aqi` — HJ 633—2012 / —2026 IAQI, AQI, level, colour, primary pollutant.
* :mod:`~ecogov.standards.air` — GB 3095 limits and validity, HJ 663 statistics and attainment.
* :mod:`~ecogov.standards.water` — GB 3838—2002, the 2011 surface-water evaluation method and
  the lake trophic state index.
* :mod:`~ecogov.standards.seawater` — GB 3097—1997.
* :mod:`~ecogov.standards.emission` — HJ 75 flue-gas conversions, flue-gas and wastewater
  daily means (HJ 75, HJ 356) and permit exceedance.
* :mod:`~ecogov.standards.trend` — Spearman rank-correlation trend test.
"""
