import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from helpers import (  # noqa: E402
    describe_layers,
    draw_network,
    plot_losses,
    plot_qwerties,
    plot_sweep,
    setup_notebook,
)
from helpers.images import FIGURES, IMAGES_DIR, TRAINED, write_images  # noqa: E402
from helpers.setup import default_threads  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_setup_seeds_every_generator():
    setup_notebook(7)
    first = (np.random.rand(), torch.rand(1).item())
    setup_notebook(7)
    assert (np.random.rand(), torch.rand(1).item()) == first
    assert torch.get_num_threads() == 1  # OMP_NUM_THREADS=1, set by conftest.py
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        setup_notebook(-1)


def test_qwerties_plot_marks_exactly_the_misclassified_points():
    data = torch.tensor([[0.0, 0], [1, 1], [2, 2], [3, 3]])
    labels = torch.tensor([[0.0], [0], [1], [1]])
    ax = plot_qwerties(data, labels, pred_labels=torch.tensor([[0.0], [1], [1], [0]]))
    rings = ax.lines[0]
    assert rings.get_marker() == "o" and rings.get_markerfacecolor() == "none"
    assert len(rings.get_xdata()) == 2
    assert "misclassified (2)" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="data must have shape"):
        plot_qwerties(torch.zeros(4, 3), labels)
    with pytest.raises(ValueError, match="one entry per point"):
        plot_qwerties(data, labels[:3])


def test_loss_and_sweep_plots_draw_one_line_per_run():
    ax = plot_losses(np.ones((3, 10)))
    assert len(ax.lines) == 3
    ax = plot_sweep([1, 2, 3], np.arange(6).reshape(3, 2), xlabel="slope", label="mean")
    assert ax.lines[0].get_ydata().tolist() == [0.5, 2.5, 4.5]
    assert ax.get_xlabel() == "slope" and ax.lines[0].get_label() == "mean"
    assert len(ax.collections) == 1  # the std band
    ax = plot_sweep([1, 2, 3], np.arange(6).reshape(3, 2), spread=False)
    assert len(ax.collections) == 0


def test_describe_layers_reads_sizes_and_activations():
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1), nn.Linear(1, 1),
                        nn.Sigmoid())
    assert describe_layers(net) == ([2, 16, 1, 1], ["ReLU", "linear", "sigmoid"])
    with pytest.raises(TypeError, match="nn.Sequential"):
        describe_layers(nn.Linear(2, 1))
    with pytest.raises(ValueError, match="do not chain"):
        describe_layers(nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)))


def test_draw_network_draws_one_circle_per_shown_unit():
    ax = draw_network([2, 4, 3])
    assert len(ax.patches) == 9
    assert len(ax.lines) == 2 * 4 + 4 * 3
    ax = draw_network([4, 64, 3], max_units=9)
    assert len(ax.patches) == 4 + 8 + 3  # a gap stands for the hidden units not shown
    ax = draw_network([2, 3, 1], column_gap=4.5)
    assert sorted({patch.center[0] for patch in ax.patches}) == [0, 4.5, 9.0]
    with pytest.raises(ValueError, match="layer sizes"):
        draw_network([2, 0, 1])
    with pytest.raises(ValueError, match="activations must name"):
        draw_network([2, 3, 1], ["ReLU"])


def test_images_folder_holds_exactly_the_generated_figures(tmp_path):
    written = write_images(tmp_path)
    assert sorted(p.name for p in written) == sorted(FIGURES)
    assert sorted(p.name for p in IMAGES_DIR.glob("*.png")) == sorted(FIGURES)

    def stale(path):
        committed = IMAGES_DIR / path.name
        if path.name not in TRAINED:
            return path.read_bytes() != committed.read_bytes()
        new, old = plt.imread(path), plt.imread(committed)  # a line may move by a sub-pixel
        return new.shape != old.shape or np.abs(new - old).mean() > 0.002

    out_of_date = [path.name for path in written if stale(path)]
    assert not out_of_date, f"Images/ is out of date, run `make images`: {out_of_date}"


def test_draw_network_writes_unit_and_edge_labels():
    ax = draw_network([1, 1, 1], unit_labels=["x", "h = ReLU(z)", None], edge_labels=["w1", "w2"])
    texts = [t.get_text() for t in ax.texts]
    assert {"x", "h = ReLU(z)", "w1", "w2"} <= set(texts)
    with pytest.raises(ValueError, match="unit_labels must have 3 entries"):
        draw_network([1, 1, 1], unit_labels=["x"])


def test_draw_network_names_its_columns():
    texts = [t.get_text() for t in draw_network([2, 3, 1]).texts]
    assert [t.split("\n")[0] for t in texts if "unit" in t] == ["input", "hidden", "output"]
    ax = draw_network([2, 3, 1], column_names=["features", "'input'", "'output'"])
    assert [t.get_text().split("\n")[0] for t in ax.texts if "unit" in t.get_text()] == [
        "features", "'input'", "'output'"]
    with pytest.raises(ValueError, match="column_names must have 3 entries"):
        draw_network([2, 3, 1], column_names=["input"])


def test_threads_follow_omp_num_threads_else_up_to_four_cores(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert default_threads() == 4
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    assert default_threads() == 1
