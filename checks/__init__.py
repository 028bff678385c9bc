"""Checks that the project's files agree with each other (domain, data, rules, knowledge file, seeds)."""
