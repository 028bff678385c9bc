"""Rasa entity extractors: the spaCy EntityRuler's matches, reported with canonical values."""
