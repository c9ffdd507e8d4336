"""``ModelBinding``: what a generated model module calls to validate, submit and run.

A generated module declares its pydantic ``Input``/``Output`` models and which
input fields are media, and delegates everything else to one binding.
"""

# The public API names per-call limits `timeout`, like the sync twin.
# ruff: noqa: ASYNC109

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Generic, Literal, get_args, get_origin

from pydantic import AliasChoices, BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .async_client import AsyncJob, AsyncRunComfy
from .client import Job, RunComfy
from .defaults import get_default_async_client, get_default_client
from .errors import InvalidInputError
from .files import encode_media
from .model_types import InputT, MediaField, OutputT
from .suggest import suggestion
from .waiting import StatusCallback
from .wire import validate_model_id

__all__ = ["InputT", "MediaField", "ModelBinding", "OutputT"]

_MAX_SHOWN_INPUT = 60


def _wire_name(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    if isinstance(alias, str):
        return alias
    if isinstance(alias, AliasChoices):
        for choice in alias.choices:
            if isinstance(choice, str):
                return choice
    return field.alias or name


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN_INPUT else text[: _MAX_SHOWN_INPUT - 3] + "..."


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    """The values of the ``Literal`` inside ``annotation`` (``X | None``, ``list[X]``...)."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    for arg in get_args(annotation):
        found = _literal_values(arg)
        if found is not None:
            return found
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic class inside ``annotation`` (a nested object field), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _choices_at(model: type[BaseModel] | None, location: Sequence[int | str]) -> Any:
    """The allowed values of the field at a validation error's location, if it is an enum."""
    annotation: Any = None
    for part in location:
        if isinstance(part, int):
            continue  # an item of a list: the list's annotation holds the item's type
        if model is None:
            return None
        fields = {_wire_name(name, f): f for name, f in model.model_fields.items()}
        field = fields.get(part) or model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        model = _model_in(annotation)
    return _literal_values(annotation)


class ModelBinding(Generic[InputT, OutputT]):
    """Validation and the request lifecycle of one model, keyed by Python field names."""

    def __init__(
        self,
        model_id: str,
        input_type: type[InputT],
        output_type: type[OutputT],
        media: Mapping[str, MediaField],
        nullable: Collection[str] = (),
        timing_inputs: Sequence[str] = (),
    ) -> None:
        self.model_id = validate_model_id(model_id)
        self.timing_inputs = tuple(timing_inputs)
        """The inputs (wire names) whose values drive the run time; see ``timings``."""
        self.input_type = input_type
        self.output_type = output_type
        self.media = dict(media)
        self._wire_names = {
            name: _wire_name(name, field) for name, field in input_type.model_fields.items()
        }
        self._python_names = {wire: name for name, wire in self._wire_names.items()}
        unknown = (set(self.media) | set(nullable)) - set(self._wire_names)
        if unknown:
            raise ValueError(f"fields not in {input_type.__name__}: {sorted(unknown)}")
        # Fields whose schema allows null; any other field set to None is simply not sent.
        self._null_ok = frozenset(self._wire_names[name] for name in nullable)

    def __repr__(self) -> str:
        return f"ModelBinding({self.model_id!r})"

    def build_input(self, params: Mapping[str, Any] | InputT) -> InputT:
        """Validate keyword parameters into the input model.

        ``None`` means "not set". Media values (URLs, Paths, bytes, files) are
        encoded first. Problems raise InvalidInputError naming the fields.
        """
        if isinstance(params, self.input_type):
            return params
        if not isinstance(params, Mapping):
            raise InvalidInputError(
                f"{self.model_id}: expected a mapping of parameters or a "
                f"{self.input_type.__name__}, got {type(params).__name__}"
            )
        data: dict[str, Any] = {}
        for name, value in params.items():
            if value is None:
                continue
            wire = self._wire_names.get(name)
            if wire is None:
                raise InvalidInputError(
                    f"{self.model_id}: unknown parameter {name!r}; "
                    + suggestion(name, sorted(self._wire_names), noun="parameters")
                )
            media = self.media.get(name)
            data[wire] = value if media is None else self._encode(name, value, media)
        try:
            return self.input_type.model_validate(data)
        except ValidationError as exc:
            # Only our message is shown: pydantic's own report (dozens of lines for one wrong
            # value) stays reachable as the error's __context__.
            raise InvalidInputError(self._describe(exc)) from None

    def _encode(self, name: str, value: Any, media: MediaField) -> Any:
        if not media.many:
            return encode_media(value, media.kind, field=name)
        if isinstance(value, str | bytes | bytearray) or not isinstance(value, Sequence):
            raise InvalidInputError(f"{name}: expected a list of {media.kind} inputs")
        return [
            encode_media(item, media.kind, field=f"{name}[{index}]")
            for index, item in enumerate(value)
        ]

    def _describe(self, exc: ValidationError) -> str:
        problems = []
        for error in exc.errors(include_url=False):
            location = list(error["loc"])
            if location and isinstance(location[0], str):
                location[0] = self._python_names.get(location[0], location[0])
            where = ".".join(str(part) for part in location) or "input"
            problems.append(f"{where}: {self.explain(error)}")
        return f"Invalid input for {self.model_id}: " + "; ".join(problems)

    def explain(self, error: ErrorDetails) -> str:
        """What is wrong, for one pydantic error: a wrong enum value gets the closest allowed
        values and a "did you mean" rather than every allowed value."""
        if error["type"] == "missing":
            return str(error["msg"])
        wrong = error.get("input")
        choices = _choices_at(self.input_type, error["loc"])
        if error["type"] == "literal_error" and choices:
            return f"{_shown(wrong)} is not allowed; {suggestion(wrong, choices)}"
        return f"{error['msg']} (got {_shown(wrong)})"

    def payload(self, model: InputT) -> dict[str, Any]:
        """The request body: exactly the fields that were set (plus required ones), by wire name.

        ``None`` means "not set" (as for keyword parameters) unless the field's schema allows
        null: ``Input(seed=None)`` sends no ``seed`` rather than a null the API would refuse.
        """
        body = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return {
            wire: value
            for wire, value in body.items()
            if value is not None or wire in self._null_ok
        }

    def submit(
        self,
        params: Mapping[str, Any] | InputT,
        *,
        client: RunComfy | None = None,
        timeout: float | None = None,
    ) -> Job[OutputT]:
        """Validate and queue a job; ``timeout`` bounds the submit request (seconds)."""
        body = self.payload(self.build_input(params))
        runner = client or get_default_client()
        return runner.submit(
            self.model_id,
            body,
            output_type=self.output_type,
            timeout=timeout,
            timing_inputs=self.timing_inputs,
        )

    def run(
        self,
        params: Mapping[str, Any] | InputT,
        *,
        client: RunComfy | None = None,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        """Submit and wait for the output; ``timeout`` is the overall deadline (seconds)."""
        job = self.submit(params, client=client)
        return job.wait(timeout=timeout, on_update=on_update, cancel_on_timeout=cancel_on_timeout)

    def job(self, request_id: str, *, client: RunComfy | None = None) -> Job[OutputT]:
        """Rebuild a job of this model from its request id."""
        runner = client or get_default_client()
        return runner.job(request_id, self.model_id, output_type=self.output_type)

    async def submit_async(
        self,
        params: Mapping[str, Any] | InputT,
        *,
        client: AsyncRunComfy | None = None,
        timeout: float | None = None,
    ) -> AsyncJob[OutputT]:
        body = self.payload(self.build_input(params))
        runner = client or get_default_async_client()
        return await runner.submit(
            self.model_id,
            body,
            output_type=self.output_type,
            timeout=timeout,
            timing_inputs=self.timing_inputs,
        )

    async def run_async(
        self,
        params: Mapping[str, Any] | InputT,
        *,
        client: AsyncRunComfy | None = None,
        timeout: float | None = None,
        on_update: StatusCallback | None = None,
        cancel_on_timeout: bool = False,
    ) -> OutputT:
        job = await self.submit_async(params, client=client)
        return await job.wait(
            timeout=timeout, on_update=on_update, cancel_on_timeout=cancel_on_timeout
        )

    def job_async(
        self, request_id: str, *, client: AsyncRunComfy | None = None
    ) -> AsyncJob[OutputT]:
        runner = client or get_default_async_client()
        return runner.job(request_id, self.model_id, output_type=self.output_type)
