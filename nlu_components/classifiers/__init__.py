"""Rasa intent classifiers: the trained one, and the screen that sends unusable input to nlu_fallback."""
