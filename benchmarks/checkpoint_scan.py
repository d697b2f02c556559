"""Cost of the workspace scan behind turn checkpoints (``tandem.checkpoints.scan``).

For each workspace size, a synthetic tree of source-like files (4 KiB each, 50 per folder) is
created in a temporary folder; then:

- cold: the first scan of the workspace (every file read, hashed and stored — what a thread's
  first mutating tool call pays once per workspace and machine);
- warm: a scan of the unchanged tree in a new process's scanner (stat only, from the scan cache);
- 10 changed: a scan after 10 files were rewritten (those are re-read).

Also ``--tree PATH`` scans a real folder (e.g. this repository) the same way (read only; the object
store lives in a temporary folder). Run: ``.venv/bin/python benchmarks/checkpoint_scan.py``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from tandem.checkpoints.home import CheckpointHome
from tandem.checkpoints.scan import WorkspaceScanner, scan_cache_name

FILE = ("def function_{n}(value):\n    return value * {n}\n\n" * 90)[:4096]


def make_tree(root: Path, files: int) -> None:
    for n in range(files):
        folder = root / f"pkg{n // 50:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{n:06d}.py").write_text(FILE.replace("{n}", str(n)))


def scanner(root: Path, home: CheckpointHome) -> WorkspaceScanner:
    return WorkspaceScanner(root, home.store, home.root / "scans" / scan_cache_name(root))


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def measure(root: Path, home_dir: Path, runs: int) -> dict[str, float]:
    home = CheckpointHome(home_dir)
    cold = timed(lambda: scanner(root, home).scan())
    warm = statistics.median(timed(lambda: scanner(root, home).scan()) for _ in range(runs))
    files = sorted(p for p in root.rglob("*.py"))[:10]

    def change_and_scan() -> float:
        for path in files:
            path.write_text(path.read_text() + "# edited\n")
        return timed(lambda: scanner(root, home).scan())

    changed = statistics.median(change_and_scan() for _ in range(runs))
    count = len(scanner(root, home).scan().files)
    return {"files": count, "cold_ms": cold, "warm_ms": warm, "changed_ms": changed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tree", type=Path, help="also scan this real folder")
    args = parser.parse_args()
    print("| workspace | files | cold scan | warm scan (no change) | scan after 10 files changed |")
    print("|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "work"
            make_tree(root, size)
            r = measure(root, Path(tmp) / "home", args.runs)
            print(
                f"| synthetic, 4 KiB files | {r['files']:.0f} | {r['cold_ms']:.0f} ms | {r['warm_ms']:.1f} ms | "
                f"{r['changed_ms']:.1f} ms |"
            )
    if args.tree:
        with tempfile.TemporaryDirectory() as tmp:
            home = CheckpointHome(Path(tmp))
            root = args.tree.resolve()
            cold = timed(lambda: scanner(root, home).scan())
            warm = statistics.median(timed(lambda: scanner(root, home).scan()) for _ in range(args.runs))
            count = len(scanner(root, home).scan().files)
            print(f"| {root.name} (real tree) | {count} | {cold:.0f} ms | {warm:.1f} ms | — |")


if __name__ == "__main__":
    main()
