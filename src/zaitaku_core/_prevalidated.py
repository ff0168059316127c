"""Instances of frozen models made from values validated already, without validating them again.

The reports and the core's checks make many small models from records the registry has validated: a report
at 400 indicators holds 2,400 chart bars, and a nation-wide run makes tens of thousands of findings. What
:func:`assembler` gives is ``model_construct`` made lean: no Python loop over the fields, and one fields-set
shared by the instances (each instance's own would be one more object for the garbage collector to scan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel

__all__ = ["assembler", "fields_set_shareable"]

_Model = TypeVar("_Model", bound=BaseModel)


def fields_set_shareable(model: type[BaseModel]) -> bool:
    """Whether instances of ``model`` may share one fields-set: pydantic changes a frozen model's fields-set in
    place only on a copy (``model_copy`` copies it first), unless the model allows extra fields, has private
    attributes or a ``model_post_init``."""
    config = model.model_config
    return bool(
        config.get("frozen")
        and config.get("extra") != "allow"
        and not model.__private_attributes__
        and not model.__pydantic_post_init__
    )


def assembler(model: type[_Model], given: Iterable[str] | None = None) -> Callable[[dict[str, Any]], _Model]:
    """A function making an instance of ``model`` from a dict of all its fields, each exactly as validation
    would give it (a ``float`` field gets a float, a tuple field a tuple, an enum field its member), without
    validating them again: the dict becomes the instance's ``__dict__``. ``given`` names the fields the
    instances record as set (``model_fields_set``; default all), so that they equal in that too what
    validating the dict another path builds gives (one that leaves the other fields to their defaults).

    For a frozen model without private attributes, extra fields or ``model_post_init`` (its fields-set,
    shared, is then never changed in place: ``model_copy`` copies it first), and without validator methods
    (``@model_validator``, ``@field_validator``): validation would run them and assembly never does, so the
    two could differ once one is added. Validators in a field's type (``Annotated[..., BeforeValidator]``)
    are the caller's to have applied, as every other part of validation.
    """
    if not fields_set_shareable(model) or model.__pydantic_root_model__:
        raise TypeError(
            f"{model.__name__} cannot be assembled: not frozen, or it allows extra fields, has private attributes "
            "or a post-init, or is a root model"
        )
    decorators = model.__pydantic_decorators__
    if (
        decorators.model_validators
        or decorators.field_validators
        or decorators.validators
        or decorators.root_validators
    ):
        raise TypeError(f"{model.__name__} cannot be assembled: it has validator methods, which assembly skips")
    fields_set = set(model.model_fields if given is None else given)
    if not fields_set <= model.model_fields.keys():
        raise TypeError(f"{model.__name__} has no field {sorted(fields_set - model.model_fields.keys())[0]!r}")
    new = object.__new__
    # The setters of BaseModel's four slots, bound once: ~0.1 us less an instance than object.__setattr__.
    set_dict, set_fields_set, set_extra, set_private = (
        BaseModel.__dict__[name].__set__
        for name in ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
    )

    def assemble(fields: dict[str, Any]) -> _Model:
        instance: _Model = new(model)
        set_dict(instance, fields)
        set_fields_set(instance, fields_set)
        set_extra(instance, None)
        set_private(instance, None)
        return instance

    return assemble
