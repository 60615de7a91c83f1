"""Tests of the package's public surface: ``__all__`` is complete and importable."""

from __future__ import annotations
import __future__

import importlib
import importlib.resources
import pkgutil
import subprocess
import sys
import types

import aurora_edc


def test_every_name_in_all_is_importable() -> None:
    """Each name listed in ``aurora_edc.__all__`` exists on the package."""
    missing = [name for name in aurora_edc.__all__ if not hasattr(aurora_edc, name)]

    assert not missing


def test_all_has_no_duplicates() -> None:
    """``__all__`` lists each public name once."""
    assert len(aurora_edc.__all__) == len(set(aurora_edc.__all__))


def test_no_public_name_is_left_out_of_all() -> None:
    """Every public attribute of the package (not a module) is in ``__all__``."""
    public = {
        name
        for name, value in vars(aurora_edc).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType | __future__._Feature)
    }

    assert public <= set(aurora_edc.__all__), sorted(public - set(aurora_edc.__all__))


def test_exceptions_share_one_root() -> None:
    """Every exception the package exports derives from AuroraEDCError."""
    exported = [getattr(aurora_edc, name) for name in aurora_edc.__all__]
    errors = [
        obj for obj in exported if isinstance(obj, type) and issubclass(obj, Exception)
    ]

    assert errors
    assert all(issubclass(error, aurora_edc.AuroraEDCError) for error in errors)


def test_all_private_modules_import() -> None:
    """Every module of the package imports cleanly (no optional extra needed)."""
    optional = {"aurora_edc._dask"}
    for module in pkgutil.walk_packages(aurora_edc.__path__, "aurora_edc."):
        if module.name not in optional:
            importlib.import_module(module.name)


def test_typed_marker_is_shipped() -> None:
    """The package ships ``py.typed`` so type checkers use its annotations."""
    files = importlib.resources.files("aurora_edc")

    assert files.joinpath("py.typed").is_file()


def test_lazy_table_covers_all_and_nothing_else() -> None:
    """Each name of ``__all__`` is either imported eagerly or in the lazy table."""
    eager = {
        name
        for name in aurora_edc.__all__
        if name in vars(aurora_edc) and name not in aurora_edc._LAZY
    }
    lazy = set(aurora_edc._LAZY)

    assert lazy | eager == set(aurora_edc.__all__)
    assert not lazy & eager


def test_importing_the_package_loads_no_heavy_dependency() -> None:
    """``import aurora_edc`` alone loads neither rdflib, pySHACL, signxml nor httpx."""
    code = (
        "import sys, aurora_edc\n"
        "heavy = {'rdflib', 'pyshacl', 'signxml', 'httpx', 'lxml.etree'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert found.stdout.strip() == "[]"
