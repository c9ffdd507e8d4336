"""From option values, an input file or a batch line to a validated request body.

Everything goes through the model's ``ModelBinding.build_input``; problems come
back as one :class:`InputProblems` error whose messages name each field the
way the user wrote it: ``--seed`` on the command line, ``seed`` in a file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click
from pydantic import BaseModel, ValidationError

from ..binding import MediaField, ModelBinding
from ..errors import InvalidInputError
from ..files import MAX_MEDIA_BYTES, encode_media
from ..model_types import MediaKind
from ..suggest import suggestion
from .params import Media, is_media_reference
from .problems import InputProblems
from .registry import ModelCommands

__all__ = ["FieldInfo", "InputProblems", "InputShape", "Labels"]

Labels = Literal["option", "wire"]

# Stands in for a local file while only validating (the file is read when sent).
_PLACEHOLDER = "data:application/octet-stream;base64,"
_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class FieldInfo:
    dest: str
    wire: str
    option: str
    media: MediaField | None
    multiple: bool
    text: bool
    """Holds text (a string, a choice or a media reference): CSV cells are kept as written."""


def _is_text_type(param: click.Option) -> bool:
    if param.is_flag or param.multiple:
        return False
    return isinstance(param.type, click.types.StringParamType | click.Choice | Media)


class InputShape:
    """The inputs of one model as the command line and files see them."""

    def __init__(
        self, commands: ModelCommands, binding: ModelBinding[Any, Any], *, labels: Labels
    ) -> None:
        self.model_id = commands.info.model_id
        self.binding = binding
        self.labels = labels
        fields: dict[str, FieldInfo] = {}
        for param in commands.params:
            if not isinstance(param, click.Option) or param.name is None:
                continue
            dest = param.name
            fields[dest] = FieldInfo(
                dest=dest,
                wire=commands.fields.get(dest, dest),
                option=param.opts[0],
                media=binding.media.get(dest),
                multiple=param.multiple,
                text=_is_text_type(param),
            )
        self.fields = fields
        self.by_wire = {info.wire: dest for dest, info in fields.items()}
        self._has_media = any(info.media is not None for info in fields.values())

    # -- naming --------------------------------------------------------------

    def label(self, dest: str) -> str:
        info = self.fields.get(dest)
        if info is None:
            return dest
        return info.option if self.labels == "option" else info.wire

    def dest_of(self, key: str) -> str | None:
        """The field a key names: its wire name, or its Python name."""
        dest = self.by_wire.get(key)
        if dest is None and key in self.fields:
            dest = key
        return dest

    def text_keys(self) -> frozenset[str]:
        """Wire names of the fields that hold text (for CSV cells)."""
        return frozenset(info.wire for info in self.fields.values() if info.text)

    # -- collecting ------------------------------------------------------------

    def from_options(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The options that were given (None and empty repeatable options are not sent)."""
        params: dict[str, Any] = {}
        for dest, value in values.items():
            if dest not in self.fields or value is None or value == ():
                continue
            params[dest] = list(value) if isinstance(value, tuple) else value
        return params

    def from_mapping(
        self, data: Mapping[str, Any], base: Path | None, root: Path | None = None
    ) -> dict[str, Any]:
        """An input object from a file (keys are wire names) as parameters.

        Media strings that are not URLs name local files, relative to ``base``;
        with ``root``, only files below that folder (the inputs may come from
        someone else, and a file would be uploaded).
        """
        params: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in data.items():
            dest = self.dest_of(key)
            if dest is None:
                hint = suggestion(key, sorted(self.by_wire), noun="inputs")
                problems.append(f"{key}: not an input of {self.model_id}; {hint}")
                continue
            if value is None:
                continue
            info = self.fields[dest]
            if info.media is not None:
                value = self._media_from_text(info, value, base, problems)
                if root is not None:
                    _confine(self.label(dest), value, root, problems)
            params[dest] = value
        if problems:
            raise InputProblems(self.model_id, problems)
        return params

    def _media_from_text(
        self, info: FieldInfo, value: Any, base: Path | None, problems: list[str]
    ) -> Any:
        assert info.media is not None
        if info.media.many:
            if not isinstance(value, list):
                problems.append(f"{self.label(info.dest)}: expected a list of URLs or files")
                return value
            return [_as_local(item, base) for item in value]
        return _as_local(value, base)

    # -- files -----------------------------------------------------------------

    def encode_files(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Local files read and turned into ``data:`` URIs (size limits checked first)."""
        return self._each_file(params, _encode_file)

    def check_files(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Like :meth:`encode_files` without reading: checks each file and stands in for it."""
        return self._each_file(params, _check_file)

    def _each_file(self, params: Mapping[str, Any], convert: _FileStep) -> dict[str, Any]:
        """``params`` with each media value (each item of a list) passed through ``convert``;
        every problem found is reported at once."""
        if not self._has_media:
            return dict(params)
        problems: list[str] = []
        result = dict(params)
        for dest, value in params.items():
            info = self.fields.get(dest)
            if info is None or info.media is None:
                continue
            label, kind = self.label(dest), info.media.kind
            if isinstance(value, list):
                result[dest] = [convert(item, label, kind, problems) for item in value]
            else:
                result[dest] = convert(value, label, kind, problems)
        if problems:
            raise InputProblems(self.model_id, problems)
        return result

    # -- validating ------------------------------------------------------------

    def validate(self, params: Mapping[str, Any]) -> BaseModel:
        """The model's Input, through ``ModelBinding.build_input``; raises InputProblems."""
        try:
            model: BaseModel = self.binding.build_input(params)
        except InvalidInputError as exc:
            cause = exc.__context__  # pydantic's report, kept out of tracebacks (from None)
            if isinstance(cause, ValidationError):
                raise InputProblems(self.model_id, self._describe(cause)) from None
            raise InputProblems(self.model_id, [exc.message]) from exc
        return model

    def payload(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The request body for ``params``: files read, validated, only given fields."""
        return self.binding.payload(self.validate(self.encode_files(params)))

    def check(self, params: Mapping[str, Any]) -> None:
        """Validate without reading any file."""
        self.validate(self.check_files(params))

    def _describe(self, exc: ValidationError) -> list[str]:
        problems = []
        for error in exc.errors(include_url=False):
            location = list(error["loc"])
            head = location[0] if location else None
            dest = self.dest_of(head) if isinstance(head, str) else None
            if dest is not None:
                where = self.label(dest)
            elif head is not None:
                where = str(head)
            else:
                where = "input"
            where += "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in location[1:]
            )
            if error["type"] == "missing":
                problems.append(f"{where}: required, not given")
            else:
                problems.append(f"{where}: {self.binding.explain(error)}")
        return problems


def _as_local(value: Any, base: Path | None) -> Any:
    if not isinstance(value, str) or is_media_reference(value):
        return value
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return path


def _confine(label: str, value: Any, root: Path, problems: list[str]) -> None:
    """Report local files in ``value`` that lie outside ``root`` (symbolic links resolved)."""
    paths = [
        item for item in (value if isinstance(value, list) else [value]) if isinstance(item, Path)
    ]
    if not paths:
        return
    top = root.resolve()
    for item in paths:
        if not item.resolve().is_relative_to(top):
            problems.append(
                f"{label}: {os.fspath(item)!r} is outside {os.fspath(top)!r}: files in batch "
                "lines are read only below the inputs file's folder (or the --files-from folder)"
            )


_FileStep = Callable[[Any, str, MediaKind, list[str]], Any]
"""What happens to one media value: (value, field label, media kind, problems) -> new value."""


def _encode_file(value: Any, label: str, kind: MediaKind, problems: list[str]) -> Any:
    if not isinstance(value, Path):
        return value
    try:
        return encode_media(value, kind, field=label)
    except InvalidInputError as exc:
        problems.append(exc.message)
        return value


def _check_file(value: Any, label: str, kind: MediaKind, problems: list[str]) -> Any:
    if not isinstance(value, Path):
        return value
    limit = MAX_MEDIA_BYTES[kind]
    try:
        stat = value.stat()
    except FileNotFoundError:
        problems.append(f"{label}: file not found: {os.fspath(value)!r}")
        return value
    except OSError as exc:
        problems.append(f"{label}: cannot read {os.fspath(value)!r}: {exc.strerror or exc}")
        return value
    if not value.is_file():
        problems.append(f"{label}: {os.fspath(value)!r} is not a file")
    elif stat.st_size > limit:
        problems.append(
            f"{label}: file {os.fspath(value)!r} is {stat.st_size / _MB:.1f} MB, "
            f"over the {limit // _MB} MB limit"
        )
    return _PLACEHOLDER
