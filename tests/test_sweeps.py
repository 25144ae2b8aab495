"""The batched trainer must equal the one-model loop, model by model and epoch by epoch."""

import numpy as np
import pytest
import torch
from torch import nn

from helpers import accuracy, create_regression_data, sweeps, train_full_batch, train_many
from helpers.sweeps import _per_model_loss


def _loop(models, X, y, loss_func, lrs, num_epochs):
    per_model = X.dim() == 3
    return np.stack([
        train_full_batch(m, X[i] if per_model else X, y[i] if per_model else y, loss_func,
                         float(lrs[i]), num_epochs)[0]
        for i, m in enumerate(models)
    ])


@pytest.mark.parametrize("loss_func", [nn.MSELoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(),
                                       nn.CrossEntropyLoss()], ids=lambda f: type(f).__name__)
def test_one_step_equals_autograd_and_sgd_for_every_layer_kind(loss_func):
    """train_many writes the backward pass out by hand: one epoch must move every weight as
    autograd's gradients and torch.optim.SGD do, through each layer kind and loss."""
    torch.manual_seed(8)
    outputs = 3 if isinstance(loss_func, nn.CrossEntropyLoss) else 2
    X = torch.randn(25, 5)  # the closing softmax's outputs are probabilities for BCELoss
    y = torch.randint(0, 3, (25,)) if outputs == 3 else torch.rand(25, 2)
    nets = [nn.Sequential(nn.Linear(5, 20), nn.Sigmoid(), nn.Linear(20, 7), nn.LeakyReLU(0.1),
                          nn.Linear(7, 30), nn.Identity(), nn.ReLU(), nn.Linear(30, 1),
                          nn.Linear(1, outputs), nn.Softmax(dim=1)) for _ in range(3)]
    expected = []
    for net in nets:
        copy = [p.detach().clone().requires_grad_() for p in net.parameters()]
        by_autograd = torch.func.functional_call(
            net, dict(zip(dict(net.named_parameters()), copy, strict=True)), (X,))
        optimizer = torch.optim.SGD(copy, lr=0.5)
        loss_func(by_autograd, y).backward()
        optimizer.step()
        expected.append(copy)
    train_many(nets, X, y, loss_func, 0.5, 1)
    for net, params in zip(nets, expected, strict=True):
        for ours, theirs in zip(net.parameters(), params, strict=True):
            assert torch.allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_video_46_slice_equals_the_loop_when_created_in_the_same_order():
    def make_runs():
        torch.manual_seed(46)
        xs, ys, nets = [], [], []
        for slope in np.linspace(-2, 2, 5):
            for _ in range(3):
                x, y = create_regression_data(slope, n=50)
                xs.append(x)
                ys.append(y)
                nets.append(nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1)))
        return torch.stack(xs), torch.stack(ys), nets

    X, y, nets = make_runs()
    loop = _loop(nets, X, y, nn.MSELoss(), [0.05] * len(nets), 500)
    X, y, nets = make_runs()
    batched, outputs = train_many(nets, X, y, nn.MSELoss(), 0.05, 500)
    assert batched.shape == (15, 500) and outputs.shape == (15, 50, 1)
    assert np.abs(batched - loop).max() < 1e-5


@pytest.mark.parametrize("use_logits", [True, False])
def test_learning_rate_sweep_equals_the_loop(use_logits):
    torch.manual_seed(0)
    X = torch.cat([torch.randn(40, 2) + torch.tensor([1.0, 1]), torch.randn(40, 2) + 4])
    y = torch.cat([torch.zeros(40, 1), torch.ones(40, 1)])
    lrs = np.linspace(0.001, 0.1, 6)
    tail = [] if use_logits else [nn.Sigmoid()]
    loss_func = nn.BCEWithLogitsLoss() if use_logits else nn.BCELoss()

    def make():
        torch.manual_seed(1)
        return [nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1), nn.ReLU(),
                              nn.Linear(1, 1), *tail) for _ in lrs]

    loop = _loop(make(), X, y, loss_func, lrs, 200)
    nets = make()
    batched, outputs = train_many(nets, X, y, loss_func, lrs, 200)
    assert np.abs(batched - loop).max() < 1e-5
    threshold = 0 if use_logits else 0.5
    per_model = [accuracy(net(X), y, threshold) for net in nets]
    assert accuracy(outputs, y, threshold).tolist() == pytest.approx(per_model)


