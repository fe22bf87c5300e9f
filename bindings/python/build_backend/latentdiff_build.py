"""The PEP 517 build backend of the latentdiff Python package, standard library only.

The wheel holds the module (src/latentdiff) and the libLatentDiff.so that scripts/dist.sh builds
(dist/lib of the repository, or the file LATENTDIFF_WHEEL_LIBRARY names); it is tagged for this
platform (py3-none-linux_<machine>), since it carries a native library. The version is
LD_VERSION_STRING of include/latentdiff.h. Metadata comes from pyproject.toml's [project] table.

    python3 bindings/python/build_backend/latentdiff_build.py OUT_DIR   # what scripts/dist.sh runs
"""
import base64
import hashlib
import os
import platform
import re
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(HERE)                       # bindings/python
ROOT = os.path.dirname(os.path.dirname(PROJECT))      # the repository
# Fixed timestamps: the same inputs give the same wheel, byte for byte.
EPOCH = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    pass


def _project():
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        raise BuildError("building the latentdiff wheel needs Python 3.11 or later (tomllib); "
                         "installing the wheel needs 3.8") from None
    with open(os.path.join(PROJECT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]


def _version():
    header = os.path.join(ROOT, "include", "latentdiff.h")
    try:
        text = open(header).read()
    except OSError as error:
        raise BuildError(f"cannot read the version from {header}: {error}") from None
    match = re.search(r'^#define LD_VERSION_STRING "([^"]+)"', text, re.M)
    if not match:
        raise BuildError(f"no LD_VERSION_STRING in {header}")
    return match.group(1)


def _library():
    path = os.environ.get("LATENTDIFF_WHEEL_LIBRARY") or os.path.join(ROOT, "dist", "lib", "libLatentDiff.so.0")
    if not os.path.isfile(path):
        raise BuildError(f"{path} not found: run scripts/dist.sh first (or set LATENTDIFF_WHEEL_LIBRARY "
                         "to a libLatentDiff.so.0)")
    return path


def _metadata(project, version):
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {version}",
             f"Summary: {project['description']}", f"Requires-Python: {project['requires-python']}",
             f"License: {project['license']['text']}"]
    lines += [f"Classifier: {c}" for c in project.get("classifiers", [])]
    lines += [f"Requires-Dist: {d}" for d in project.get("dependencies", [])]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements]
    readme = open(os.path.join(PROJECT, project["readme"]), encoding="utf-8").read()
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + readme


def _tag():
    machine = platform.machine().lower().replace("-", "_")
    return f"py3-none-linux_{machine}"


class _Wheel:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED)
        self.records = []

    def add(self, name, data, mode=0o644):
        info = zipfile.ZipInfo(name, EPOCH)
        info.external_attr = (0o100000 | mode) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.records.append(f"{name},sha256={digest},{len(data)}")

    def close(self, record_name):
        self.records.append(f"{record_name},,")
        info = zipfile.ZipInfo(record_name, EPOCH)
        info.external_attr = (0o100644) << 16
        self.zip.writestr(info, "\n".join(self.records) + "\n")
        self.zip.close()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """PEP 517: builds the wheel into wheel_directory and returns its file name."""
    project, version = _project(), _version()
    library = _library()
    name = project["name"]
    dist_info = f"{name}-{version}.dist-info"
    filename = f"{name}-{version}-{_tag()}.whl"
    os.makedirs(wheel_directory, exist_ok=True)
    target = os.path.join(wheel_directory, filename)
    wheel = _Wheel(target + ".part")
    try:
        package = os.path.join(PROJECT, "src", name)
        for entry in sorted(os.listdir(package)):
            if entry.endswith(".py") or entry == "py.typed":
                wheel.add(f"{name}/{entry}", _read(os.path.join(package, entry)))
        # Under its SONAME, as the dynamic loader would look for it.
        wheel.add(f"{name}/libLatentDiff.so.0", _read(library), 0o755)
        wheel.add(f"{dist_info}/METADATA", _metadata(project, version).encode())
        wheel.add(f"{dist_info}/WHEEL", (f"Wheel-Version: 1.0\nGenerator: latentdiff_build\nRoot-Is-Purelib: false\n"
                                         f"Tag: {_tag()}\n").encode())
        license_path = os.path.join(ROOT, "LICENSE")
        if os.path.isfile(license_path):
            wheel.add(f"{dist_info}/LICENSE", _read(license_path))
        wheel.close(f"{dist_info}/RECORD")
    except BaseException:
        wheel.zip.close()
        os.unlink(target + ".part")
        raise
    os.replace(target + ".part", target)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    """PEP 517: the project's sources (not the library) as a .tar.gz; building a wheel from it
    needs a LatentDiff checkout's dist/ or LATENTDIFF_WHEEL_LIBRARY."""
    project, version = _project(), _version()
    base = f"{project['name']}-{version}"
    filename = f"{base}.tar.gz"
    os.makedirs(sdist_directory, exist_ok=True)
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for folder, _, files in sorted(os.walk(PROJECT)):
            if "__pycache__" in folder:
                continue
            for file in sorted(files):
                path = os.path.join(folder, file)
                tar.add(path, arcname=os.path.join(base, os.path.relpath(path, PROJECT)))
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: latentdiff_build.py OUT_DIR")
    try:
        print(os.path.join(sys.argv[1], build_wheel(sys.argv[1])))
    except BuildError as error:
        sys.exit(f"error: {error}")
