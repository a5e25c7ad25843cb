"""Demo districts for benches: generated once per (scale, seed) under bench/out, loaded on demand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import BENCH_DIR

OUT = BENCH_DIR / "out"


def demo_input(scale: int, seed: int = 2011) -> Path:
    """The demo roster at this scale: .xlsx at scale 1, a CSV folder above (fast to read)."""
    from graph.loaders.demo import generate

    OUT.mkdir(parents=True, exist_ok=True)
    target = OUT / (f"demo-s{scale}-{seed}.xlsx" if scale == 1 else f"demo-s{scale}-{seed}")
    done = OUT / f".{target.name}.done"
    if not done.exists():
        generate(target, scale=scale, seed=seed, progress=True)
        done.touch()
    return target


def embedded_home(scale: int, seed: int = 2011) -> Path:
    """Where :func:`loaded_embedded` keeps its store (the SQLite format; older runs' pickles live
    under the previous name and are never read)."""
    return OUT / f"embedded-sqlite-s{scale}-{seed}"


def loaded_embedded(scale: int, seed: int = 2011) -> Any:
    """An EmbeddedStore holding the demo district at this scale (kept between runs)."""
    from graph.loaders import load_roster
    from graph.store.embedded import EmbeddedStore

    home = embedded_home(scale, seed)
    store = EmbeddedStore(home)
    if not (home / ".loaded").exists():
        load_roster(demo_input(scale, seed), store)
        (home / ".loaded").touch()
    return store
