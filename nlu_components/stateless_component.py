"""Base for Rasa graph components that have nothing to train or persist."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from nlu_components.code_fingerprint import CodeFingerprinted


class StatelessComponent(CodeFingerprinted, GraphComponent):
    """Nothing to train or load: its behaviour is a pure function of the message and its configuration."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        # Rasa passes the config with get_default_config() merged in; direct callers may pass nothing.
        self.config = {**self.get_default_config(), **(config or {})}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Rasa's constructor hook: no storage to read, only the configuration."""
        return cls(config)
