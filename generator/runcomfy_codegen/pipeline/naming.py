"""The one naming authority: every Python or CLI name derived from schema text comes from here.

Names are pure functions of the value they are made from (never of a list position), so an
upstream change to one property, enum or model never renames another. Every result is checked
with ``str.isidentifier()`` before it leaves this module.
"""

from __future__ import annotations

import builtins
import hashlib
import keyword
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from anyascii import anyascii

MAX_MODEL_ID_LENGTH = 512
"""The runtime's limit (``_runtime/wire.py``); a longer id would generate and then fail every call."""

_MODEL_ID_FORBIDDEN = frozenset("?#\\%")
"""Characters the runtime refuses in an id segment (they would end or escape the URL path)."""


def model_id_problem(model_id: str) -> str:
    """Why the runtime would refuse ``model_id`` (empty when it accepts it), plus the generator's
    own rule that an id has at least two segments (``owner/name``).

    This mirrors ``validate_model_id`` of the runtime, which the generator does not import; a
    test keeps the two in agreement. Spaces and capitals are allowed (RunComfy publishes both):
    the runtime percent-encodes each segment in the URL.
    """
    if len(model_id) > MAX_MODEL_ID_LENGTH:
        return f"is longer than {MAX_MODEL_ID_LENGTH} characters, which the runtime refuses"
    if model_id.startswith("/") or "\\" in model_id:
        return "must not be an absolute path (nor hold a backslash)"
    segments = model_id.split("/")
    if any(s in (".", "..") for s in segments):
        return "must not contain '.' or '..' segments"
    if "" in segments:
        return "has an empty segment"
    if len(segments) < 2:
        return "must have at least two segments ('owner/name')"
    for segment in segments:
        if _MODEL_ID_FORBIDDEN & set(segment):
            return "must not contain '?', '#' or '%'"
        if not segment.isprintable():
            return "contains a control, format or other unprintable character"
        if segment != segment.strip():
            return "has a segment that begins or ends with white space"
    return ""


_PYDANTIC_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "fields",
        "from_orm",
        "json",
        "mro",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "register",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
    }
)
"""BaseModel attributes a field may not shadow, its metaclass's ``mro`` and ``register`` too
(``model_*`` is handled by prefix)."""

CALL_PARAMETERS = frozenset({"client", "timeout", "on_update", "cancel_on_timeout"})
"""Keyword arguments of the generated ``run``/``submit`` that belong to the runtime."""

RESERVED_CLI_OPTIONS = frozenset(
    {"help", "json", "download", "timeout", "wait", "no-wait", "input-file", "version"}
)
"""Options of ``runcomfy-models run`` that are not model inputs."""

_FIELD_RESERVED = (
    frozenset(keyword.kwlist)
    | frozenset(keyword.softkwlist)
    | frozenset(dir(builtins))
    | _PYDANTIC_RESERVED
    | CALL_PARAMETERS
    | {"l", "O", "I"}  # ruff E741: ambiguous with 1 and 0
)
_MODULE_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | {"annotations"}

PACKAGE_API = frozenset(
    {
        "get_model",
        "list_models",
        "importlib",
        "aclose_default_async_client",
        "backoff_delay",
        "close_default_client",
        "download_all",
        "download_all_async",
        "encode_media",
        "get_default_async_client",
        "get_default_client",
        "parse_retry_after",
        "set_default_async_client",
        "set_default_client",
    }
)
"""Lowercase names of ``runcomfy_models`` itself: importing a submodule binds its name on the
package, so a model id's first segment must never be one of them (``get-model/x``)."""

MODEL_MODULE_API = frozenset({"run", "run_async", "submit", "submit_async", "job", "job_async"})
"""Lowercase names of a model module: a model below another (``a/b/run`` under ``a/b``) must not
replace the parent's function with a submodule."""


class NamingError(ValueError):
    """Two values that must have distinct names cannot be told apart."""


def short_hash(value: str, length: int = 6) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _ascii_words(text: str) -> str:
    """Transliterate to ASCII and keep only ``[A-Za-z0-9_]``, single underscores between words."""
    ascii_text = anyascii(text)
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", ascii_text)
    return cleaned.strip("_")


