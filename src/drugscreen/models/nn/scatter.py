"""Segment operations on flat graph arrays, in plain torch (no torch-scatter, no PyG).

Every graph network here reduces over *segments*: the edges arriving at an atom, the atoms of
a molecule. ``index[i]`` names the segment of row ``i``; segments are ``0 .. size - 1``.
"""

from __future__ import annotations

import torch


def segment_sum(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """Sum of the rows of ``values`` per segment; empty segments are zero."""
    out = values.new_zeros((size, *values.shape[1:]))
    return out.index_add_(0, index, values)


def segment_mean(values: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """Mean of the rows per segment; empty segments are zero."""
    total = segment_sum(values, index, size)
    count = torch.bincount(index, minlength=size).clamp_(min=1).to(values.dtype)
    return total / count.view(-1, *([1] * (values.dim() - 1)))


def segment_softmax(scores: torch.Tensor, index: torch.Tensor, size: int) -> torch.Tensor:
    """Softmax of ``scores`` within each segment (numerically stable: the segment max is
    subtracted first)."""
    shape = (size, *scores.shape[1:])
    expanded = index.view(-1, *([1] * (scores.dim() - 1))).expand_as(scores)
    top = scores.new_full(shape, float("-inf")).scatter_reduce(0, expanded, scores, "amax", include_self=True)
    weights = (scores - top[index]).exp()
    total = segment_sum(weights, index, size)
    return weights / total[index].clamp_min(torch.finfo(scores.dtype).tiny)
