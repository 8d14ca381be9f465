"""The small CNN of notebooks 01, 04 and 07, in one room.

- :mod:`.data`: seeded image sets (digits, synthetic shapes).
- :mod:`.models`: :class:`SmallCNN`, a convolutional body with a head chosen by
  name, and ``count_multiply_adds`` (its body's and head's share).
- :mod:`.heads`: flatten and pooling heads, and their costs as formulas.
- :mod:`.counting`: parameters and multiply-adds counted from any real module.
- :mod:`.training`: seeded training and head comparisons.
- :mod:`.cam`: class activation maps; :mod:`.cbam`: CBAM's spatial attention.
- :mod:`.channel_attention`: SE, CBAM's channel attention and maxout (04).
"""
