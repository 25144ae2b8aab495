"""Train many small models at once: the fast path for the notebooks' sweeps."""

from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from helpers.training import check_training_inputs, decision_threshold

ACTIVATIONS = {nn.ReLU: torch.relu, nn.Sigmoid: torch.sigmoid, nn.Identity: lambda h: h,
               # over the classes on dim 1: PyTorch's softmax along a last dimension of 2 or 3
               # is 2x slower (equal to float rounding)
               nn.Softmax: lambda h: torch.softmax(h.transpose(1, 2), dim=1).transpose(1, 2)}
LAYERS = (nn.Linear, nn.LeakyReLU, *ACTIVATIONS)  # LeakyReLU: each layer's own slope
NONZERO_AT_ZERO = (nn.Sigmoid, nn.Softmax)  # a padded unit would not stay silent
ONE_THREAD_BELOW = 32768  # elements: PyTorch's grain size, under which it runs an op on one thread


@contextmanager
def _threads_for(largest_activation):
    """One torch thread while the largest activation (M * N * units) is under ONE_THREAD_BELOW
    elements, then the notebook's number again: for such small tensors the hand-offs between
    threads cost more than they share (the playground's 2-4-3 net: 0.33 s on two, 0.25 s on
    one), and the results are the same bits on any number of threads."""
    before = torch.get_num_threads()
    if largest_activation < ONE_THREAD_BELOW:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _architecture(models):
    """Layer types shared by all models, with each model's Linear layers."""
    if not models:
        raise ValueError("models must be a non-empty list of nn.Sequential")
    kinds = None
    for model in models:
        if not isinstance(model, nn.Sequential):
            raise TypeError(f"models must hold nn.Sequential, got {type(model).__name__}")
        model_kinds = [type(layer) for layer in model]
        for layer, kind in zip(model, model_kinds, strict=True):
            if kind not in LAYERS:
                raise TypeError(f"layers must be nn.Linear, nn.ReLU, nn.LeakyReLU, nn.Sigmoid, "
                                f"nn.Identity or nn.Softmax, got {kind.__name__}")
            if kind is nn.Softmax and layer.dim not in (1, -1):
                raise ValueError(f"nn.Softmax must act on the classes (dim=1), got dim={layer.dim}")
        if kinds is None:
            kinds, first = model_kinds, model
        elif model_kinds != kinds:
            raise ValueError("models must all have the same sequence of layer types")
        for i, kind in enumerate(kinds):
            if kind is nn.LeakyReLU and model[i].negative_slope != first[i].negative_slope:
                raise ValueError(f"nn.LeakyReLU at position {i} must have one negative_slope for "
                                 f"all models, got {first[i].negative_slope} and "
                                 f"{model[i].negative_slope}")
    return kinds


def _stack_linear(models, position, kinds):
    """Stacked weight (M, out, in) and bias (M, out) of the Linear at `position`, zero-padded."""
    layers = [model[position] for model in models]
    outs = {layer.out_features for layer in layers}
    ins = {layer.in_features for layer in layers}
    following = kinds[position + 1] if position + 1 < len(kinds) else None
    if len(outs) > 1 and (following is None or following in NONZERO_AT_ZERO):
        raise ValueError("models may differ in width only in hidden layers not followed by "
                         "nn.Sigmoid (padded units must output 0)")
    weight = torch.zeros(len(layers), max(outs), max(ins))
    bias = torch.zeros(len(layers), max(outs))
    for m, layer in enumerate(layers):
        if layer.bias is None:
            raise ValueError("every nn.Linear must have a bias")
        weight[m, : layer.out_features, : layer.in_features] = layer.weight.detach()
        bias[m, : layer.out_features] = layer.bias.detach()
    return weight, bias


def _matmul(a, b, add=None):
    """Batched a @ b (+ add): a (M, p, k), b (M, k, q), add broadcastable to (M, p, q).

    A result with a short last side (q < 16, q < p) is computed transposed, as b^T a^T:
    MKL's small batched products are up to 5x faster with the long side last.
    """
    if b.shape[2] < min(a.shape[1], 16):
        a, b = b.transpose(1, 2), a.transpose(1, 2)
        add = None if add is None else add.transpose(1, 2)
        return _matmul(a, b, add).transpose(1, 2)
    return torch.bmm(a, b) if add is None else torch.baddbmm(add, a, b)


