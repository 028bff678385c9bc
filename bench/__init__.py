"""`make bench`: latency, throughput, start-up time, memory and training time of the assistant.

Each figure is measured for this assistant and, in the same run and the same way, for the bot that
``rasa init`` creates, and reported as a ratio to it (results/bench.md, results/bench.json).
"""
