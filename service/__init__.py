"""Start and stop the assistant's two processes (action server and Rasa server): the one start path.

``launcher`` (``make run``, ``make shell``, the tests and the benchmark), ``supervisor``
(restart with back-off), ``rasa_server`` (Rasa's command line with the project's
extensions applied) and ``ports``.
"""
