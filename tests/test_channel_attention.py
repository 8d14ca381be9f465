"""SE, CBAM's channel attention and maxout (gpool_helpers.cnn.channel_attention), against plain torch."""

from __future__ import annotations

import pytest
import torch

from gpool_helpers import ChannelAttention, SqueezeExcite, channel_mlp, global_depth_pool, maxout


def seeded(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _by_hand_weights(x, mlp, squeezes):
    # Written from the papers' equations, one sample and one channel at a time.
    rows = []
    for n in range(x.shape[0]):
        total = 0
        for squeeze in squeezes:
            pooled = torch.stack([squeeze(x[n, c]) for c in range(x.shape[1])])
            hidden = torch.relu(mlp[0].weight @ pooled + mlp[0].bias)
            total = total + mlp[2].weight @ hidden + mlp[2].bias
        rows.append(torch.sigmoid(total))
    return torch.stack(rows)


@pytest.mark.parametrize("shape, reduction", [((1, 8, 4, 4), 4), ((3, 16, 5, 7), 16), ((2, 3, 1, 1), 16)])
def test_squeeze_excite_is_gap_mlp_sigmoid_scale(shape, reduction):
    x = seeded(*shape, seed=1)
    block = SqueezeExcite(shape[1], reduction, generator=torch.Generator().manual_seed(2))
    weights = block.channel_weights(x)
    assert weights.shape == shape[:2]
    torch.testing.assert_close(weights, _by_hand_weights(x, block.mlp, [torch.mean]))
    torch.testing.assert_close(block(x), x * weights.reshape(*shape[:2], 1, 1))


@pytest.mark.parametrize("shape", [(1, 8, 4, 4), (2, 32, 3, 6)])
def test_channel_attention_adds_avg_and_max_through_one_mlp(shape):
    x = seeded(*shape, seed=3)
    block = ChannelAttention(shape[1], 4, generator=torch.Generator().manual_seed(4))
    weights = block.channel_weights(x)
    torch.testing.assert_close(weights, _by_hand_weights(x, block.mlp, [torch.mean, torch.max]))
    # Not SE: the max squeeze changes the weights.
    se_only = torch.sigmoid(block.mlp(x.mean(dim=(2, 3))))
    assert not torch.allclose(weights, se_only)
    assert bool(((weights > 0) & (weights < 1)).all())
    torch.testing.assert_close(block(x), x * weights[:, :, None, None])


def test_parameter_count_is_two_linear_layers():
    # C -> C/r -> C with biases: 2 * C * C/r + C/r + C.
    assert sum(p.numel() for p in SqueezeExcite(8, 4).parameters()) == 2 * 8 * 2 + 2 + 8
    assert sum(p.numel() for p in ChannelAttention(256).parameters()) == 2 * 256 * 16 + 16 + 256
    assert channel_mlp(3, 16)[0].out_features == 1  # at least one hidden unit


def test_generator_makes_the_weights_reproducible_without_global_state():
    torch.manual_seed(0)
    before = torch.rand(1)
    a = SqueezeExcite(8, 4, generator=torch.Generator().manual_seed(5))
    b = SqueezeExcite(8, 4, generator=torch.Generator().manual_seed(5))
    torch.manual_seed(0)
    assert torch.equal(torch.rand(1), before)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


@pytest.mark.parametrize("shape, pieces", [((1, 8, 4, 4), 2), ((2, 12, 3, 5), 3), ((2, 6, 7), 6)])
def test_maxout_is_the_max_over_consecutive_channel_groups(shape, pieces):
    x = seeded(*shape, seed=6)
    out = maxout(x, pieces)
    groups = shape[1] // pieces
    assert out.shape == (shape[0], groups, *shape[2:])
    for g in range(groups):
        by_hand = x[:, g * pieces : (g + 1) * pieces].max(dim=1).values
        assert torch.equal(out[:, g], by_hand)


def test_maxout_with_one_group_is_global_depth_max_pooling():
    x = seeded(3, 8, 4, 4, seed=7)
    assert torch.equal(maxout(x, 8), global_depth_pool(x, mode="max"))
    assert torch.equal(maxout(x, 1), x)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="multiple of pieces; got 8 channels and pieces=3"):
        maxout(seeded(1, 8, 4, 4), 3)
    with pytest.raises(TypeError, match=r"maxout expects a tensor shaped \(N, C, \*spatial\)"):
        maxout(seeded(8, 4), 2)
    with pytest.raises(ValueError, match="SqueezeExcite was built for 8 channels; got shape"):
        SqueezeExcite(8, 4)(seeded(1, 6, 4, 4))
    with pytest.raises(ValueError, match=r"ChannelAttention expects a tensor shaped \(N, C, H, W\)"):
        ChannelAttention(8, 4)(seeded(8, 4, 4))
    with pytest.raises(TypeError, match="reduction"):
        SqueezeExcite(8, 2.0)
