"""Experiment: check each JSON schema once, not on every ``jsonschema.validate`` call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate(result, schema)`` on every
action server reply. ``validate`` first checks the schema itself against the draft 2020-12 meta-schema, and
Rasa's events schema is large (a ``oneOf`` over every event type), so that self-check is about half of the Rasa
server's CPU per message (results/profile-ours.md). The reply itself is still validated each time, with the
same validator class and the same error; only the schema's self-check is remembered, keyed by the schema's
canonical JSON (so an edited schema is checked again).

Loaded only when this folder is on PYTHONPATH (``BENCH_ENV="PYTHONPATH=bench/experiments/schema_checked_once"``):
Python imports ``sitecustomize`` at start-up. The project's own code does not use it.
"""

from __future__ import annotations

import functools
import json

import jsonschema
from jsonschema import exceptions, validators

_original_validate = jsonschema.validate


@functools.lru_cache(maxsize=64)
def _checked_validator(canonical_schema: str):
    schema = json.loads(canonical_schema)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(instance, schema, cls=None, *args, **kwargs):
    """``jsonschema.validate`` with the schema's self-check done once per distinct schema."""
    if cls is not None or args or kwargs:
        return _original_validate(instance, schema, cls, *args, **kwargs)
    validator = _checked_validator(json.dumps(schema, sort_keys=True))
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error
    return None


jsonschema.validate = validate