def test_models_of_different_widths_are_padded_exactly():
    torch.manual_seed(2)
    X, y = torch.randn(30, 4), torch.randint(0, 3, (30,))
    widths = [1, 3, 8]

    def make():  # no activation after the first layer, as in video 57's forward
        torch.manual_seed(5)
        return [nn.Sequential(nn.Linear(4, n), nn.Linear(n, n), nn.ReLU(), nn.Linear(n, n),
                              nn.ReLU(), nn.Linear(n, 3)) for n in widths]

    loop = _loop(make(), X, y, nn.CrossEntropyLoss(), [0.05] * 3, 100)
    nets = make()
    batched, _ = train_many(nets, X, y, nn.CrossEntropyLoss(), 0.05, 100)
    assert np.abs(batched - loop).max() < 1e-5
    assert nets[0][0].weight.shape == (1, 4)  # trained weights written back unpadded


def test_double_softmax_models_equal_the_loop():
    torch.manual_seed(3)
    X, y = torch.randn(60, 2), torch.randint(0, 3, (60,))

    def make():  # video 53's model as the notes write it, softmax before CrossEntropyLoss
        torch.manual_seed(4)
        return [nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 3), nn.Softmax(dim=1))
                for _ in range(3)]

    loop = _loop(make(), X, y, nn.CrossEntropyLoss(), [0.01] * 3, 100)
    batched, outputs = train_many(make(), X, y, nn.CrossEntropyLoss(), 0.01, 100)
    assert np.abs(batched - loop).max() < 1e-6
    assert torch.allclose(outputs.sum(dim=2), torch.ones(3, 60))


def test_leaky_relu_models_equal_the_loop():
    torch.manual_seed(6)
    X, y = torch.randn(40, 2), torch.randint(0, 2, (40, 1)).float()

    def make():  # video 48's question: a leaky unit in the 2-1-1 net, trained on logits
        torch.manual_seed(7)
        return [nn.Sequential(nn.Linear(2, 1), nn.LeakyReLU(0.05), nn.Linear(1, 1))
                for _ in range(4)]

    loop = _loop(make(), X, y, nn.BCEWithLogitsLoss(), [0.1] * 4, 100)
    batched, _ = train_many(make(), X, y, nn.BCEWithLogitsLoss(), 0.1, 100)
    assert np.abs(batched - loop).max() < 1e-6
    with pytest.raises(ValueError, match="one negative_slope for all models"):
        train_many([nn.Sequential(nn.Linear(2, 1), nn.LeakyReLU(s)) for s in (0.05, 0.1)],
                   X, y, nn.BCEWithLogitsLoss(), 0.1, 1)


