"""Regenerate the architecture figures in Images/ (`make images`).

Each entry of FIGURES names a file in Images/ and the function that draws it;
notebooks show them from markdown as ../Images/NAME.
"""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from torch import nn  # noqa: E402

from helpers.diagrams import draw_network  # noqa: E402

IMAGES_DIR = Path(__file__).resolve().parent.parent / "Images"


def _single(model_or_sizes, title, activations=None, **kwargs):
    def draw():
        ax = draw_network(model_or_sizes, activations, title=title, **kwargs)
        return ax.figure
    return draw


def _wide_vs_deep():
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(11, 4.5))
    draw_network([2, 4, 3], ["linear", "linear"], ax=ax0, title="wide: 2-4-3, 27 parameters")
    draw_network([2, 2, 2, 3], ["linear"] * 3, ax=ax1, title="deep: 2-2-2-3, 21 parameters")
    return fig


def _depth_vs_breadth():
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(12, 4.5))
    draw_network([4, 12, 3], ["ReLU", "linear"], ax=ax0, title="breadth: more units per layer")
    draw_network([4, 4, 4, 4, 3], ["ReLU"] * 3 + ["linear"], ax=ax1,
                 title="depth: more hidden layers")
    return fig


FIGURES = {
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
                      nn.Linear(64, 3), nn.Softmax(dim=1)), "iris: 4-64-64-3"),
    "53_three_qwerties_model.png": _single(
        nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=1)),
        "three qwerties: 2-4-3"),
    "54_hidden_units_model.png": _single(
        [4, 9, 9, 3], "iris: 4-n-n-3, n from 1 to 128", ["ReLU", "ReLU", "softmax"],
        size_labels=["4", "n", "n", "3"]),
    "55_wide_vs_deep.png": _wide_vs_deep,
    "57_depth_vs_breadth.png": _depth_vs_breadth,
}


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
