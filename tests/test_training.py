import numpy as np
import pytest
import torch
from torch import nn

from helpers import train_full_batch
from helpers.training import decision_threshold


def test_regression_loop_learns_a_line():
    torch.manual_seed(0)
    x = torch.linspace(-2, 2, 40).unsqueeze(1)
    y = 1.5 * x + 0.3
    net = nn.Linear(1, 1)
    losses, accuracies = train_full_batch(net, x, y, nn.MSELoss(), lr=0.1, num_epochs=300)
    assert losses.shape == (300,) and accuracies.shape == (0,)
    assert losses[-1] < 1e-4 < losses[0]
    assert isinstance(losses, np.ndarray) and losses.dtype == float


def test_binary_loop_reports_accuracy_each_epoch():
    torch.manual_seed(0)
    X = torch.cat([torch.randn(50, 2) - 2, torch.randn(50, 2) + 2])
    y = torch.cat([torch.zeros(50, 1), torch.ones(50, 1)])
    net = nn.Linear(2, 1)
    losses, accuracies = train_full_batch(net, X, y, nn.BCEWithLogitsLoss(), 0.1, 200)
    assert accuracies.shape == (200,) and accuracies[-1] > 95
    assert losses[-1] < losses[0]


def test_multiclass_loop_matches_a_hand_written_course_loop():
    torch.manual_seed(1)
    X, y = torch.randn(60, 4), torch.randint(0, 3, (60,))
    net_a = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    net_b = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    net_b.load_state_dict(net_a.state_dict())
    losses, _ = train_full_batch(net_a, X, y, nn.CrossEntropyLoss(), 0.05, 50)
    optimizer = torch.optim.SGD(net_b.parameters(), lr=0.05)
    for epochi in range(50):
        loss = nn.CrossEntropyLoss()(net_b(X), y)
        assert loss.item() == pytest.approx(losses[epochi], abs=1e-7)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def test_decision_threshold_follows_the_loss():
    assert decision_threshold(nn.BCELoss()) == 0.5
    assert decision_threshold(nn.BCEWithLogitsLoss()) == 0
    assert decision_threshold(nn.MSELoss()) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"lr": 0}, ValueError, "lr must be > 0"),
        ({"lr": -0.1}, ValueError, "lr must be > 0"),
        ({"num_epochs": 0}, ValueError, "num_epochs must be a positive int"),
        ({"num_epochs": 1.5}, TypeError, "num_epochs must be a positive int"),
        ({"y": torch.zeros(9, 1)}, ValueError, "same number of samples"),
        ({"y": torch.zeros(10, 1, dtype=torch.long)}, TypeError, "needs float y"),
        ({"loss_func": nn.L1Loss()}, TypeError, "loss_func must be one of"),
        ({"X": np.zeros((10, 2))}, TypeError, "torch tensors"),
        ({"X": torch.full((10, 2), float("nan"))}, ValueError, "X must hold finite numbers"),
        ({"y": torch.tensor([[float("inf")]] * 10)}, ValueError, "y must hold finite numbers"),
    ],
)
def test_bad_training_inputs_are_named(kwargs, error, message):
    args = {"model": nn.Linear(2, 1), "X": torch.zeros(10, 2), "y": torch.zeros(10, 1),
            "loss_func": nn.BCEWithLogitsLoss(), "lr": 0.1, "num_epochs": 5}
    args.update(kwargs)
    with pytest.raises(error, match=message):
        train_full_batch(**args)


def test_cross_entropy_needs_long_labels():
    with pytest.raises(TypeError, match="CrossEntropyLoss needs long"):
        train_full_batch(nn.Linear(2, 3), torch.zeros(4, 2), torch.zeros(4), nn.CrossEntropyLoss(),
                         0.1, 1)
