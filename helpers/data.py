"""Data sets of the ANN section: regression lines, qwerties clusters, iris."""

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    import pandas as pd

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
IRIS_SHA256 = "9cc1c345c71bcc9b486b74cbf6063fa66f4bb5e0f603a4b3c3471ec2e5e8e355"
IRIS_SPECIES = ("setosa", "versicolor", "virginica")
QWERTIES_CENTERS = ((1.0, 1.0), (5.0, 1.0))


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")


def create_regression_data(slope: float = 1.0, n: int = 30, noise: float = 0.5):
    """Points on the line y = slope*x plus Gaussian noise of std `noise` (the course's 1/2).

    Returns x, y, each a float tensor of shape (n, 1), drawn from torch's
    generator in the course's order (x first). Introduced in notebook 46 (the course's
    create_the_data).
    """
    _check_positive_int("n", n)
    if not np.isfinite(slope):
        raise ValueError(f"slope must be a finite number, got {slope}")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise}")
    x = torch.randn(n, 1)
    y = slope * x + noise * torch.randn(n, 1)  # noise 0.5: the course's randn / 2, bit for bit
    return x, y


def create_qwerties(centers=QWERTIES_CENTERS, n_per_clust: int = 100, blur: float = 1.0):
    """Gaussian clusters ("qwerties") around `centers`, drawn with numpy's global generator.

    centers: sequence of k (x, y) pairs, k >= 2. Each cluster has n_per_clust points,
    with std `blur` on both axes, drawn cluster by cluster (x then y) as the course does.
    Returns data, a float tensor (k*n_per_clust, 2), and labels: for k == 2 a float
    tensor (N, 1) of 0./1. (for BCE losses), for k > 2 a long tensor (N,) of class
    indices (for CrossEntropyLoss). Introduced in notebooks 47 (two clusters) and 53.
    """
    centers = np.asarray(centers, dtype=float)
    if centers.ndim != 2 or centers.shape[1] != 2 or centers.shape[0] < 2:
        raise ValueError(f"centers must have shape (k, 2) with k >= 2, got shape {centers.shape}")
    _check_positive_int("n_per_clust", n_per_clust)
    if not blur >= 0:
        raise ValueError(f"blur must be >= 0, got {blur}")
    clusters = [
        [cx + np.random.randn(n_per_clust) * blur, cy + np.random.randn(n_per_clust) * blur]
        for cx, cy in centers
    ]
    data = torch.tensor(np.hstack(clusters).T).float()
    class_index = np.repeat(np.arange(len(centers)), n_per_clust)
    if len(centers) == 2:
        labels = torch.tensor(class_index).float().unsqueeze(1)
    else:
        labels = torch.tensor(class_index).long()
    return data, labels


def _sha256(path: Path) -> str:
    """The file's sha256, read with Unix line endings: a copy that an editor or an old Windows
    checkout saved with CRLF holds the same data."""
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def load_iris() -> "pd.DataFrame":
    """Fisher's iris (150 rows) from the repository's data/iris.csv, never the network.

    Read by seaborn's own loader pointed at data/, after checking the file's sha256.
    Columns: sepal_length, sepal_width, petal_length, petal_width, species.
    Introduced in notebook 52.
    """
    path = DATA_DIR / "iris.csv"
    restore = ("get the course's copy back with `git checkout -- data/iris.csv` in the "
               "repository's folder, or download the repository again")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {restore}")
    if _sha256(path) != IRIS_SHA256:
        raise ValueError(f"{path} is not the course's iris data (it was changed or damaged: its "
                         f"sha256 differs from {IRIS_SHA256}): {restore}")
    import seaborn as sns  # here, not at the top: 0.5 s that only the iris notebooks need

    return sns.load_dataset("iris", data_home=str(DATA_DIR), cache=True)


def iris_tensors(iris: "pd.DataFrame"):
    """The course's tensors from the iris frame.

    Returns data, a float tensor (150, 4) of the four measurements, and labels,
    a long tensor (150,): setosa 0, versicolor 1, virginica 2. Introduced in notebook 52.
    """
    unknown = set(iris["species"]) - set(IRIS_SPECIES)
    if unknown:
        raise ValueError(f"iris['species'] must be one of {IRIS_SPECIES}, got {sorted(unknown)}")
    data = torch.tensor(iris[iris.columns[0:4]].values).float()
    labels = torch.zeros(len(data), dtype=torch.long)
    labels[torch.tensor((iris.species == "versicolor").values)] = 1
    labels[torch.tensor((iris.species == "virginica").values)] = 2
    return data, labels
