import numpy as np
import pytest
import torch
from torch import nn

from helpers import accuracy, correlation, count_parameters, relative_gap, unit_active


def test_binary_accuracy_with_probabilities_and_logits():
    labels = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    probabilities = torch.tensor([[0.2], [0.7], [0.4], [0.9]])
    assert accuracy(probabilities, labels, threshold=0.5) == 50.0
    assert accuracy(torch.logit(probabilities), labels, threshold=0) == 50.0


def test_multiclass_accuracy_uses_argmax():
    scores = torch.tensor([[3.0, 0, 0], [0, 2.0, 1], [0, 3.0, 1]])
    assert accuracy(scores, torch.tensor([0, 1, 2])) == pytest.approx(200 / 3)


def test_accuracy_of_many_models_is_one_number_per_model():
    scores = torch.zeros(4, 5, 1)
    scores[1] = 1.0
    labels = torch.ones(5, 1)
    assert accuracy(scores, labels, threshold=0).tolist() == [0, 100, 0, 0]


def test_accuracy_needs_a_threshold_for_binary_labels():
    with pytest.raises(ValueError, match="threshold"):
        accuracy(torch.zeros(3, 1), torch.zeros(3, 1))
    with pytest.raises(TypeError, match="labels"):
        accuracy(torch.zeros(3, 1), torch.zeros(3, 1, dtype=torch.int32), threshold=0)


def test_count_parameters_skips_frozen_ones():
    net = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 3))
    assert count_parameters(net) == 27
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 19


def test_correlation_matches_numpy_and_is_zero_for_constants():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(30, 1)), rng.normal(size=(30, 1))
    assert correlation(a, b) == pytest.approx(np.corrcoef(a.T, b.T)[0, 1])
    assert correlation(a, np.ones_like(a)) == 0.0
    many = correlation(np.stack([a, a]), np.stack([b, np.zeros_like(b)]))
    assert many.shape == (2,) and many[1] == 0.0


def test_correlation_rejects_different_shapes():
    with pytest.raises(ValueError, match="same shape"):
        correlation(np.zeros(3), np.zeros(4))


def _one_unit_net(w1, b1):
    net = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))
    with torch.no_grad():
        net[0].weight.fill_(w1)
        net[0].bias.fill_(b1)
    return net


def test_unit_active_finds_live_and_dead_units():
    x = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]])
    half, dead = _one_unit_net(1.0, 0.0), _one_unit_net(1.0, -5.0)
    assert unit_active(half, x).tolist() == [False, False, True, True]
    assert unit_active([half, dead], x).tolist() == [[False, False, True, True], [False] * 4]
    per_model = torch.stack([x, -x])
    assert unit_active([half, half], per_model).sum(axis=1).tolist() == [2, 2]


def test_unit_active_rejects_wide_layers_and_mismatched_data():
    wide = nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 1))
    with pytest.raises(ValueError, match="one unit"):
        unit_active(wide, torch.zeros(4, 1))
    with pytest.raises(ValueError, match="one data set per model"):
        unit_active([wide, wide], torch.zeros(3, 4, 1))


def test_accuracy_rejects_empty_tensors():
    with pytest.raises(ValueError, match="at least one sample"):
        accuracy(torch.zeros(0, 3), torch.zeros(0, dtype=torch.long))


def test_count_parameters_needs_a_model():
    with pytest.raises(TypeError, match="model must be an nn.Module, got str"):
        count_parameters("net")


def test_unit_active_rejects_upto_beyond_the_model():
    net = _one_unit_net(1.0, 0.0)
    with pytest.raises(ValueError, match="upto must be an int from 1 to the model's 3 layers"):
        unit_active(net, torch.zeros(4, 1), upto=9)
    with pytest.raises(ValueError, match="upto"):
        unit_active([net], torch.zeros(4, 1), upto=0)
    with pytest.raises(TypeError, match="nn.Sequential"):
        unit_active(nn.Linear(1, 1), torch.zeros(4, 1))


def test_relative_gap_is_relative_to_the_reference():
    assert relative_gap([2.0, 4.0], [2.0, 4.0]) == 0.0
    assert relative_gap([2.0, 4.0], [2.0, 4.4]) == pytest.approx(0.1)
    with pytest.raises(ValueError, match="same shape"):
        relative_gap([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="no zero entry"):
        relative_gap([0.0, 2.0], [0.0, 2.0])
