"""Prometheus metrics (``GET /metrics``) and optional JSON logs for both servers.

``rasa_metrics`` is loaded by ``python -m service.rasa_server``, ``action_metrics``
by ``python -m actions``; ``json_logs`` by both when ``LOG_FORMAT=json``. What
each metric means and what to alert on: docs/deployment.md.
"""
