"""The project's Rasa NLU components, named in config.yml and grouped by kind (as rasa-nlu-examples does).

- ``featurizers``: the MiniLM sentence embedding as a dense feature;
- ``classifiers``: the logistic-regression intent classifier and the unusable-input classifier;
- ``extractors``: the EntityRuler's entities with canonical values.

``code_fingerprint`` keys Rasa's training cache on all the code a trained model depends on.
"""
