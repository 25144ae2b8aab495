"""Regenerate the figures in Images/ (`make images`): architecture diagrams and a playground.

Each entry of FIGURES names a file in Images/ and the function that draws it;
notebooks show them from markdown as ../Images/NAME.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from torch import nn  # noqa: E402

from helpers import playground_figure  # noqa: E402
from helpers.diagrams import draw_network  # noqa: E402
from helpers.playground import LESSONS, train_starts  # noqa: E402

IMAGES_DIR = Path(__file__).resolve().parent.parent / "Images"


def _single(model_or_sizes, title, activations=None, **kwargs):
    def draw():
        ax = draw_network(model_or_sizes, activations, title=title, **kwargs)
        return ax.figure
    return draw


def _side_by_side(panels, inches_per_unit=0.45):
    """Draw networks next to each other at one scale: panels are (sizes, kwargs) pairs.

    Each panel gets a width in proportion to its number of layers, and all share the
    vertical limits of the tallest, so a unit is the same size in every panel.
    """
    widths = [2.0 * len(sizes) - 0.4 for sizes, _ in panels]  # draw_network's x-range
    fig, axes = plt.subplots(1, len(panels), gridspec_kw={"width_ratios": widths})
    for ax, (sizes, kwargs) in zip(axes, panels, strict=True):
        draw_network(sizes, ax=ax, **kwargs)
    low = min(ax.get_ylim()[0] for ax in axes)
    high = max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:
        ax.set_ylim(low, high)
    fig.set_size_inches((sum(widths) + 2 * len(panels)) * inches_per_unit,
                        (high - low + 1.5) * inches_per_unit)
    return fig


def _wide_vs_deep():
    return _side_by_side([
        ([2, 4, 3], dict(activations=["linear", "linear"], title="wide: 2-4-3, 27 parameters")),
        ([2, 2, 2, 3], dict(activations=["linear"] * 3, title="deep: 2-2-2-3, 21 parameters")),
    ], inches_per_unit=0.6)


def _depth_vs_breadth():
    """The sweep of notebook 57: an input layer of n units (no activation), then n_layers
    hidden layers of n units with ReLUs, then 3 outputs; n from 4 to 100. Columns are
    named by the keys of ann_iris's layers ('input', 'hidden0', ..., 'output')."""
    def panel(n_layers, title):
        sizes = [4] + [10] * (n_layers + 1) + [3]  # 5 circles and a gap stand for n units
        names = (["features", "'input'"] + [f"'hidden{i}'" for i in range(n_layers)]
                 + ["'output'"])  # the keys of the class's nn.ModuleDict
        return (sizes, dict(activations=["linear"] + ["ReLU"] * n_layers + ["linear"],
                            size_labels=["4"] + ["n"] * (n_layers + 1) + ["3"], title=title,
                            max_units=6, column_names=names))
    return _side_by_side([
        panel(1, "1 hidden layer: 4-n-n-3"),
        panel(5, "5 hidden layers: 4-n-n-n-n-n-n-3"),
    ])


def _playground(lesson=53):
    """A lesson's playground at the lesson's values, as the panel shows it: the summary line
    above the picture (for the README)."""
    setup = LESSONS[lesson]
    result = train_starts(setup.build_model, setup.knobs, setup.data)
    fig = playground_figure.draw(result)
    fig.subplots_adjust(top=0.84)
    fig.suptitle(result.summary(), fontsize="medium", fontweight="bold")
    return fig


FIGURES = {
    "44_backprop_model.png": _single(
        nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)),
        "ANNreg: 1-1-1, with the names of the derivation",
        unit_labels=["x", "z = w₁x + b₁\nh = ReLU(z)", "ŷ = w₂h + b₂"],
        edge_labels=["w₁", "w₂"]),
    "45_regression_model.png": _single(
        nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)), "ANNreg: 1-1-1"),
    "47_qwerties_model.png": _single(
        nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Linear(1, 1), nn.Sigmoid()),
        "ANNclassify: 2-1-1"),
    "48_learning_rates_model.png": _single(
        nn.Sequential(nn.Linear(2, 1), nn.ReLU(), nn.Linear(1, 1)),
        "2-1-1 trained on logits", ["ReLU", "none: a logit\n(the sigmoid is\nin the loss)"]),
    "49_multilayer_model.png": _single(
        nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU(),
                      nn.Linear(1, 1), nn.Sigmoid()), "2-16-1-1 with ReLUs", column_gap=4.5),
    "50_linear_model.png": _single(
        nn.Sequential(nn.Linear(2, 16), nn.Linear(16, 1), nn.Linear(1, 1), nn.Sigmoid()),
        "2-16-1-1 without ReLUs", column_gap=4.5),
    "52_iris_model.png": _single(
        nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                      nn.Linear(64, 3), nn.Softmax(dim=1)), "iris: 4-64-64-3", column_gap=4.5),
    "53_three_qwerties_model.png": _single(
        nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=1)),
        "three qwerties: 2-4-3"),
    "54_hidden_units_model.png": _single(
        [4, 9, 9, 3], "iris: 4-n-n-3, n from 1 to 128", ["ReLU", "ReLU", "softmax"],
        size_labels=["4", "n", "n", "3"], column_gap=4.5),
    "55_wide_vs_deep.png": _wide_vs_deep,
    "57_depth_vs_breadth.png": _depth_vs_breadth,
    "playground.png": _playground,
}
# drawn from a training run: float rounding may move a line by a fraction of a pixel
TRAINED = {"playground.png"}


def write_images(folder=IMAGES_DIR):
    """Draw every figure of FIGURES into `folder` as PNG; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        fig = draw()
        path = folder / name
        fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_images(Path(sys.argv[1]) if len(sys.argv) > 1 else IMAGES_DIR):
        print(path.name)
