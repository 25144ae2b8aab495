"""The playground's picture: what the starts of `helpers.playground.train_starts` learned.

Four panels: the data and what the median start makes of it; the loss of every start, epoch by
epoch; the accuracy per epoch (classification) or the correlation of prediction and target
(regression); and which hidden units a ReLU switches off. The median start (see
`Result.median_start`) is drawn in black and thick in every panel. Introduced in notebook 45.
"""

import io

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.plots import CLASS_STYLES, MISCLASSIFIED, plot_qwerties

CLASS_COLORS = ("#9ecae1", "#bdbdbd", "#fcae91")  # regions: light blue, grey, light red
STARTS = {"linewidth": 0.8, "alpha": 0.6}  # every start: thin lines in the cycle's colours
MEDIAN = {"color": "k", "linewidth": 2.2}  # the median start: thick and black


def draw(result, figure=None):
    """The four panels for a Result. Returns the matplotlib Figure (not shown: pass it to
    `png`)."""
    fig = figure or Figure(figsize=(13, 4.0), dpi=80)
    fig.subplots_adjust(left=0.04, right=0.95, bottom=0.25, top=0.9, wspace=0.33)
    ax_data, ax_loss, ax_third, ax_units = fig.subplots(1, 4, width_ratios=(1, 1, 1, 1.2))
    median = result.median_start()
    if result.task == "regression":
        _draw_fits(ax_data, result, median)
        _draw_correlations(ax_third, result, median)
    else:
        if result.X.shape[1] == 2:
            _draw_regions(ax_data, result, median)
        else:
            _draw_class_accuracy(ax_data, result, median)
        _draw_per_epoch(ax_third, result.accuracies, median)
        ax_third.set(ylim=(0, 102), title="accuracy (%) of each start")
    _draw_per_epoch(ax_loss, result.losses, median)
    ax_loss.set(title="loss of each start")
    if result.task == "regression":
        _draw_noise_floor(ax_loss, result)
    _draw_units(ax_units, result, median)
    return fig


def _draw_per_epoch(ax, values, median):
    """values (S, num_epochs): one thin line per start, the median start thick and black."""
    epochs = np.arange(1, values.shape[1] + 1)
    step = max(1, len(epochs) // 300)  # at most 300 points per line: the eye sees no more
    ax.plot(epochs[::step], values[:, ::step].T, **STARTS)
    ax.plot(epochs[::step], values[median, ::step], **MEDIAN, label="median start")
    ax.set(xlabel="epoch")
    ax.legend(loc="best", fontsize="small")


def _draw_noise_floor(ax, result):
    """The two levels the lesson names: the noise's variance (no model does better on new
    points) and the variance of y (what predicting the mean gives)."""
    floor, mean_only = result.knobs.noise ** 2, float(result.y.var(unbiased=False))
    ax.axhline(floor, color="k", linestyle="--", linewidth=1,
               label=f"noise floor {floor:.2f}")
    ax.axhline(mean_only, color="k", linestyle=":", linewidth=1.2,
               label=f"the mean only {mean_only:.2f}")
    finite = result.losses[np.isfinite(result.losses)]
    top = max(1.3 * mean_only, 1.3 * floor, np.median(finite) if finite.size else 1.0)
    ax.set_ylim(0, top)
    ax.legend(loc="upper right", fontsize="small")


def _draw_regions(ax, result, median):
    (x0, y0), (x1, y1) = (result.X.min(dim=0).values - 1).tolist(), (
        result.X.max(dim=0).values + 1).tolist()
    gx, gy = torch.meshgrid(torch.linspace(x0, x1, 120), torch.linspace(y0, y1, 120),
                            indexing="xy")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    regions = result.predict(grid)[median].reshape(gx.shape).numpy()
    n_classes = len(result.class_names)
    ax.imshow(regions, origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
              cmap=ListedColormap(CLASS_COLORS[:n_classes]), vmin=0, vmax=n_classes - 1,
              interpolation="nearest")
    predicted = result.predict(result.X)[median]
    plot_qwerties(result.X, result.y, predicted, ax)
    ax.get_legend().remove()  # replaced by a key below the panel: region and marker per class
    keys = [(Patch(facecolor=color, edgecolor="0.5"),
             Line2D([], [], linestyle="none", marker=style[1], color=style[0],
                    markerfacecolor="w"))
            for color, style in zip(CLASS_COLORS, CLASS_STYLES[:n_classes], strict=False)]
    keys.append(Line2D([], [], **{**MISCLASSIFIED, "markersize": 10}))
    ax.legend(keys, [*result.class_names, "misclassified"], loc="upper center",
              bbox_to_anchor=(0.5, -0.03), ncol=2, fontsize="small", frameon=False,
              handlelength=2.4, columnspacing=1.0,
              handler_map={tuple: HandlerTuple(ndivide=None, pad=0.1)})
    wrong = int((predicted != result.y.reshape(-1).long()).sum())
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="", ylabel="", xticks=[], yticks=[],
           title=f"median start: {result.final_accuracy[median]:.1f} %, {wrong} wrong")


