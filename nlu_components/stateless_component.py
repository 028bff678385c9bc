"""Base for Rasa graph components that have nothing to train or persist."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from nlu_components.code_fingerprint import CodeFingerprinted


class StatelessComponent(CodeFingerprinted, GraphComponent):
    """Created without configuration or storage; its behaviour is a pure function of the message."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Rasa's constructor hook: nothing to read, so just instantiate."""
        return cls()
