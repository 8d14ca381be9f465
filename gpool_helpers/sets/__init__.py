"""Sets of tokens (notebook 08): the experiment of which global pooling answers which question about a set.

- :mod:`.tasks`: the sets, the Deep Sets model, its training over seeds and the table of results.

A room above :mod:`gpool_helpers.pooling` (it trains with ``masked_pool``), below ``viz`` and ``widgets``.
"""
