"""Train many small models at once: the fast path for the notebooks' sweeps."""

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
    return weight.requires_grad_(), bias.requires_grad_()


def _stacked_linear(h, weight, bias):
    """M linear layers at once: h (M, N, in), weight (M, out, in), bias (M, out) -> (M, N, out).

    Layers with one input or one output are broadcast products, much faster than a
    batched matrix product of tiny matrices; the others use baddbmm.
    """
    if weight.shape[2] == 1:
        return h * weight.transpose(1, 2) + bias.unsqueeze(1)
    if weight.shape[1] == 1:
        return (h * weight).sum(dim=2, keepdim=True) + bias.unsqueeze(1)
    return torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))


def _per_model_loss(loss_func, outputs, y):
    """Mean loss of each model: outputs (M, N, C), y (M, N, C) or (M, N) -> (M,)."""
    if isinstance(loss_func, nn.CrossEntropyLoss):
        # classes on dim 1, as for nn.Softmax above: 2.4x faster for 3 classes
        return F.cross_entropy(outputs.transpose(1, 2), y, reduction="none").mean(dim=1)
    if isinstance(loss_func, nn.MSELoss):
        elementwise = (outputs - y) ** 2
    elif isinstance(loss_func, nn.BCELoss):
        elementwise = F.binary_cross_entropy(outputs, y, reduction="none")
    else:
        elementwise = F.binary_cross_entropy_with_logits(outputs, y, reduction="none")
    return elementwise.flatten(1).mean(dim=1)


def _correct(outputs, y, threshold):
    """Samples each model classifies right, as helpers.accuracy counts them: (M,) long."""
    if threshold is None and outputs.stride(-1) == 1:  # class scores (M, N, C), labels (M, N)
        return (outputs.argmax(dim=-1) == y).sum(dim=1)
    if threshold is None:  # nn.Softmax's output, classes first: argmax is slow, so by hand
        score = outputs.gather(-1, y.unsqueeze(-1))  # right where it is the first largest
        earlier = torch.arange(outputs.shape[-1]) < y.unsqueeze(-1)
        return torch.where(earlier, score > outputs, score >= outputs).all(dim=-1).sum(dim=1)
    return ((outputs > threshold).float() == y).flatten(1).sum(dim=1)


def train_many(models, X, y, loss_func, lr, num_epochs, track_accuracy=False):
    """Train M same-shaped nn.Sequential models at once with the course's full-batch SGD.

    The parameters of all models are stacked, so one batched forward and backward
    pass per epoch trains them all. Equivalent, model by model, to
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
    linear_positions = [i for i, kind in enumerate(kinds) if kind is nn.Linear]
    params = {i: _stack_linear(models, i, kinds) for i in linear_positions}

    def forward(h):
        for i, kind in enumerate(kinds):
            if kind is nn.Linear:
                h = _stacked_linear(h, *params[i])
            elif kind is nn.LeakyReLU:
                h = F.leaky_relu(h, models[0][i].negative_slope)
            else:
                h = ACTIVATIONS[kind](h)
        return h

    flat_params = [p for pair in params.values() for p in pair]
    rates = [lr.view(-1, *[1] * (p.dim() - 1)) for p in flat_params]
    losses = torch.zeros(num_epochs, M)
    correct = torch.zeros(num_epochs, M, dtype=torch.long)
    threshold = decision_threshold(loss_func)
    for epochi in range(num_epochs):
        y_hat = forward(X)
        per_model = _per_model_loss(loss_func, y_hat, y)
        losses[epochi] = per_model.detach()
        if track_accuracy:
            correct[epochi] = _correct(y_hat.detach(), y, threshold)
        grads = torch.autograd.grad(per_model.sum(), flat_params)
        with torch.no_grad():
            torch._foreach_sub_(flat_params, torch._foreach_mul(grads, rates))
    with torch.no_grad():
        outputs = forward(X)
        for i, (weight, bias) in params.items():
            for m, model in enumerate(models):
                layer = model[i]
                layer.weight.copy_(weight[m, : layer.out_features, : layer.in_features])
                layer.bias.copy_(bias[m, : layer.out_features])
    losses = losses.T.numpy().astype(float)
    if not track_accuracy:
        return losses, outputs
    return losses, outputs, 100 * correct.T.numpy() / y.shape[1]
