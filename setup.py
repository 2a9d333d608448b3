"""Build of ecogov's one C accelerator; everything else is in pyproject.toml.

``ecogov.protocols.hj212._crc`` computes the HJ 212 CRC-16 on the ingest hot path. It is
optional: where no C compiler is found the install goes on and ``crc.py``'s pure-Python
version is used (``ecogov.protocols.hj212.crc.ACCELERATED`` says which one runs).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ecogov.protocols.hj212._crc",
            sources=["src/ecogov/protocols/hj212/_crc.c"],
            optional=True,
        )
    ]
)
