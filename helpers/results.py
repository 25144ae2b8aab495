"""Numbers the notebooks report about models and their predictions."""

import numpy as np
import torch
from torch import nn


def accuracy(outputs, labels, threshold=None):
    """Percent of samples classified correctly.

    outputs: (..., N, C) class scores with labels (N,) or (..., N) long, scored by
    argmax; or (..., N, 1) with labels (..., N, 1) float 0./1., scored as
    `outputs > threshold` (0.5 for probabilities, 0 for logits).
    Returns a float, or an array over the leading (model) dimensions.
    Introduced in notebook 47.
    """
    outputs = torch.as_tensor(outputs).detach()
    labels = torch.as_tensor(labels)
    if labels.numel() == 0 or outputs.numel() == 0:
        raise ValueError("outputs and labels must hold at least one sample, got empty tensors")
    if labels.dtype == torch.long:
        correct = outputs.argmax(dim=-1) == labels
    elif labels.is_floating_point():
        if threshold is None:
            raise ValueError("threshold is needed for float (binary) labels: 0.5 or 0")
        correct = ((outputs > threshold).float() == labels).squeeze(-1)
    else:
        raise TypeError(f"labels must be long class indices or float 0./1., got {labels.dtype}")
    percent = 100 * correct.float().mean(dim=-1)
    return percent.item() if percent.dim() == 0 else percent.numpy()


def unit_active(models, X, upto=2):
    """Where the single hidden unit of each model is active (outputs more than 0).

    models: an nn.Sequential, or a list of M; model[:upto] must end at a one-unit
    layer (default 2: Linear then ReLU). X: (N, in) shared, or (M, N, in) one data
    set per model. Returns booleans (N,) for one model, (M, N) for a list. A unit
    active on no point is dead: it gets zero gradient (notebook 44) and never comes
    back. Introduced in notebook 45.
    """
    single = isinstance(models, nn.Module)
    models = [models] if single else list(models)
    for model in models:
        if not isinstance(model, nn.Sequential):
            raise TypeError(f"models must be nn.Sequential, got {type(model).__name__}")
        if isinstance(upto, bool) or not isinstance(upto, int) or not 1 <= upto <= len(model):
            raise ValueError(f"upto must be an int from 1 to the model's {len(model)} layers, "
                             f"got {upto!r}")
    X = torch.as_tensor(X)
    if X.dim() == 3 and X.shape[0] != len(models):
        raise ValueError(f"X must hold one data set per model: {len(models)}, got {X.shape[0]}")
    data_sets = X if X.dim() == 3 else [X] * len(models)
    with torch.no_grad():
        outputs = [model[:upto](x) for model, x in zip(models, data_sets, strict=True)]
    for out in outputs:
        if out.shape[-1] != 1:
            raise ValueError(f"model[:upto] must end at one unit, got {out.shape[-1]} units")
    active = torch.stack([out[:, 0] > 0 for out in outputs]).numpy()
    return active[0] if single else active


def count_parameters(model) -> int:
    """Number of trainable parameters (those with requires_grad). Introduced in notebook 55."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def correlation(a, b):
    """Pearson correlation of predictions and data, 0.0 where either is constant.

    a, b: arrays of the same shape (..., N) or (..., N, 1); returns a float, or an
    array (...) of one correlation per leading index. np.corrcoef gives NaN and a
    RuntimeWarning when a vector has no variance, as the predictions of a dead ReLU
    unit do; the course then sets those NaNs to 0, which this does directly.
    Introduced in notebook 46.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.ndim >= 2 and a.shape[-1] == 1:
        a, b = a[..., 0], b[..., 0]
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    spread = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    r = np.divide((a * b).sum(axis=-1), spread, out=np.zeros_like(spread), where=spread > 0)
    return float(r) if r.ndim == 0 else r


def relative_gap(reference, other):
    """Largest relative difference |other - reference| / |reference| over all entries.

    reference, other: arrays of the same shape, e.g. per-epoch losses (num_epochs,) of the
    one-model loop and of the batched trainer. float32 keeps about 7 significant digits and
    the two add up in another order, so a gap near 1e-7 is rounding, not a different
    computation. Introduced in notebook 46.
    """
    reference = np.asarray(reference, dtype=float)
    other = np.asarray(other, dtype=float)
    if reference.shape != other.shape:
        raise ValueError(f"reference and other must have the same shape, got {reference.shape} "
                         f"and {other.shape}")
    if reference.size == 0 or not np.all(reference != 0):
        raise ValueError("reference must be non-empty with no zero entry (a relative gap)")
    return float((np.abs(other - reference) / np.abs(reference)).max())

