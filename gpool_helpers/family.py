"""The wider family of global pooling, beyond average and max.

Every kind is a function and an ``nn.Module`` twin, like :mod:`gpool_helpers.pooling`,
with the same input rules (see :mod:`gpool_helpers._validation`): inputs are
floating-point tensors shaped (N, C, *spatial) with 1 to 3 spatial dims.

- ``adaptive_bins``: the (start, end) windows ``nn.AdaptiveAvgPool1d`` uses;
  ``classic_spp_window``: SPP-net's fixed kernel and stride, and the size they really give.
- ``spatial_pyramid_pool`` / ``SpatialPyramidPool``: adaptive pooling at several
  output sizes, flattened and concatenated: (N, C, H, W) -> (N, C * sum(l*l)),
  the same length for every input size (He et al. 2014, arXiv:1406.4729).
- ``avgmax_pool`` / ``AvgMaxPool``: the mean of global average and global max.
- ``catavgmax_pool`` / ``CatAvgMaxPool``: average and max side by side, (N, 2C).
- ``gem_pool`` / ``GeM``: generalised mean, (mean(x^p))^(1/p), p learnable in the
  module (Radenovic, Tolias, Chum 2018, arXiv:1711.02512).
- ``lse_pool`` / ``LSEPool``: log-sum-exp, a smooth max with sharpness r
  (Pinheiro, Collobert 2015, arXiv:1411.6228).
- ``topk_pool`` / ``TopKPool``: the mean of the k largest values of each map.
- ``attention_pool`` / ``AttentionPool``: a learned query attends over the H*W
  positions (CLIP's attention pooling, simplified; Radford et al. 2021,
  arXiv:2103.00020).
- ``measure_work``: kernels run and tensor elements touched by one call, the
  machine-independent cost column of notebook 06.

GeM, LSE, top-k and avgmax all sit between the mean and the max: each has a
knob (p, r, k, or the fixed 1/2) that slides from one to the other.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, NamedTuple, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils._python_dispatch import TorchDispatchMode

from ._shapes import spatial_dims, spatial_positions
from ._validation import check_choice, check_pool_input, describe

SPP_MODES = ("max", "avg")
DEFAULT_LEVELS = (1, 2, 4)

_ADAPTIVE = {
    "max": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d},
    "avg": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
}


# ----------------------------------------------------------------------------
# Argument checks: one wording for every knob
# ----------------------------------------------------------------------------


def _check_size(value: object, argument: str, function_name: str) -> int:
    # bool is an int subclass; True as a size is always a slip.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{function_name} expects {argument} to be a positive int; got {describe(value)}")
    if value < 1:
        raise ValueError(f"{function_name} expects {argument} to be a positive int; got {value}")
    return int(value)


def _check_positive(value: object, argument: str, function_name: str) -> float | Tensor:
    """A positive finite number, or a one-element tensor holding one (a learnable knob)."""
    if isinstance(value, Tensor):
        if value.numel() != 1 or not value.dtype.is_floating_point:
            raise TypeError(
                f"{function_name} expects {argument} to be a positive number or a one-element "
                f"float tensor; got {describe(value)}"
            )
        number = float(value.detach())
    elif isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{function_name} expects {argument} to be a positive number; got {describe(value)}")
    else:
        number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{function_name} expects {argument} to be a positive finite number; got {number}")
    return value  # type: ignore[return-value]


def _check_levels(levels: object, function_name: str) -> tuple[int, ...]:
    if isinstance(levels, (numbers.Integral, str)) or not isinstance(levels, Sequence):
        raise TypeError(
            f"{function_name} expects levels to be a sequence of positive ints such as (1, 2, 4); "
            f"got {levels!r} (for one level write ({levels!r},))"
        )
    if len(levels) == 0:
        raise ValueError(f"{function_name} expects at least one level such as (1, 2, 4); got {tuple(levels)}")
    return tuple(_check_size(level, "every level", function_name) for level in levels)


# ----------------------------------------------------------------------------
# Adaptive pooling windows and spatial pyramid pooling
# ----------------------------------------------------------------------------


def adaptive_bins(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """The half-open windows [start, end) adaptive pooling reads, one per output cell.

    For output index i: start = floor(i * in / out), end = ceil((i + 1) * in / out),
    the rule inside ``nn.AdaptiveAvgPool1d`` and its 2-D and 3-D siblings (which
    apply it to each dim). When ``in_size`` is not a multiple of ``out_size`` the
    windows differ in length and neighbours overlap: 5 -> 3 gives
    [(0, 2), (1, 4), (3, 5)]. ``out_size`` may exceed ``in_size``; windows then repeat.
    """
    in_size = _check_size(in_size, "in_size", "adaptive_bins")
    out_size = _check_size(out_size, "out_size", "adaptive_bins")
    # Integer arithmetic: float division would round some large sizes wrongly.
    return [((i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)) for i in range(out_size)]


class ClassicWindow(NamedTuple):
    """One level of SPP-net's hand-computed pooling: a fixed kernel and stride."""

    kernel_size: int
    stride: int
    #: How many cells ``max_pool`` with this kernel and stride really gives;
    #: ``None`` when the stride is 0, which ``max_pool`` rejects.
    output_size: int | None
    #: How many cells the level was meant to give (n).
    wanted_size: int

    @property
    def correct(self) -> bool:
        return self.output_size == self.wanted_size


def classic_spp_window(in_size: int, out_size: int) -> ClassicWindow:
    """The kernel and stride of the SPP-net paper, and the size they really give.

    He et al. (2014) pool an a x a map into n x n cells with a sliding window of
    kernel ceil(a / n) and stride floor(a / n). That gives n cells only for some
    (a, n): a = 7, n = 4 has kernel 2, stride 1 and gives 6 cells, not 4.
    ``F.adaptive_max_pool2d(x, n)`` (see :func:`adaptive_bins`) always gives n.
    """
    in_size = _check_size(in_size, "in_size", "classic_spp_window")
    out_size = _check_size(out_size, "out_size", "classic_spp_window")
    kernel_size = -(-in_size // out_size)
    stride = in_size // out_size
    output_size = None if stride == 0 else (in_size - kernel_size) // stride + 1
    return ClassicWindow(kernel_size, stride, output_size, out_size)


def spatial_pyramid_pool(x: Tensor, levels: Sequence[int] = DEFAULT_LEVELS, mode: str = "max") -> Tensor:
    """Spatial pyramid pooling: (N, C, H, W) -> (N, C * sum(l * l for l in levels)).

    Each level l pools every map into an l x l grid of adaptive windows (l cells
    along each spatial dim, so l**d cells for d spatial dims); the grids are
    flattened channel by channel and concatenated, level after level. The length
    depends only on C and ``levels``, never on H and W, which is what let SPP-net
    feed images of any size into fully connected layers (He et al. 2014,
    arXiv:1406.4729). Level 1 alone is global pooling.
    """
    check_pool_input(x, "spatial_pyramid_pool")
    levels = _check_levels(levels, "spatial_pyramid_pool")
    check_choice(mode, SPP_MODES, "mode", "spatial_pyramid_pool")
    if x.shape[1] == 0:
        # adaptive_max_pool rejects C = 0; the empty answer is still well defined.
        return x.new_zeros(x.shape[0], 0)
    pool = _ADAPTIVE[mode][x.dim() - 2]
    return torch.cat([pool(x, level).flatten(1) for level in levels], dim=1)


def spp_length(channels: int, levels: Sequence[int] = DEFAULT_LEVELS, spatial_rank: int = 2) -> int:
    """The length of :func:`spatial_pyramid_pool`'s vector, without running it."""
    levels = _check_levels(levels, "spp_length")
    return channels * sum(level**spatial_rank for level in levels)


# ----------------------------------------------------------------------------
# Mixtures of average and max
# ----------------------------------------------------------------------------


def avgmax_pool(x: Tensor) -> Tensor:
    """(global average + global max) / 2: (N, C, *spatial) -> (N, C).

    timm's ``adaptive_avgmax_pool2d`` at output size 1.
    """
    check_pool_input(x, "avgmax_pool")
    dims = spatial_dims(x)
    return 0.5 * (x.mean(dim=dims) + x.amax(dim=dims))


def catavgmax_pool(x: Tensor) -> Tensor:
    """Global average and global max side by side: (N, C, *spatial) -> (N, 2C).

    The first C features are the averages, the next C the maxima, in timm's order
    (``adaptive_catavgmax_pool2d``); a classifier after it needs 2C inputs.
    """
    check_pool_input(x, "catavgmax_pool")
    dims = spatial_dims(x)
    return torch.cat([x.mean(dim=dims), x.amax(dim=dims)], dim=1)


# ----------------------------------------------------------------------------
# Generalised mean (GeM), log-sum-exp (LSE), top-k
# ----------------------------------------------------------------------------


def gem_pool(x: Tensor, p: float | Tensor = 3.0, eps: float = 1e-6) -> Tensor:
    """Generalised mean pooling: (mean(clamp(x, eps) ** p)) ** (1 / p), (N, C, *spatial) -> (N, C).

    p = 1 is the average, and the result grows towards the max as p grows
    (Radenovic, Tolias, Chum, "Fine-tuning CNN Image Retrieval with No Human
    Annotation", 2018, arXiv:1711.02512). Values below ``eps`` count as ``eps``:
    GeM is meant for non-negative (post-ReLU) features, and a fractional power of
    a negative number is not real.

    Computed as m * (mean((x / m) ** p)) ** (1 / p) with m the map's max, the same
    number written so that nothing overflows: every x / m is at most 1, and the
    max's own term keeps the mean at least 1 / (H*W). So p = 100 on values near 10
    stays finite where x ** p would not. ``p`` may be a one-element tensor (the
    learnable p of :class:`GeM`); gradients reach x and p.
    """
    check_pool_input(x, "gem_pool")
    _check_positive(p, "p", "gem_pool")
    _check_positive(eps, "eps", "gem_pool")
    dims = spatial_dims(x)
    clamped = x.clamp(min=eps)
    if not torch.compiler.is_compiling():
        # The plain formula is two passes cheaper. Keep it whenever it provably
        # lost nothing: no power overflowed, and the mean is far enough above
        # the smallest normal float that terms which underflowed to 0 do not
        # matter. Under torch.compile this check would break the graph, so the
        # compiled path always rescales.
        plain = clamped.pow(p).mean(dim=dims)
        if _plain_power_mean_is_exact(plain):
            return plain.pow(1.0 / p)
    # The result does not depend on m, so m needs no gradient of its own.
    scale = clamped.amax(dim=dims, keepdim=True).detach()
    if torch.is_grad_enabled() and (x.requires_grad or (isinstance(p, Tensor) and p.requires_grad)):
        powered_mean = (clamped / scale).pow(p).mean(dim=dims)
    else:
        # No graph to keep: work in the clamped copy instead of allocating two
        # more full-size tensors (benchmarks/run.py: 1.9x -> about 1.05x of the
        # plain, overflow-prone formula at 64x2048x7x7).
        powered_mean = clamped.div_(scale).pow_(p).mean(dim=dims)
    return scale.flatten(1) * powered_mean.pow(1.0 / p)


def _plain_power_mean_is_exact(power_mean: Tensor) -> bool:
    """True when mean(x ** p) is finite everywhere and at least 2**24 times the
    smallest normal float: then every term that underflowed changed the mean by
    less than float32's rounding error. NaN fails both tests, so NaN input takes
    the rescaled path and still comes out NaN."""
    if power_mean.numel() == 0:
        return True
    info = torch.finfo(power_mean.dtype)
    # One fused pass for both ends; aminmax propagates NaN, which fails both tests.
    smallest, largest = torch.aminmax(power_mean)
    return bool(smallest >= info.tiny * 2**24) and bool(largest <= info.max)


#: Below this r, lse_pool takes the expm1/log1p path, which keeps its precision
#: as r -> 0; above it, torch.logsumexp, which is one fused kernel and faster.
LSE_SMALL_R = 0.1


def lse_pool(x: Tensor, r: float = 1.0) -> Tensor:
    """Log-sum-exp pooling: (1 / r) * log(mean(exp(r * x))), (N, C, *spatial) -> (N, C).

    r -> 0 approaches the average, large r the max (Pinheiro, Collobert, "From
    Image-level to Pixel-level Labeling with Convolutional Networks", 2015,
    arXiv:1411.6228). exp(r * x) overflows float32 once r * x passes about 88, so
    this computes the same number in the stable form
    m + (1 / r) * log(mean(exp(r * (x - m)))), m = the map's max, where every
    exponent is at most 0. ``torch.logsumexp`` does exactly that internally and
    is used for r >= ``LSE_SMALL_R``. For smaller r, subtracting log(H*W) from
    it would cancel most of the digits, so the shifted form is written out with
    ``expm1`` and ``log1p``, which keep their precision when r * (x - m) is tiny.
    """
    check_pool_input(x, "lse_pool")
    _check_positive(r, "r", "lse_pool")
    sharpness = float(r.detach()) if isinstance(r, Tensor) else float(r)
    if sharpness >= LSE_SMALL_R:
        # r = 1 is the default: skipping the scaling saves two kernels on small maps
        # (a tensor r keeps them, so it still gets a gradient).
        unit = sharpness == 1.0 and not isinstance(r, Tensor)
        scaled = x.flatten(2) if unit else r * x.flatten(2)
        pooled = torch.logsumexp(scaled, dim=2) - math.log(spatial_positions(x))
        return pooled if unit else pooled / r
    dims = spatial_dims(x)
    peak = x.amax(dim=dims, keepdim=True).detach()
    shifted_mean = torch.expm1(r * (x - peak)).mean(dim=dims)
    return peak.flatten(1) + torch.log1p(shifted_mean) / r


def _check_fraction(fraction: object, function_name: str) -> float:
    if isinstance(fraction, bool) or not isinstance(fraction, numbers.Real):
        raise TypeError(f"{function_name} expects fraction to be a number in (0, 1]; got {describe(fraction)}")
    if not 0 < fraction <= 1:
        raise ValueError(f"{function_name} expects fraction to be in (0, 1]; got {fraction}")
    return float(fraction)


def _topk_count(x: Tensor, k: object, fraction: object, function_name: str) -> int:
    positions = spatial_positions(x)
    if (k is None) == (fraction is None):
        raise TypeError(
            f"{function_name} expects exactly one of k (how many values) or fraction "
            f"(what share of the H*W positions); got k={k!r}, fraction={fraction!r}"
        )
    if k is not None:
        count = _check_size(k, "k", function_name)
        if count > positions:
            raise ValueError(
                f"{function_name} expects k between 1 and the number of positions in each map "
                f"({positions} for spatial size {tuple(x.shape[2:])}); got k={count}"
            )
        return count
    fraction = _check_fraction(fraction, function_name)
    # Round up, so any positive fraction keeps at least the max.
    return max(1, math.ceil(fraction * positions - 1e-9))


def topk_pool(x: Tensor, k: int | None = None, *, fraction: float | None = None) -> Tensor:
    """The mean of the k largest values of each map: (N, C, *spatial) -> (N, C).

    k = 1 is global max pooling, k = H*W global average pooling. Give either ``k``
    (a count) or ``fraction`` (a share of the H*W positions, rounded up, so the
    same setting fits every input size; WILDCAT's k_max works this way: Durand
    et al., CVPR 2017). The gradient reaches only the k chosen values.
    """
    check_pool_input(x, "topk_pool")
    count = _topk_count(x, k, fraction, "topk_pool")
    return x.flatten(2).topk(count, dim=2).values.mean(dim=2)


# ----------------------------------------------------------------------------
# Attention pooling
# ----------------------------------------------------------------------------


def attention_pool(
    x: Tensor,
    query: Tensor | None = None,
    key_weight: Tensor | None = None,
    value_weight: Tensor | None = None,
    num_heads: int = 1,
    return_weights: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """One query attends over the H*W positions: (N, C, *spatial) -> (N, C).

    Each position's C values form a token t. With keys k = W_k t and values
    v = W_v t (identity when a weight is ``None``), each head h scores every
    position by q_h . k_h / sqrt(C / num_heads), turns the scores into weights
    with a softmax over the positions, and returns the weighted sum of the
    values; the heads are concatenated back to C features.

    ``query`` has shape (C,); ``None`` means zeros, where every position gets the
    same weight and the result is exactly the global average. With
    ``return_weights=True`` it also returns the weights, shaped
    (N, num_heads, *spatial), each head's summing to 1 over the positions.
    """
    check_pool_input(x, "attention_pool")
    batch, channels = x.shape[:2]
    num_heads = _check_size(num_heads, "num_heads", "attention_pool")
    if channels % num_heads:
        raise ValueError(
            f"attention_pool expects the channel count to be divisible by num_heads; "
            f"got C={channels}, num_heads={num_heads}"
        )
    _check_parameter(query, (channels,), "query", x)
    _check_parameter(key_weight, (channels, channels), "key_weight", x)
    _check_parameter(value_weight, (channels, channels), "value_weight", x)
    head_size = channels // num_heads
    # (N, C, *spatial) -> (N, L, C): one token of C values per position.
    tokens = x.flatten(2).transpose(1, 2)
    keys = tokens if key_weight is None else tokens @ key_weight.T
    values = tokens if value_weight is None else tokens @ value_weight.T
    if query is None or channels == 0:
        scores = keys.new_zeros(batch, num_heads, tokens.shape[1])
    else:
        per_head_keys = keys.unflatten(2, (num_heads, head_size))  # (N, L, heads, d)
        per_head_query = query.reshape(num_heads, head_size)
        scores = torch.einsum("nlhd,hd->nhl", per_head_keys, per_head_query) / math.sqrt(head_size)
    weights = scores.softmax(dim=2)  # (N, heads, L)
    per_head_values = values.unflatten(2, (num_heads, head_size))
    pooled = torch.einsum("nhl,nlhd->nhd", weights, per_head_values).reshape(batch, channels)
    if return_weights:
        return pooled, weights.reshape(batch, num_heads, *x.shape[2:])
    return pooled


def _check_parameter(value: Tensor | None, shape: tuple[int, ...], argument: str, x: Tensor) -> None:
    if value is None:
        return
    if not isinstance(value, Tensor) or tuple(value.shape) != shape or not value.dtype.is_floating_point:
        raise ValueError(
            f"attention_pool expects {argument} to be a float tensor of shape {shape} "
            f"for an input with C={x.shape[1]}; got {describe(value)}"
        )


# ----------------------------------------------------------------------------
# Module twins
# ----------------------------------------------------------------------------


class SpatialPyramidPool(nn.Module):
    """Module twin of :func:`spatial_pyramid_pool`; ``output_features(C)`` sizes the next layer."""

    def __init__(self, levels: Sequence[int] = DEFAULT_LEVELS, mode: str = "max") -> None:
        super().__init__()
        self.levels = _check_levels(levels, "SpatialPyramidPool")
        self.mode = check_choice(mode, SPP_MODES, "mode", "SpatialPyramidPool")

    def output_features(self, channels: int, spatial_rank: int = 2) -> int:
        return spp_length(channels, self.levels, spatial_rank)

    def forward(self, x: Tensor) -> Tensor:
        return spatial_pyramid_pool(x, self.levels, self.mode)

    def extra_repr(self) -> str:
        return f"levels={self.levels}, mode={self.mode!r}"


class AvgMaxPool(nn.Module):
    """Module twin of :func:`avgmax_pool`."""

    def forward(self, x: Tensor) -> Tensor:
        return avgmax_pool(x)


class CatAvgMaxPool(nn.Module):
    """Module twin of :func:`catavgmax_pool`: (N, C, H, W) -> (N, 2C)."""

    def forward(self, x: Tensor) -> Tensor:
        return catavgmax_pool(x)


class GeM(nn.Module):
    """Module twin of :func:`gem_pool`, with p learned by gradient descent.

    p starts at 3, the value Radenovic et al. initialise with; one p is shared
    by all channels, as in their paper. ``learnable=False`` keeps p fixed (a
    buffer, still saved with the model).
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, learnable: bool = True) -> None:
        super().__init__()
        _check_positive(p, "p", "GeM")
        self.eps = float(_check_positive(eps, "eps", "GeM"))
        initial = torch.tensor([float(p)])
        if learnable:
            self.p = nn.Parameter(initial)
        else:
            self.register_buffer("p", initial)

    def forward(self, x: Tensor) -> Tensor:
        if not bool(self.p.detach() > 0):
            raise ValueError(
                f"GeM's p must stay positive, but training moved it to {float(self.p.detach()):.4g}; "
                "lower the learning rate or use learnable=False"
            )
        return gem_pool(x, self.p, self.eps)

    def extra_repr(self) -> str:
        learnable = isinstance(self.p, nn.Parameter)
        return f"p={float(self.p.detach()):.4g}, eps={self.eps}, learnable={learnable}"


class LSEPool(nn.Module):
    """Module twin of :func:`lse_pool`."""

    def __init__(self, r: float = 1.0) -> None:
        super().__init__()
        self.r = float(_check_positive(r, "r", "LSEPool"))

    def forward(self, x: Tensor) -> Tensor:
        return lse_pool(x, self.r)

    def extra_repr(self) -> str:
        return f"r={self.r}"


class TopKPool(nn.Module):
    """Module twin of :func:`topk_pool`; give ``k`` or ``fraction``."""

    def __init__(self, k: int | None = None, *, fraction: float | None = None) -> None:
        super().__init__()
        if (k is None) == (fraction is None):
            raise TypeError(f"TopKPool expects exactly one of k or fraction; got k={k!r}, fraction={fraction!r}")
        # k against H*W can only be checked when an input arrives.
        self.k = None if k is None else _check_size(k, "k", "TopKPool")
        self.fraction = None if fraction is None else _check_fraction(fraction, "TopKPool")

    def forward(self, x: Tensor) -> Tensor:
        return topk_pool(x, self.k, fraction=self.fraction)

    def extra_repr(self) -> str:
        return f"k={self.k}" if self.k is not None else f"fraction={self.fraction}"


class AttentionPool(nn.Module):
    """Learned-query attention over the H*W positions: (N, C, H, W) -> (N, C).

    CLIP's ``AttentionPool2d`` (Radford et al., "Learning Transferable Visual
    Models From Natural Language Supervision", 2021, arXiv:2103.00020) adds a
    positional embedding, uses the mean token as the query, and projects the
    output. This simplified version keeps the core: a learned query, key and
    value projections, a softmax over the positions, and ``num_heads`` heads.

    Parameters: the query (C), W_k and W_v (C x C each): C + 2C^2 in all. It
    starts as the global average (zero query, identity values), so adding it to a
    trained GAP network changes nothing until it learns. With
    ``return_weights=True`` the forward returns (pooled, weights), the weights
    shaped (N, num_heads, *spatial).
    """

    def __init__(self, channels: int, num_heads: int = 1, return_weights: bool = False) -> None:
        super().__init__()
        channels = _check_size(channels, "channels", "AttentionPool")
        num_heads = _check_size(num_heads, "num_heads", "AttentionPool")
        if channels % num_heads:
            raise ValueError(
                f"AttentionPool expects channels to be divisible by num_heads; got {channels} and {num_heads}"
            )
        self.channels = channels
        self.num_heads = num_heads
        self.return_weights = return_weights
        self.query = nn.Parameter(torch.zeros(channels))
        # A zero query gives W_k no gradient at the start, so W_k starts random
        # (not zero): once the query moves, the keys already tell positions apart.
        self.key_weight = nn.Parameter(torch.empty(channels, channels))
        nn.init.kaiming_uniform_(self.key_weight, a=math.sqrt(5))
        self.value_weight = nn.Parameter(torch.eye(channels))

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        if isinstance(x, Tensor) and x.dim() >= 2 and x.shape[1] != self.channels:
            raise ValueError(
                f"AttentionPool was built for C={self.channels} channels; got shape {tuple(x.shape)}"
            )
        return attention_pool(
            x, self.query, self.key_weight, self.value_weight, self.num_heads, self.return_weights
        )

    def extra_repr(self) -> str:
        return f"channels={self.channels}, num_heads={self.num_heads}, return_weights={self.return_weights}"


# ----------------------------------------------------------------------------
# Counting the work a pooling does
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """What one call did, counted op by op (views excluded: they move no data).

    ``operations``: torch kernels run. ``elements``: tensor elements read plus
    written over all of them, a rough, machine-independent proxy for time on
    memory-bound work like pooling.
    """

    operations: int
    elements: int


class _WorkCounter(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.operations = 0
        self.elements = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if not func.is_view:
            self.operations += 1
            tensors = [a for a in (*args, *(kwargs or {}).values()) if isinstance(a, Tensor)]
            outputs = result if isinstance(result, (tuple, list)) else (result,)
            tensors += [o for o in outputs if isinstance(o, Tensor)]
            self.elements += sum(t.numel() for t in tensors)
        return result


def measure_work(function: Callable[[Tensor], object], x: Tensor) -> Work:
    """Count the kernels and tensor elements touched by ``function(x)``, without autograd."""
    counter = _WorkCounter()
    with torch.no_grad(), counter:
        function(x)
    return Work(counter.operations, counter.elements)
