import numpy as np
import pytest
import torch
from torch import nn

from helpers import accuracy, correlation, count_parameters


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
