"""Screens of a message's text that act before any answer, shared by the NLU pipeline and the actions.

``message_screen``: empty, symbols-only or non-English input (the NLU's unusable-input
classifier and the actions). ``complication_screen``: a described complication and how
urgent it is (the actions, the forms and the evaluation).
"""