def _draw_class_accuracy(ax, result, median):
    per_class = result.class_accuracy
    S, C = per_class.shape
    jitter = np.linspace(-0.25, 0.25, S)
    for c in range(C):
        ax.plot(c + jitter, per_class[:, c], "o", markerfacecolor="w", color=f"C{c}",
                label="each start" if c == 0 else None)
    ax.plot(np.arange(C) + jitter[median], per_class[median], "D", color="k", markersize=7,
            label="median start")
    ax.set(xticks=range(C), xticklabels=result.class_names, ylim=(-3, 103),
           title="accuracy (%) per species")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small",
              frameon=False)


def _draw_fits(ax, result, median):
    """The data, and the function each start computes over the range of x."""
    x = result.X[:, 0]
    grid = torch.linspace(float(x.min()) - 0.3, float(x.max()) + 0.3, 200).unsqueeze(1)
    with torch.no_grad():
        fits = torch.stack([model(grid)[:, 0] for model in result.models]).numpy()
    mean_only = result.mean_only
    ax.plot(x, result.y[:, 0], "o", color="0.3", markerfacecolor="w", markersize=4,
            label="data")
    for s, fit in enumerate(fits):
        if s != median:
            ax.plot(grid[:, 0], fit, color="C0", linestyle="--" if mean_only[s] else "-",
                    **STARTS)
    ax.plot(grid[:, 0], fits[median], **MEDIAN, label="median start")
    handles = [Line2D([], [], color="C0", **STARTS, label="other starts")]
    if mean_only.any():
        handles.append(Line2D([], [], color="C0", linestyle="--", **STARTS,
                              label="fits only the mean"))
    ax.legend(handles=ax.get_legend_handles_labels()[0] + handles, loc="upper center",
              bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize="small", frameon=False)
    ax.set(title="the data and each start's fit")


def _draw_correlations(ax, result, median):
    r, mean_only = result.correlation, result.mean_only
    starts = np.arange(1, len(r) + 1)
    ax.plot(starts[~mean_only], r[~mean_only], "o", color="C0", markerfacecolor="w",
            label="learned a slope")
    if mean_only.any():
        ax.plot(starts[mean_only], r[mean_only], "x", color="C3", markersize=8,
                markeredgewidth=2, label="fits only the mean")
    ax.plot(starts[median], r[median], "D", color="k", markersize=7, label="median start")
    ax.set(xticks=starts, xlabel="start", ylim=(min(-0.05, np.nanmin(r) - 0.05), 1.05),
           title="correlation of prediction and data")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize="small",
              frameon=False)


def _draw_units(ax, result, median):
    if not result.units_on:
        ax.axis("off")
        ax.text(0.5, 0.5, "No ReLU in this network: a unit\npasses on whatever it gets,\nso "
                "none is ever off, and\nnone can die.", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_title("hidden units")
        return
    shares = np.concatenate(result.units_on, axis=1)
    image = ax.imshow(shares, aspect="auto", cmap="viridis", vmin=0, vmax=1,
                      interpolation="nearest")
    edges = np.cumsum([layer.shape[1] for layer in result.units_on]) - 0.5
    for edge in edges[:-1]:
        ax.axvline(edge, color="w", linewidth=2)
    centres = (np.concatenate([[-0.5], edges[:-1]]) + edges) / 2
    ax.set(xticks=centres, xticklabels=[f"layer {k + 1}" for k in range(len(edges))],
           yticks=range(shares.shape[0]), yticklabels=range(1, shares.shape[0] + 1),
           ylabel="start (median in bold)", xlabel="units after a ReLU, layer by layer",
           title=f"share of points a unit is on ({result.dead_units} dead)")
    ax.tick_params(axis="y", labelsize="small")
    ax.get_yticklabels()[median].set_fontweight("bold")
    ax.figure.colorbar(image, ax=ax, fraction=0.06, pad=0.02, label="share (0: dead)")


def png(figure):
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