def _checked(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise NamingError(f"internal error: {name!r} is not a usable identifier")
    return name


def _sanitize(text: str, reserved: frozenset[str], fallback: str) -> str:
    name = _ascii_words(text)
    if not name:
        name = f"{fallback}_{short_hash(text)}"
    if name[0].isdigit():
        name = f"n_{name}"
    if name in reserved or name.startswith("model_"):
        name += "_"
    return name


_PYDANTIC_PROTECTED = ("model_dump", "model_validate")
"""Pydantic's protected namespaces: a field named with one of these prefixes makes pydantic warn
when the class is created (an error for users who run with warnings as errors)."""


OUTPUT_METHODS = frozenset(
    {"file", "files", "save_all", "asave_all", "cost", "raw", "extras", "output_kind"}
)
"""Methods of every output class (``ModelOutput``): an output field may not shadow them."""


def field_base_name(wire_name: str, reserved: frozenset[str] = frozenset()) -> str:
    """The Python name for a property before collision handling (see :func:`field_names`)."""
    name = _sanitize(wire_name, _FIELD_RESERVED | reserved, "field")
    if name.startswith(_PYDANTIC_PROTECTED):
        name = "field_" + name.rstrip("_")
    return _checked(name)


@dataclass(frozen=True)
class Renamed:
    """A property whose Python name differs from its wire name because of a collision."""

    wire_name: str
    python_name: str
    collides_with: tuple[str, ...]


def field_names(
    wire_names: Iterable[str], reserved: frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[Renamed]]:
    """Assign Python names to the properties of one object (``reserved``: more names to avoid).

    A wire name that sanitizes to the same name as another keeps the plain name only if it is
    that name verbatim; every other member of the group gets a suffix hashed from its own wire
    name. The result is independent of the order of ``wire_names``.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for wire in sorted(set(wire_names)):
        groups[field_base_name(wire, reserved)].append(wire)
    names: dict[str, str] = {}
    renamed: list[Renamed] = []
    for base, wires in groups.items():
        if len(wires) == 1:
            names[wires[0]] = base
            continue
        for wire in wires:
            if wire == base:
                names[wire] = base
            else:
                names[wire] = _checked(f"{base}_{short_hash(wire)}")
                others = tuple(w for w in wires if w != wire)
                renamed.append(Renamed(wire, names[wire], others))
    if len(set(names.values())) != len(names):
        raise NamingError("property names collide even after hashing; rename one upstream")
    return names, renamed


def module_segment(segment: str, reserved: frozenset[str] = frozenset()) -> str:
    """One model id segment as a module name: ``ideogram-v3`` -> ``ideogram_v3``, ``4K`` ->
    ``n_4k``; a name in ``reserved`` gets a trailing underscore."""
    # Lowercase after transliterating too: ``anyascii`` can give capitals (``⺀`` -> ``Bing``).
    name = _ascii_words(segment.lower()).lower()
    if not name:
        name = f"m_{short_hash(segment.lower())}"
    if name[0].isdigit():
        name = f"n_{name}"
    if name in _MODULE_RESERVED | reserved or name.startswith("model_"):
        name += "_"
    return _checked(name)


def module_parts(model_id: str) -> tuple[str, ...]:
    """The model's module path below ``runcomfy_models`` before collisions are resolved
    (lowercase; see :func:`module_paths` for the names actually used)."""
    first, *rest = model_id.split("/")
    return (
        module_segment(first, PACKAGE_API),
        *(module_segment(s, MODEL_MODULE_API) for s in rest),
    )


def _claim(segment: str, base: str) -> tuple[bool, int, int, str]:
    """Who keeps the plain name when sibling segments collide: the one spelled exactly like it,
    then the one with fewest capitals, then the one with most dots (``wan-2.7`` over ``wan-2-7``:
    a version number), then the first in code point order."""
    return (segment != base, sum(ch.isupper() for ch in segment), -segment.count("."), segment)


def module_paths(model_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The module path of every model, distinct for distinct ids.

    Sibling segments (same parent package) that map to one name (``wan-2.7`` and ``wan-2-7``,
    ``4K`` and ``4k``) do not refuse the run: one keeps the plain name (see :func:`_claim`) and
    every other gets a suffix hashed from its own segment (``wan_2_7_3f9a1c``). Both depend on
    the colliding spellings only, never on the order of ``model_ids``.
    """
    ids = sorted(set(model_ids))
    resolved: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    depth = max((len(i.split("/")) for i in ids), default=0)
    for level in range(1, depth + 1):
        prefixes = sorted({tuple(i.split("/")[:level]) for i in ids if i.count("/") >= level - 1})
        groups: dict[tuple[tuple[str, ...], str], list[tuple[str, ...]]] = defaultdict(list)
        for prefix in prefixes:
            reserved = PACKAGE_API if level == 1 else MODEL_MODULE_API
            base = module_segment(prefix[-1], reserved)
            groups[(resolved[prefix[:-1]], base)].append(prefix)
        taken = {(parent, base) for parent, base in groups}
        for (parent, base), members in sorted(groups.items()):
            members.sort(key=lambda p: _claim(p[-1], base))
            resolved[members[0]] = (*parent, base)
            for prefix in members[1:]:
                length = 6
                name = f"{base}_{short_hash(prefix[-1], length)}"
                while (parent, name) in taken:
                    length += 2
                    name = f"{base}_{short_hash(prefix[-1], length)}"
                taken.add((parent, name))
                resolved[prefix] = (*parent, _checked(name))
    return {i: resolved[tuple(i.split("/"))] for i in ids}


def class_prefix(model_id: str) -> str:
    """PascalCase class name stem from the model id (never from a schema ``title``)."""
    words = re.split(r"[^A-Za-z0-9]+", anyascii(model_id))
    stem = "".join(w[:1].upper() + w[1:] for w in words if w)
    if not stem or stem[0].isdigit():
        stem = f"M{stem}"
    return _checked(stem)


def cli_option(python_name: str) -> str:
    """The ``--option`` of the generated CLI for an input field (without the dashes)."""
    option = python_name.strip("_").replace("_", "-").lower() or "value"
    if option in RESERVED_CLI_OPTIONS or option.startswith("no-"):
        option = f"param-{option}"
    return option


def cli_options(python_names: Mapping[str, str]) -> dict[str, str]:
    """CLI options for one model's fields keyed by wire name; collisions get a hashed suffix."""
    groups: dict[str, list[str]] = defaultdict(list)
    for wire, py in sorted(python_names.items()):
        groups[cli_option(py)].append(wire)
    options: dict[str, str] = {}
    for option, wires in groups.items():
        for wire in wires:
            options[wire] = option if len(wires) == 1 else f"{option}-{short_hash(wire)}"
    return options


def type_names(python_names: Iterable[str], taken: Iterable[str]) -> dict[str, str]:
    """A CamelCase type name per field name (``rendering_speed`` -> ``RenderingSpeed``).

    A name already ``taken`` (a class, an import, another field's type) gets ``Value`` appended
    until it is free; the fields are handled in sorted order, so the result depends only on the
    names themselves.
    """
    used = set(taken)
    names: dict[str, str] = {}
    for python_name in sorted(python_names):
        words = [w for w in python_name.split("_") if w]
        name = "".join(w[:1].upper() + w[1:] for w in words) or "Choice"
        if name[0].isdigit():
            name = "N" + name
        while name in used:
            name += "Value"
        used.add(name)
        names[python_name] = _checked(name)
    return names


_LOWER_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "to"})


def display_name(model_id: str) -> str:
    """A readable name for a model whose catalog entry has none, from its id.

    The owner is left out (the model's own name follows it), words are split on
    ``-``, ``_`` and ``/`` and begin with a capital, except short joining words:
    ``bytedance/seedance-2.5/text-to-video/720p`` is ``Seedance 2.5 Text to Video 720p``.
    """
    segments = [s for s in model_id.split("/") if s]
    words = [w for s in (segments[1:] or segments) for w in s.replace("_", "-").split("-") if w]
    shown = []
    for index, word in enumerate(words):
        if index and word in _LOWER_WORDS:
            shown.append(word)
        elif word[:1].islower():
            shown.append(word[0].upper() + word[1:])
        else:
            shown.append(word)
    return " ".join(shown) or model_id
