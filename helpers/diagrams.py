"""Draw a small MLP as the course's slides do: units as circles, weights as lines."""

import matplotlib.pyplot as plt
from torch import nn

ACTIVATION_NAMES = {nn.ReLU: "ReLU", nn.Sigmoid: "sigmoid", nn.Softmax: "softmax",
                    nn.Identity: "linear"}


def describe_layers(model):
    """Layer sizes and the activation after each layer of an nn.Sequential.

    Returns sizes, a list [inputs, units of each Linear...], and activations, one
    name per Linear ("linear" when no activation follows). Introduced in notebook 47.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"model must be an nn.Sequential, got {type(model).__name__}")
    sizes, activations = [], []
    for layer in model:
        if isinstance(layer, nn.Linear):
            if not sizes:
                sizes.append(layer.in_features)
            elif layer.in_features != sizes[-1]:
                raise ValueError(f"Linear layers do not chain: {sizes[-1]} -> {layer.in_features}")
            sizes.append(layer.out_features)
            activations.append("linear")
        elif type(layer) in ACTIVATION_NAMES and activations:
            activations[-1] = ACTIVATION_NAMES[type(layer)]
        else:
            raise TypeError(f"cannot draw layer {type(layer).__name__}")
    if not sizes:
        raise ValueError("model has no nn.Linear layer")
    return sizes, activations


def draw_network(model_or_sizes, activations=None, ax=None, title="", max_units=9,
                 size_labels=None, unit_labels=None, edge_labels=None, column_gap=2.0,
                 column_names=None):
    """Draw units and all-to-all connections of an MLP, one column per layer.

    model_or_sizes: an nn.Sequential, or layer sizes [inputs, hidden..., outputs].
    activations: a name under each non-input column (taken from the model if given).
    Columns with more than max_units units show max_units - 1 of them, a gap and the
    last. size_labels: text for each column's size (e.g. "n"), default the numbers.
    unit_labels: one text (or None) per column, written above its top unit (e.g. the
    formula the unit computes); edge_labels: one text (or None) per pair of adjacent
    columns, written on their connections (e.g. a weight's name).
    column_gap: distance between columns, in unit heights (wider for tall columns).
    column_names: one name per column, written under it (default input, hidden...,
    output), e.g. the names of a model's layers.
    Returns the axes. Introduced in notebook 47; the slides' figures in Images/ use it.
    """
    if isinstance(model_or_sizes, nn.Module):
        sizes, model_activations = describe_layers(model_or_sizes)
        activations = model_activations if activations is None else activations
    else:
        sizes = list(model_or_sizes)
    if len(sizes) < 2 or any(not isinstance(s, int) or s <= 0 for s in sizes):
        raise ValueError(f"layer sizes must be at least two positive ints, got {sizes}")
    activations = list(activations or [""] * (len(sizes) - 1))
    if len(activations) != len(sizes) - 1:
        raise ValueError(f"activations must name {len(sizes) - 1} layers, got {len(activations)}")
    size_labels = [str(s) for s in sizes] if size_labels is None else list(size_labels)
    if len(size_labels) != len(sizes):
        raise ValueError(f"size_labels must have {len(sizes)} entries, got {len(size_labels)}")
    unit_labels = list(unit_labels or [None] * len(sizes))
    if column_names is None:
        column_names = ["input"] + ["hidden"] * (len(sizes) - 2) + ["output"]
    if len(column_names) != len(sizes):
        raise ValueError(f"column_names must have {len(sizes)} entries, got {len(column_names)}")
    edge_labels = list(edge_labels or [None] * (len(sizes) - 1))
    if len(unit_labels) != len(sizes) or len(edge_labels) != len(sizes) - 1:
        raise ValueError(f"unit_labels must have {len(sizes)} entries and edge_labels "
                         f"{len(sizes) - 1}, got {len(unit_labels)} and {len(edge_labels)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 * len(sizes) + 1, 4))

    shown = [min(s, max_units) for s in sizes]
    height = max(shown)
    columns = []
    for col, n in enumerate(shown):
        ys = [(height - 1) / 2 + (n - 1) / 2 - i for i in range(n)]  # centred columns
        columns.append([(col * column_gap, y) for y in ys])
    for left, right in zip(columns, columns[1:], strict=False):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="0.6", linewidth=0.6, zorder=1)
    for col, (units, full) in enumerate(zip(columns, sizes, strict=True)):
        colour = "#9ecae1" if col == 0 else ("#fdae6b" if col == len(sizes) - 1 else "#a1d99b")
        for row, (x, y) in enumerate(units):
            if full > max_units and row == len(units) - 2:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=16, zorder=3)
                continue
            ax.add_patch(plt.Circle((x, y), 0.3, facecolor=colour, edgecolor="k", zorder=2))
        x = col * column_gap
        name = column_names[col]
        unit_word = "unit" if size_labels[col] == "1" else "units"
        under = f"{name}\n{size_labels[col]} {unit_word}"
        if col > 0 and activations[col - 1]:
            under += f"\n{activations[col - 1]}"
        ax.text(x, -0.9, under, ha="center", va="top", fontsize=9)
    for col, text in enumerate(unit_labels):
        if text:
            x, y = columns[col][0]
            ax.text(x, y + 0.4, text, ha="center", va="bottom", fontsize=10)
    for col, text in enumerate(edge_labels):
        if text:
            (x0, y0), (x1, y1) = columns[col][0], columns[col + 1][0]
            ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.08, text, ha="center", va="bottom",
                    fontsize=10, color="0.25")
    ax.set_xlim(-0.8, column_gap * (len(sizes) - 1) + 0.8)
    ax.set_ylim(-2.2, height + (0.8 if any(unit_labels) else 0))
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax
