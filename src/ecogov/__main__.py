"""Allow ``python -m ecogov``."""

from ecogov.cli import main

main()
