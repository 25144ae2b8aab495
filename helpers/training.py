"""The course's full-batch training loop, for regression and classification."""

import numpy as np
import torch
from torch import nn

from helpers.results import accuracy

SUPPORTED_LOSSES = (nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss)


def check_training_inputs(X, y, loss_func, lr, num_epochs) -> None:
    """Raise a clear error for arguments the training loops cannot use.

    X: (N, features) or (M, N, features), finite; y: same leading sizes as X, finite;
    lr: > 0 (a number, or one per model); num_epochs: a positive int. Shared by
    `train_full_batch` and `helpers.sweeps.train_many`.
    """
    if not isinstance(loss_func, SUPPORTED_LOSSES):
        names = ", ".join(f"nn.{cls.__name__}()" for cls in SUPPORTED_LOSSES)
        raise TypeError(f"loss_func must be one of {names}, got {type(loss_func).__name__}")
    if isinstance(num_epochs, bool) or not isinstance(num_epochs, (int, np.integer)):
        raise TypeError(f"num_epochs must be a positive int, got {type(num_epochs).__name__}")
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs}")
    if not np.all(np.asarray(lr, dtype=float) > 0):
        raise ValueError(f"lr must be > 0, got {lr}")
    if not (torch.is_tensor(X) and torch.is_tensor(y)):
        raise TypeError("X and y must be torch tensors")
    for name, tensor in (("X", X), ("y", y)):
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            bad = int((~torch.isfinite(tensor)).sum())
            raise ValueError(f"{name} must hold finite numbers, got {bad} NaN or inf values")
    if X.shape[:-1] != y.shape[: X.dim() - 1]:
        raise ValueError(
            f"X and y must have the same number of samples, got X {tuple(X.shape)} "
            f"and y {tuple(y.shape)}"
        )
    if isinstance(loss_func, nn.CrossEntropyLoss):
        if y.dtype != torch.long:
            raise TypeError(f"CrossEntropyLoss needs long class indices as y, got {y.dtype}")
    elif not y.is_floating_point():
        raise TypeError(f"{type(loss_func).__name__} needs float y, got {y.dtype}")


def decision_threshold(loss_func):
    """The output value above which a binary model predicts class 1.

    0.5 for probabilities (BCELoss after a sigmoid), 0 for logits
    (BCEWithLogitsLoss); None where there is no threshold (MSE, CrossEntropy).
    """
    if isinstance(loss_func, nn.BCELoss):
        return 0.5
    if isinstance(loss_func, nn.BCEWithLogitsLoss):
        return 0.0
    return None


def train_full_batch(model, X, y, loss_func, lr, num_epochs):
    """Train `model` in place with the course's loop: full batch, plain SGD.

    X: (N, features); y: (N, outputs) float for MSE/BCE losses, (N,) long for
    CrossEntropyLoss. Each epoch: forward pass, loss, zero_grad, backward, step.
    Returns losses, a float array (num_epochs,), and accuracies, a float array
    (num_epochs,) of percent correct on each epoch's forward pass (empty for MSE).
    Introduced in notebook 45 (regression); notebooks 48 and 52 use it for two and for three
    classes.
    """
    check_training_inputs(X, y, loss_func, lr, num_epochs)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    threshold = decision_threshold(loss_func)
    classify = not isinstance(loss_func, nn.MSELoss)
    losses = np.zeros(num_epochs)
    accuracies = np.zeros(num_epochs if classify else 0)
    for epochi in range(num_epochs):
        y_hat = model(X)
        loss = loss_func(y_hat, y)
        losses[epochi] = loss.item()
        if classify:
            accuracies[epochi] = accuracy(y_hat.detach(), y, threshold)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, accuracies
