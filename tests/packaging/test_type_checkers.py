"""Type checkers see the installed package as users do, after the README's setup.

A script using the public API (sync and async, named enum types, optional outputs) passes
``mypy --strict`` and pyright; a wrong enum value or a misspelled keyword fails both. (The
README's own Python blocks are checked verbatim by test_readme.py.) Checked against this environment (the README's setup: an
editable install) and against a plain install of the built wheel.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from user_typecheck import mypy_error_lines, pyright_error_lines
from wheel_build import build_wheel

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"

USER_SCRIPT = """
from pathlib import Path

from runcomfy_models import AsyncRunComfy, RemoteFile
from runcomfy_models.ideogram.ideogram_v3 import reframe


def main(request_id: str) -> None:
    out = reframe.run(image="https://example.com/cat.png", resolution="1152:864 (4:3)")
    out.file().save("cat-4x3.png")
    saved: list[Path] = out.save_all("out/")
    maybe: RemoteFile | None = out.image
    job = reframe.submit(image=Path("cat.png"), resolution="1024:1024 (1:1)")
    print(job.request_id, job.status(), job.cancel(), saved, maybe)
    out = job.wait(timeout=600)
    job = reframe.job(request_id)
    size: reframe.Resolution = "1152:864 (4:3)"
    reframe.run(image=b"png", resolution=size, rendering_speed="TURBO", seed=1)


async def main_async() -> None:
    async with AsyncRunComfy() as client:
        out = await reframe.run_async(
            image="https://example.com/cat.png", resolution="1152:864 (4:3)", client=client
        )
        await out.file().asave("cat.png")
"""

MISTAKES = {
    "wrong value": 'reframe.run(image="https://example.com/cat.png", resolution="4:3")',
    "misspelled keyword": (
        'reframe.run(image="https://example.com/cat.png", resolution="1152:864 (4:3)", '
        'rendering_sped="TURBO")'
    ),
    "wrong value of a named type": 'size: reframe.Resolution = "4:3"',
    "optional field used as a file": 'reframe.Output().image.save("cat.png")',
}


def _check(tmp_path: Path, python: str) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    assert mypy_error_lines(script, python) == []
    assert pyright_error_lines(script, python) == []
    lines = USER_SCRIPT.splitlines()
    mistakes = [*lines, "", "from runcomfy_models.ideogram.ideogram_v3 import reframe"]
    expected = []
    for mistake in MISTAKES.values():
        mistakes.append(mistake)
        expected.append(len(mistakes))
    script.write_text("\n".join(mistakes) + "\n", encoding="utf-8")
    assert mypy_error_lines(script, python) == expected
    assert pyright_error_lines(script, python) == expected


@pytest.mark.slow
def test_the_readme_script_type_checks_after_the_readme_setup(tmp_path: Path) -> None:
    # This environment is the README's: `bash .ci/setup` (an editable install of generated/).
    _check(tmp_path, sys.executable)


@pytest.mark.slow
def test_the_readme_script_type_checks_against_the_installed_wheel(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    zipfile.ZipFile(wheel).extractall(site)  # what installing the wheel puts in site-packages
    # httpx, pydantic and click come from this environment; a path in a .pth file does not
    # load that folder's own .pth files, so the editable install of generated/ stays out.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run(
        [str(python), "-c", "import runcomfy_models; print(runcomfy_models.__file__)"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert Path(probe.stdout.strip()).is_relative_to(site)
    _check(tmp_path, str(python))
