"""The Sanic blueprint each of this project's input channels builds its routes on."""

from __future__ import annotations

import inspect

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint


def channel_blueprint(channel: InputChannel, prefix: str) -> Blueprint:
    """An empty blueprint named ``{prefix}_{channel class}``, in the channel's module, as Rasa names its own.

    Sanic refuses two blueprints with one name; the class name keeps a subclass's apart from its parent's.
    """
    module = inspect.getmodule(channel)
    return Blueprint(f"{prefix}_{type(channel).__name__}", module.__name__ if module else None)
