"""Rasa NLU component: send unusable input to ``nlu_fallback`` on every channel.

The intent classifier always picks *some* intent. For "🙂🙂🙂" it picked
``goodbye``, and the goodbye rule answered without any custom action seeing the
text. Overriding the intent here, after the classifiers, makes every such
message go through ``action_clarify``, whose screen explains what went wrong.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu_components.stateless_component import StatelessComponent
from text_screens.message_screen import InputProblem, screen_message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnusableInputClassifier(StatelessComponent):
    """Empty, symbol-only or non-English text becomes ``nlu_fallback`` with certainty."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the predicted intent of messages the FAQ model cannot read."""
        for message in messages:
            if screen_message(message.get(TEXT)) is InputProblem.NONE:
                continue
            fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1.0}
            ranking = [fallback, *(message.get(INTENT_RANKING_KEY) or [])]
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
