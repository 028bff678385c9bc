"""Extensions of Rasa 3.6 loaded by the servers: the default tracker store, its helpers, the speed-ups.

- ``sqlite_tracker_store``: Rasa's SQL schema in SQLite (the default store), with
  ``retention`` (idle conversations deleted) and ``save_watch`` (tell the channel
  whether a conversation was really stored);
- ``rasa_speedups``: measured fixes for Rasa's per-message overhead, fenced by version
  and switchable (docs/upgrading-rasa.md);
- ``without_jax``: JAX marked absent before Rasa imports TensorFlow, which loads it for nothing (~65 MB);
- ``speedups_switch``: ``RASA_SPEEDUPS``, the one switch those two follow, read without importing Rasa;
- ``header_token``: the HTTP API token accepted in an ``Authorization`` header;
- ``atomic_redis_lock_store`` and ``postgres_tracker_store``: for several Rasa servers (``make cluster``,
  docs/cluster.md), a lock store whose ticket changes are atomic Lua scripts, and Rasa's SQL store telling the
  channel when a turn was not stored.
"""
