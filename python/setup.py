"""Builds libcredal with CMake from the repository around this folder (or takes the library at
$CREDAL_LIBRARY) and ships it inside the package: `pip install ./python` is the one command.
The C dependencies (HDF5, the codecs) come from scripts/deps.sh, as for the CLI."""
import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def library():
    given = os.environ.get("CREDAL_LIBRARY")
    if given:
        return given
    build = os.path.join(ROOT, "build-python")
    extra = os.environ.get("CREDAL_CMAKE_ARGS", "").split()  # e.g. -DCREDAL_CUDA=ON
    subprocess.check_call(["cmake", "-S", ROOT, "-B", build, "-DCMAKE_BUILD_TYPE=Release",
                           "-DCREDAL_TESTS=OFF", *extra], stdout=subprocess.DEVNULL)
    subprocess.check_call(["cmake", "--build", build, "--target", "credal", "-j",
                           str(os.cpu_count() or 2)], stdout=subprocess.DEVNULL)
    return os.path.join(build, "libcredal.so")


class BuildWithLibrary(build_py):
    def run(self):
        target = os.path.join(HERE, "credal", "_lib")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(os.path.realpath(library()), os.path.join(target, "libcredal.so.0"))
        super().run()


setup(cmdclass={"build_py": BuildWithLibrary})
