"""Build armtcg: the Cython extensions and the `armtcg` console script."""

import os
import sys

from setuptools import Extension, find_packages, setup

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def write_opcodes_pxi():
    # The interpreter's op constants come from the one IR table.
    from tcg.ir_ops import cython_constants
    path = os.path.join(HERE, "tcg", "opcodes.pxi")
    text = cython_constants()
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def write_generated(path, text):
    path = os.path.join(HERE, path)
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def write_abi():
    # The shared constants come from the one table of runtime/abi.py.
    from runtime import abi
    write_generated(os.path.join("runtime", "include", "abi.h"), abi.c_header())
    write_generated(os.path.join("runtime", "abi.pxi"), abi.cython_decls())


def extensions():
    from Cython.Build import cythonize
    write_opcodes_pxi()
    write_abi()
    inc = [os.path.join("runtime", "include"), "."]
    opts = dict(include_dirs=inc, extra_compile_args=["-O2", "-fno-strict-aliasing",
                                                      "-Wno-unused-function"])
    exts = [
        Extension("runtime.core", ["runtime/core.pyx"], **opts),
        Extension("tcg.interp", ["tcg/interp.pyx"], **opts),
    ]
    return cythonize(exts, include_path=["."], language_level=3,
                     compiler_directives={"boundscheck": False, "wraparound": False})


setup(
    name="armtcg",
    version="0.1.0",
    description="ARMv7-A system emulator built like QEMU's TCG",
    packages=find_packages(include=["tcg", "frontend", "backend", "runtime", "runtime.*"]),
    package_data={"runtime": ["include/*.h", "*.pxd", "*.pxi"], "tcg": ["*.pxi"]},
    ext_modules=extensions(),
    python_requires=">=3.9",
    install_requires=["cython>=3", "llvmlite", "pyelftools", "capstone", "rich", "pylibfdt"],
    extras_require={"test": ["pytest", "pytest-benchmark", "pytest-xdist", "unicorn"]},
    entry_points={"console_scripts": ["armtcg=tcg.cli:main"]},
)
