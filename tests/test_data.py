import numpy as np
import pytest
import torch

from helpers import create_qwerties, create_regression_data, iris_tensors, load_iris
from helpers import data as data_module


def test_regression_data_follows_the_line():
    torch.manual_seed(0)
    x, y = create_regression_data(slope=2.0, n=2000)
    assert x.shape == y.shape == (2000, 1)
    slope = ((x * y).mean() / (x * x).mean()).item()
    assert slope == pytest.approx(2.0, abs=0.05)
    assert (y - 2 * x).std().item() == pytest.approx(0.5, abs=0.03)


def test_regression_data_draws_in_the_course_order():
    torch.manual_seed(3)
    x, y = create_regression_data(slope=0.8, n=50)
    torch.manual_seed(3)
    x_course = torch.randn(50, 1)
    y_course = 0.8 * x_course + torch.randn(50, 1) / 2
    assert torch.equal(x, x_course) and torch.equal(y, y_course)


@pytest.mark.parametrize("n", [0, -3])
def test_regression_data_rejects_non_positive_n(n):
    with pytest.raises(ValueError, match="n must be a positive int"):
        create_regression_data(1.0, n)


def test_regression_data_rejects_a_float_n():
    with pytest.raises(TypeError, match="n must be a positive int"):
        create_regression_data(1.0, 2.5)


def test_two_qwerties_have_float_column_labels_and_the_course_layout():
    np.random.seed(0)
    data, labels = create_qwerties(n_per_clust=100, blur=1.0)
    assert data.shape == (200, 2) and data.dtype == torch.float32
    assert labels.shape == (200, 1) and labels.dtype == torch.float32
    assert labels[:100].sum() == 0 and labels[100:].sum() == 100
    np.random.seed(0)
    a = [1 + np.random.randn(100), 1 + np.random.randn(100)]
    b = [5 + np.random.randn(100), 1 + np.random.randn(100)]
    assert torch.equal(data, torch.tensor(np.hstack((a, b)).T).float())


def test_three_qwerties_have_long_class_labels_near_their_centers():
    np.random.seed(1)
    centers = [[1, 1], [5, 1], [3, -2]]
    data, labels = create_qwerties(centers, n_per_clust=500, blur=0.5)
    assert labels.dtype == torch.long and labels.shape == (1500,)
    for k, center in enumerate(centers):
        mean = data[labels == k].mean(dim=0)
        assert torch.allclose(mean, torch.tensor(center).float(), atol=0.1)
        assert data[labels == k].std(dim=0).mean().item() == pytest.approx(0.5, abs=0.05)


def test_zero_blur_puts_every_point_on_its_center():
    data, labels = create_qwerties(n_per_clust=3, blur=0)
    assert torch.equal(data[:3], torch.ones(3, 2))


@pytest.mark.parametrize("centers", [[1, 1], [[1, 1]], [[1, 1, 1], [2, 2, 2]]])
def test_qwerties_reject_centers_of_the_wrong_shape(centers):
    with pytest.raises(ValueError, match="centers must have shape"):
        create_qwerties(centers)


def test_qwerties_reject_negative_blur_and_bad_sizes():
    with pytest.raises(ValueError, match="blur must be >= 0"):
        create_qwerties(blur=-1)
    with pytest.raises(ValueError, match="n_per_clust"):
        create_qwerties(n_per_clust=0)


def test_iris_loads_offline_with_the_course_labels():
    iris = load_iris()
    assert list(iris.columns) == ["sepal_length", "sepal_width", "petal_length", "petal_width",
                                  "species"]
    data, labels = iris_tensors(iris)
    assert data.shape == (150, 4) and data.dtype == torch.float32
    assert labels.tolist() == [0] * 50 + [1] * 50 + [2] * 50
    assert data[0].tolist() == pytest.approx([5.1, 3.5, 1.4, 0.2])


def test_iris_missing_or_corrupt_file_names_the_file_and_the_remedy(tmp_path, monkeypatch):
    monkeypatch.setattr(data_module, "DATA_DIR", tmp_path)
    remedy = r"git checkout -- data/iris.csv` in the repository's folder, or download"
    with pytest.raises(FileNotFoundError, match=f"iris.csv is missing: .*{remedy}"):
        load_iris()
    (tmp_path / "iris.csv").write_text("sepal_length\n1\n")
    with pytest.raises(ValueError, match=f"iris.csv is not the course's iris data.*{remedy}"):
        load_iris()


def test_iris_with_windows_line_endings_is_the_same_data(tmp_path, monkeypatch):
    """A copy saved with CRLF (an old Windows checkout, an editor) loads, to the same frame."""
    committed = load_iris()
    original = (data_module.DATA_DIR / "iris.csv").read_bytes()
    assert b"\r" not in original
    (tmp_path / "iris.csv").write_bytes(original.replace(b"\n", b"\r\n"))
    monkeypatch.setattr(data_module, "DATA_DIR", tmp_path)
    assert load_iris().equals(committed)


def test_iris_tensors_reject_unknown_species():
    iris = load_iris()
    iris.loc[0, "species"] = "rose"
    with pytest.raises(ValueError, match="species"):
        iris_tensors(iris)
