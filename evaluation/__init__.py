"""Answer-quality evaluation: the assistant and two baselines on the held-out set (`make eval`)."""