def _stacked_linear(h, weight, bias):
    """M linear layers at once: h (M, N, in), weight (M, out, in), bias (M, out) -> (M, N, out).

    Layers with one input or one output are broadcast products, much faster than a
    batched matrix product of tiny matrices.
    """
    if weight.shape[2] == 1:
        return h * weight.transpose(1, 2) + bias.unsqueeze(1)
    if weight.shape[1] == 1:
        return (h * weight).sum(dim=2, keepdim=True) + bias.unsqueeze(1)
    return _matmul(h, weight.transpose(1, 2), bias.unsqueeze(1))


def _stacked_linear_backward(grad, h, weight, needs_input_grad):
    """Gradients of `_stacked_linear` from grad (M, N, out), its input h (M, N, in):
    (weight (M, out, in), bias (M, out), input (M, N, in) or None)."""
    if weight.shape[2] == 1:
        grad_weight = (grad * h).sum(dim=1).unsqueeze(2)
    elif weight.shape[1] == 1:
        grad_weight = (grad * h).sum(dim=1, keepdim=True)
    else:
        grad_weight = _matmul(grad.transpose(1, 2), h)
    grad_input = None
    if needs_input_grad:
        grad_input = grad * weight if weight.shape[1] == 1 else _matmul(grad, weight)
    return grad_weight, grad.sum(dim=1), grad_input


def _activation_backward(kind, grad, h, out, slope):
    """Gradient through one activation layer: its input h and output out, all (M, N, units).

    PyTorch's own backward kernels, the ones autograd calls: several times faster than
    the same formulas written with masks (ReLU: grad where out > 0, else 0).
    """
    aten = torch.ops.aten
    if kind is nn.ReLU:
        return aten.threshold_backward(grad, out, 0)
    if kind is nn.LeakyReLU:
        return aten.leaky_relu_backward(grad, h, slope, False)
    if kind is nn.Sigmoid:
        return aten.sigmoid_backward(grad, out)
    if kind is nn.Softmax:  # over the classes on dim 1, as in the forward pass
        return aten._softmax_backward_data(grad.transpose(1, 2), out.transpose(1, 2), 1,
                                           out.dtype).transpose(1, 2)
    return grad  # nn.Identity


def _per_model_loss(loss_func, outputs, y):
    """Mean loss of each model and its gradient: outputs (M, N, C), y (M, N, C) or (M, N)
    -> (M,) and (M, N, C), the gradient of the sum of the M means."""
    if isinstance(loss_func, nn.CrossEntropyLoss):
        # classes on dim 1, as for nn.Softmax above: 2.4x faster for 3 classes
        log_probs = torch.log_softmax(outputs.transpose(1, 2), dim=1).transpose(1, 2)
        loss = -log_probs.gather(2, y.unsqueeze(2)).mean(dim=(1, 2))
        one_hot = torch.zeros_like(log_probs).scatter_(2, y.unsqueeze(2), 1.0)
        return loss, (log_probs.exp() - one_hot) / y.shape[1]
    count = outputs[0].numel()
    if isinstance(loss_func, nn.MSELoss):
        elementwise = (outputs - y) ** 2
        grad = 2 / count * (outputs - y)
    elif isinstance(loss_func, nn.BCELoss):
        elementwise = F.binary_cross_entropy(outputs, y, reduction="none")
        grad = (outputs - y) / ((1 - outputs) * outputs).clamp(min=1e-12) / count
    else:
        elementwise = F.binary_cross_entropy_with_logits(outputs, y, reduction="none")
        grad = (torch.sigmoid(outputs) - y) / count
    return elementwise.flatten(1).mean(dim=1), grad


def _correct(outputs, y, threshold):
    """Samples each model classifies right, as helpers.accuracy counts them: (M,) long."""
    if threshold is None:  # class scores (M, N, C), labels (M, N); argmax is 10x faster on
        return (outputs.contiguous().argmax(dim=-1) == y).sum(dim=1)  # contiguous scores
    return ((outputs > threshold).float() == y).flatten(1).sum(dim=1)


