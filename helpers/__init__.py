"""Helpers shared by the ANN notebooks (videos 43-57).

Each function's docstring names the notebook that introduces it.
"""

from helpers.data import create_qwerties, create_regression_data, iris_tensors, load_iris
from helpers.diagrams import describe_layers, draw_network
from helpers.playground import playground
from helpers.plots import plot_losses, plot_qwerties, plot_sweep
from helpers.results import accuracy, correlation, count_parameters, relative_gap, unit_active
from helpers.setup import setup_notebook
from helpers.sweeps import train_many
from helpers.training import train_full_batch

__all__ = [
    "accuracy", "correlation", "count_parameters", "create_qwerties", "create_regression_data",
    "describe_layers", "draw_network", "iris_tensors", "load_iris",
    "playground", "plot_losses", "plot_qwerties", "plot_sweep", "relative_gap", "setup_notebook",
    "train_full_batch", "train_many", "unit_active",
]
