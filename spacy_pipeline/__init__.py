"""The project's own spaCy pipeline: tokenizer, lookup lemmatizer and EntityRuler.

No pretrained spaCy model can be downloaded where this assistant runs, so the
pipeline is built from ``spacy.blank("en")`` and the entity patterns kept as data
in ``entity_patterns.yml``; Rasa's ``SpacyNLP`` loads the result by path.
"""