def test_train_many_rejects_what_it_cannot_batch():
    with pytest.raises(ValueError, match="non-empty"):
        train_many([], torch.zeros(3, 1), torch.zeros(3, 1), nn.MSELoss(), 0.1, 1)
    with pytest.raises(TypeError, match="nn.Sequential"):
        train_many([nn.Linear(1, 1)], torch.zeros(3, 1), torch.zeros(3, 1), nn.MSELoss(), 0.1, 1)
    with pytest.raises(TypeError, match="layers must be"):
        train_many([nn.Sequential(nn.Linear(1, 1), nn.Tanh())], torch.zeros(3, 1),
                   torch.zeros(3, 1), nn.MSELoss(), 0.1, 1)
    with pytest.raises(ValueError, match="nn.Softmax must act on the classes"):
        train_many([nn.Sequential(nn.Linear(1, 2), nn.Softmax(dim=0))], torch.zeros(3, 1),
                   torch.zeros(3, dtype=torch.long), nn.CrossEntropyLoss(), 0.1, 1)
    mixed = [nn.Sequential(nn.Linear(1, 1)), nn.Sequential(nn.Linear(1, 1), nn.ReLU())]
    with pytest.raises(ValueError, match="same sequence of layer types"):
        train_many(mixed, torch.zeros(3, 1), torch.zeros(3, 1), nn.MSELoss(), 0.1, 1)
    sigmoid_widths = [nn.Sequential(nn.Linear(1, n), nn.Sigmoid(), nn.Linear(n, 1)) for n in (1, 2)]
    with pytest.raises(ValueError, match="differ in width"):
        train_many(sigmoid_widths, torch.zeros(3, 1), torch.zeros(3, 1), nn.MSELoss(), 0.1, 1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        train_many([nn.Sequential(nn.Linear(1, 1))] * 2, torch.zeros(3, 1), torch.zeros(3, 1),
                   nn.MSELoss(), [0.1, 0.0], 1)
    with pytest.raises(ValueError, match=r"lr must be one number or one per model \(2\), got 3"):
        train_many([nn.Sequential(nn.Linear(1, 1))] * 2, torch.zeros(3, 1), torch.zeros(3, 1),
                   nn.MSELoss(), [0.1, 0.2, 0.3], 1)
    with pytest.raises(ValueError, match="X must hold finite numbers"):
        train_many([nn.Sequential(nn.Linear(1, 1))], torch.tensor([[float("nan")]]),
                   torch.zeros(1, 1), nn.MSELoss(), 0.1, 1)
    with pytest.raises(ValueError, match="one data set per model"):
        train_many([nn.Sequential(nn.Linear(1, 1))] * 2, torch.zeros(3, 3, 1),
                   torch.zeros(3, 3, 1), nn.MSELoss(), 0.1, 1)


def test_the_number_of_threads_changes_no_number():
    """setup_notebook gives torch several threads outside `make test`: a deep, wide sweep
    bucket (video 57's shapes) and the one-model loop must train to the same bits on 1 and 2."""
    def train(threads):
        torch.set_num_threads(threads)
        torch.manual_seed(57)
        X, y = torch.randn(150, 4), torch.randint(0, 3, (150,))
        nets = [nn.Sequential(nn.Linear(4, w), *[m for _ in range(3) for m in
                                                (nn.Linear(w, w), nn.ReLU())], nn.Linear(w, 3))
                for w in (64, 80, 100)]
        batched, _ = train_many(nets[:2], X, y, nn.CrossEntropyLoss(), 0.01, 30)
        loop, _ = train_full_batch(nets[2], X, y, nn.CrossEntropyLoss(), 0.01, 30)
        return batched, loop

    before = torch.get_num_threads()
    try:
        one, two = train(1), train(2)
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])


def test_small_models_train_on_one_thread_and_leave_the_setting_as_it_was(monkeypatch):
    """Below PyTorch's grain size the hand-offs between threads cost more than they share:
    train_many drops to one thread for such models, and gives the notebook its number back."""
    seen = []

    def loss_noting_threads(*args):
        seen.append(torch.get_num_threads())
        return _per_model_loss(*args)

    monkeypatch.setattr(sweeps, "_per_model_loss", loss_noting_threads)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        X, y = torch.randn(300, 2), torch.randint(0, 3, (300,))
        for width in (4, 64):  # video 53's 2-4-3 net, and a wider one: 8 x 300 x 64 elements
            train_many([nn.Sequential(nn.Linear(2, width), nn.ReLU(), nn.Linear(width, 3))
                        for _ in range(8)], X, y, nn.CrossEntropyLoss(), 0.01, 2)
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert seen == [1, 1, 2, 2]
