"""The registry of the monitored city: areas, stations, sections, enterprises, permits, devices."""
