"""What pyproject.toml cannot say: the top-level ``sql/`` and ``static/`` folders go into the wheel as
``footfall/sql`` and ``footfall/static``, where ``footfall.paths`` finds them in an installed package."""

from setuptools import find_packages, setup

SHIPPED = {"footfall.sql": "sql", "footfall.static": "static"}

setup(
    packages=find_packages(include=["footfall*", "collector*", "dashboard*"]) + list(SHIPPED),
    package_dir=SHIPPED,
)