@torch.no_grad()  # the gradients are written out below, as notebook 44 derives them
def train_many(models, X, y, loss_func, lr, num_epochs, track_accuracy=False):
    """Train M same-shaped nn.Sequential models at once with the course's full-batch SGD.

    The parameters of all models are stacked, so one batched forward and backward
    pass per epoch trains them all (the backward pass written out layer by layer,
    without autograd's bookkeeping). Equivalent, model by model, to
    `helpers.training.train_full_batch`: per-epoch losses agree to float rounding
    (sums run in another order; in deep ReLU nets such a rounding difference can
    flip a unit for one sample, after which the two runs drift apart slightly).
    Models may differ in the width of hidden layers (narrower ones are zero-padded:
    a padded unit has zero weights in and out, so it outputs 0 and gets zero
    gradients), except before a Sigmoid, whose output at 0 is not 0.

    models: list of M nn.Sequential of Linear/ReLU/LeakyReLU/Sigmoid/Identity/Softmax layers
      (one LeakyReLU slope for all models), created
      in the order the one-model loop would create them; trained in place.
    X: (N, features) shared by all models, or (M, N, features) one data set each.
    y: (N, outputs) float or (N,) long for CrossEntropyLoss, or with a leading M.
    lr: a number, or M numbers (one learning rate per model).
    Returns losses, a float array (M, num_epochs), and the outputs of the trained
    models on X, a tensor (M, N, outputs). With track_accuracy=True (classification
    losses), also each epoch's accuracy in percent, as `train_full_batch` measures it:
    (losses, outputs, accuracies (M, num_epochs)).
    Introduced in notebook 46; used for every sweep from then on.
    """
    kinds = _architecture(models)
    check_training_inputs(X, y, loss_func, lr, num_epochs)
    if track_accuracy and isinstance(loss_func, nn.MSELoss):
        raise ValueError("track_accuracy needs a classification loss, got MSELoss")
    M = len(models)
    lr = np.asarray(lr, dtype=np.float32)
    if lr.size not in (1, M):
        raise ValueError(f"lr must be one number or one per model ({M}), got {lr.size}")
    lr = torch.as_tensor(np.broadcast_to(lr.reshape(-1), (M,)).copy())
    if X.dim() == 2:
        X = X.expand(M, *X.shape)
        y = y.expand(M, *y.shape)
    if X.shape[0] != M:
        raise ValueError(f"X must hold one data set per model: {M}, got {X.shape[0]}")
    params = {i: _stack_linear(models, i, kinds) for i, kind in enumerate(kinds)
              if kind is nn.Linear}
    slopes = {i: models[0][i].negative_slope for i, kind in enumerate(kinds)
              if kind is nn.LeakyReLU}

    def forward(h):
        """The output (M, N, outputs) and the input of every layer."""
        inputs = []
        for i, kind in enumerate(kinds):
            inputs.append(h)
            if kind is nn.Linear:
                h = _stacked_linear(h, *params[i])
            elif kind is nn.LeakyReLU:
                h = F.leaky_relu(h, slopes[i])
            else:
                h = ACTIVATIONS[kind](h)
        return h, inputs

    def backward(grad, inputs, output):
        """Gradients of every Linear's weight and bias, backpropagated from grad."""
        grads = {}
        for i in reversed(range(len(kinds))):
            if kinds[i] is nn.Linear:
                *grads[i], grad = _stacked_linear_backward(grad, inputs[i], params[i][0],
                                                           needs_input_grad=i > 0)
            else:
                out = inputs[i + 1] if i + 1 < len(kinds) else output
                grad = _activation_backward(kinds[i], grad, inputs[i], out, slopes.get(i))
        return [g for i in params for g in grads[i]]

    flat_params = [p for pair in params.values() for p in pair]
    rates = lr.view(-1, 1, 1)  # backpropagation is linear: lr times the loss's gradient gives
    # each parameter's gradient times lr, the step of plain SGD (equal to float rounding)
    losses = torch.zeros(num_epochs, M)
    correct = torch.zeros(num_epochs, M, dtype=torch.long)
    threshold = decision_threshold(loss_func)
    widest = max(max(weight.shape[1:]) for weight, _ in params.values())
    with _threads_for(M * X.shape[1] * widest):
        for epochi in range(num_epochs):
            y_hat, inputs = forward(X)
            losses[epochi], grad = _per_model_loss(loss_func, y_hat, y)
            if track_accuracy:
                correct[epochi] = _correct(y_hat, y, threshold)
            torch._foreach_sub_(flat_params, backward(grad * rates, inputs, y_hat))
        outputs, _ = forward(X)
    for i, (weight, bias) in params.items():
        for m, model in enumerate(models):
            layer = model[i]
            layer.weight.copy_(weight[m, : layer.out_features, : layer.in_features])
            layer.bias.copy_(bias[m, : layer.out_features])
    losses = losses.T.numpy().astype(float)
    if not track_accuracy:
        return losses, outputs
    return losses, outputs, 100 * correct.T.numpy() / y.shape[1]
