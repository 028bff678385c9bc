"""Scale-out on one machine (``make cluster``): PostgreSQL, Redis, two action servers, two Rasa servers, nginx.

- ``stack``: each piece as a supervised server, the generated nginx and Redis configuration, start and stop;
- ``__main__``: ``python -m cluster``, which starts it all, prints the addresses and stops it on Ctrl+C or SIGTERM;
- ``endpoints.yml``: the Rasa servers' endpoints (PostgreSQL tracker store, Redis lock store, the actions behind nginx).

docs/cluster.md describes the topology, the lock-store finding and the measured recovery times.
"""
