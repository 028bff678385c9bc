"""Rasa featurizers: dense sentence features for the intent classifier."""
