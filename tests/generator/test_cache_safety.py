"""The generator's cache can never run code: it is JSON read into the generator's own classes,
and a cache file the generator did not write itself (copied with a tree, force-added to git,
made by another user) is ignored."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest
from runcomfy_codegen.cache import _MAGIC, CACHE_FILE, KEY_FILE, Analysed, Cache, key_folder
from runcomfy_codegen.cache_codec import CacheFormatError, Codec
from runcomfy_codegen.pipeline.diagnostics import Diagnostic, Level
from runcomfy_codegen.pipeline.write import CACHE_DIR

from .support import SCHEMAS, run_cli, tree

SEED = SCHEMAS / "ideogram" / "ideogram-v3" / "reframe.json"


class _Boom:
    """Unpickling this creates the marker file: the proof that a pickle ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def key_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (where the signing key lives)."""
    home = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def _generate_seed(tmp_path: Path) -> tuple[Path, Path]:
    """The seed model alone, generated into ``tmp_path/out``."""
    schemas = tmp_path / "schemas"
    (schemas / "ideogram" / "ideogram-v3").mkdir(parents=True)
    shutil.copy(SEED, schemas / "ideogram" / "ideogram-v3" / "reframe.json")
    out = tmp_path / "out"
    result = run_cli("generate", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    return schemas, out


@pytest.fixture
def small_tree(tmp_path: Path, key_home: Path) -> tuple[Path, Path]:
    return _generate_seed(tmp_path)


def _hits(out: Path) -> int:
    """How many schema analyses the cache of ``out`` would give back."""
    return len(Cache.load(out)._old.analysed)


def test_the_key_lives_outside_the_output_folder(small_tree: tuple[Path, Path]) -> None:
    _, out = small_tree
    key = key_folder() / KEY_FILE
    assert key.is_file() and not key.resolve().is_relative_to(out.resolve())
    assert key.stat().st_mode & 0o077 == 0  # readable by its owner only
    data = (out / CACHE_DIR / CACHE_FILE).read_bytes()
    assert data.startswith(_MAGIC)
    json.loads(data.split(b"\n", 2)[2])  # JSON text, not a pickle
    assert _hits(out) == 1


@pytest.mark.parametrize("magic", [_MAGIC, b"runcomfy-codegen cache 3\n"])
@pytest.mark.parametrize("name", [CACHE_FILE, "cache.pickle"])
def test_a_foreign_pickle_never_runs(
    small_tree: tuple[Path, Path], tmp_path: Path, magic: bytes, name: str
) -> None:
    schemas, out = small_tree
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Boom(marker))
    for body in (payload, b"0" * 64 + b"\n" + payload):
        (out / CACHE_DIR / name).write_bytes(magic + body)
        for args in (("--check",), ()):
            result = run_cli("generate", *args, "--schemas", schemas, "--out", out)
            assert result.exit_code == 0, result.stderr
            assert not marker.exists()


def test_a_cache_signed_with_another_key_is_ignored(
    small_tree: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree copied from another machine (or user) brings its cache along: it is not read."""
    schemas, out = small_tree
    assert _hits(out) == 1
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    assert _hits(out) == 0
    result = run_cli("generate", "--check", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert _hits(out) == 0  # --check saves nothing


def test_an_edited_cache_is_ignored(small_tree: tuple[Path, Path]) -> None:
    schemas, out = small_tree
    path = out / CACHE_DIR / CACHE_FILE
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"error"', b'"warning"').replace(b"reframe", b"refrane"))
    assert path.read_bytes() != data
    assert _hits(out) == 0
    before = tree(out)
    result = run_cli("generate", "--schemas", schemas, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert tree(out) == before
    assert _hits(out) == 1  # rewritten, signed again


def test_without_a_usable_key_nothing_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the key folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    _, out = _generate_seed(tmp_path)
    assert not (out / CACHE_DIR / CACHE_FILE).exists()


def test_the_codec_round_trips_and_refuses_other_classes() -> None:
    codec = Codec([Analysed, Diagnostic])
    value = Analysed(None, (Diagnostic("f", "/p", Level.ERROR, "m"),))
    back = codec.loads(codec.dumps(value), Analysed)
    assert back == value and type(back.diagnostics) is tuple
    assert type(back.diagnostics[0].level) is Level
    for foreign in (
        b'{"$c": "Popen", "f": ["id"]}',
        b'{"$c": "Diagnostic", "f": ["f"]}',
        b'{"$c": "Analysed", "f": [null, [{"$c": "Diagnostic", "f": ["f", "/", "loud", "m"]}]]}',
        b'{"$c": "Analysed", "f": [null, ["not a diagnostic"]]}',
        b'{"$c": "Analysed", "f": [null, []], "x": 1}',
        b'{"plain": "object"}',
        b"\x80\x04\x95",
    ):
        with pytest.raises(CacheFormatError):
            codec.loads(foreign, Analysed)
    with pytest.raises(TypeError):
        codec.dumps({"not stored": object()})
