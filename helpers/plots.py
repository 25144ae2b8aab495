"""Figures the notebooks share: qwerties scatter, loss curves, sweep summaries."""

import matplotlib.pyplot as plt
import numpy as np
import torch

CLASS_STYLES = ("bs", "ko", "r^", "gd", "mv")
# an orange ring around each misclassified point: no class has orange or a ring, and the ring
# leaves the class's own marker visible inside it
MISCLASSIFIED = {"marker": "o", "markersize": 15, "markerfacecolor": "none",
                 "markeredgecolor": "#ff7f00", "markeredgewidth": 2.5, "linestyle": "none"}


def _axes(ax):
    return plt.subplots()[1] if ax is None else ax


def plot_qwerties(data, labels, pred_labels=None, ax=None):
    """Scatter the qwerties by class; with predictions, mark misclassified points.

    data: (N, 2); labels: (N, 1) float or (N,) long; pred_labels: same shape as labels.
    Markers show the true class (blue squares, black circles, red triangles, ...);
    misclassified points are circled in orange. Returns the axes. Introduced in notebook 47.
    """
    ax = _axes(ax)
    data = torch.as_tensor(data)
    labels = torch.as_tensor(labels).reshape(-1)
    if data.dim() != 2 or data.shape[1] != 2:
        raise ValueError(f"data must have shape (N, 2), got {tuple(data.shape)}")
    if len(labels) != len(data):
        raise ValueError(f"labels must have one entry per point: {len(data)}, got {len(labels)}")
    if pred_labels is not None:
        wrong = torch.as_tensor(pred_labels).reshape(-1).float() != labels.float()
        ax.plot(data[wrong, 0], data[wrong, 1], **MISCLASSIFIED,
                label=f"misclassified ({int(wrong.sum())})")
    for k, cls in enumerate(torch.unique(labels).tolist()):
        mine = labels == cls
        ax.plot(data[mine, 0], data[mine, 1], CLASS_STYLES[k % len(CLASS_STYLES)],
                markerfacecolor="w", label=f"class {int(cls)}")
    ax.set(xlabel="dimension 1", ylabel="dimension 2")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def plot_losses(losses, ax=None, title="Loss"):
    """Loss per epoch: losses (num_epochs,), or (num_runs, num_epochs) for one line per run.

    Returns the axes. Introduced in notebook 45.
    """
    ax = _axes(ax)
    losses = np.asarray(losses, dtype=float)
    ax.plot(losses.T if losses.ndim == 2 else losses, linewidth=1)
    ax.set(xlabel="Epoch", ylabel="Loss", title=title)
    return ax


def plot_sweep(values, results, ax=None, xlabel="", ylabel="", title="", style="ko-",
               label=None, spread=True):
    """Mean result per swept value, with one standard deviation shaded over repetitions.

    values: (V,); results: (V,) or (V, repetitions). spread=False draws the mean only
    (a std band misleads when outcomes are bimodal). label names the line for a legend.
    Returns the axes. Introduced in notebook 46.
    """
    ax = _axes(ax)
    values = np.asarray(values, dtype=float)
    results = np.asarray(results, dtype=float).reshape(len(values), -1)
    mean, std = results.mean(axis=1), results.std(axis=1)
    ax.plot(values, mean, style, markerfacecolor="w", markersize=8, label=label)
    if spread and results.shape[1] > 1:
        ax.fill_between(values, mean - std, mean + std, color=style[0], alpha=0.15, linewidth=0)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    return ax
