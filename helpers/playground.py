"""The lesson's network, live: sliders over several training runs at once.

`train_starts` trains `starts` copies of a lesson's network, each from its own starting
weights, with the lesson's rule (full batch, plain SGD, the lesson's loss) through
`train_many`, and `draw` shows what they learned. Neither needs a browser or ipywidgets.
`playground` puts the knobs on them as ipywidgets controls. Introduced in notebook 47.
"""

import io
import time
from dataclasses import dataclass, fields, replace
from functools import partial

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import nn

from helpers.data import IRIS_SPECIES, create_qwerties, iris_tensors, load_iris
from helpers.plots import plot_qwerties
from helpers.results import accuracy
from helpers.sweeps import train_many
from helpers.training import decision_threshold

QWERTIES = {"qwerties": ((1, 1), (5, 1)), "qwerties3": ((1, 1), (5, 1), (3, -2))}
DATA = (*QWERTIES, "iris")
# output: the layer after the model's last Linear and the loss it is trained with
BINARY_OUTPUTS = {"sigmoid": (nn.Sigmoid, nn.BCELoss), "logit": (None, nn.BCEWithLogitsLoss)}
CLASS_OUTPUTS = {"logits": (None, nn.CrossEntropyLoss),
                 "double softmax": (partial(nn.Softmax, dim=1), nn.CrossEntropyLoss)}
RANGES = {"lr": (1e-4, 1.0), "num_epochs": (10, 10_000), "hidden_units": (1, 128),
          "hidden_layers": (1, 5), "blur": (0.1, 3.0)}
CLASS_COLORS = ("#9ecae1", "#bdbdbd", "#fcae91")  # light blue, grey, light red


@dataclass(frozen=True)
class Knobs:
    """One position of the controls. output: 'sigmoid' (BCELoss) or 'logit'
    (BCEWithLogitsLoss) for two classes; 'logits' or 'double softmax' (the notes' nn.Softmax
    before CrossEntropyLoss) for more. blur: the qwerties' spread. seed: the starting weights."""

    lr: float = 0.01
    num_epochs: int = 1000
    hidden_units: int = 1
    hidden_layers: int = 1
    relu: bool = True
    output: str = "sigmoid"
    blur: float = 1.0
    starts: int = 8
    seed: int = 0

    def __post_init__(self):
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            integer = name in ("num_epochs", "hidden_units", "hidden_layers")
            if isinstance(value, bool) or not isinstance(
                    value, (int, np.integer) if integer else (int, float, np.number)):
                kind = "an int" if integer else "a number"
                raise TypeError(f"{name} must be {kind} from {low} to {high}, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}, got {value}")
        if not isinstance(self.relu, bool):
            raise TypeError(f"relu must be True or False, got {self.relu!r}")
        if self.output not in (*BINARY_OUTPUTS, *CLASS_OUTPUTS):
            raise ValueError(f"output must be one of {[*BINARY_OUTPUTS, *CLASS_OUTPUTS]}, "
                             f"got {self.output!r}")
        for name, (low, high) in (("starts", (1, 64)), ("seed", (0, 2**31))):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")


def mlp(n_inputs, n_outputs, hidden_units, hidden_layers, relu=True, bottleneck=False,
        linear_input=False):
    """The lessons' networks: `hidden_layers` Linear layers of `hidden_units`, each followed by
    a ReLU if `relu`, then a Linear to `n_outputs` (no output activation).

    bottleneck: the last hidden layer has one unit (notebooks 49-50: 2-16-1-1).
    linear_input: a Linear input layer of `hidden_units` with no activation comes first
    (notebook 57's ann_iris). Returns an nn.Sequential. Introduced in notebook 47.
    """
    layers, width_in = [], n_inputs
    if linear_input:
        layers.append(nn.Linear(n_inputs, hidden_units))
        width_in = hidden_units
    for i in range(hidden_layers):
        width = 1 if bottleneck and i == hidden_layers - 1 else hidden_units
        layers += [nn.Linear(width_in, width)] + ([nn.ReLU()] if relu else [])
        width_in = width
    return nn.Sequential(*layers, nn.Linear(width_in, n_outputs))


@dataclass(frozen=True)
class Lesson:
    """A lesson's playground: its data, its network and where the knobs start."""

    data: str
    build_model: object  # build_model(hidden_units, hidden_layers, relu) -> nn.Sequential
    knobs: Knobs


LESSONS = {
    47: Lesson("qwerties", partial(mlp, 2, 1), Knobs(0.01, 1000, 1, 1)),
    48: Lesson("qwerties", partial(mlp, 2, 1), Knobs(0.01, 1000, 1, 1, output="logit")),
    49: Lesson("qwerties", partial(mlp, 2, 1, bottleneck=True), Knobs(0.01, 1000, 16, 2)),
    50: Lesson("qwerties", partial(mlp, 2, 1, bottleneck=True),
               Knobs(0.01, 1000, 16, 2, relu=False)),
    52: Lesson("iris", partial(mlp, 4, 3), Knobs(0.01, 1000, 64, 2, output="logits")),
    53: Lesson("qwerties3", partial(mlp, 2, 3), Knobs(0.01, 1000, 4, 1, output="double softmax")),
    54: Lesson("iris", partial(mlp, 4, 3), Knobs(0.01, 150, 12, 2, output="logits")),
    57: Lesson("iris", partial(mlp, 4, 3, linear_input=True), Knobs(0.01, 500, 16, 1,
                                                                    output="logits")),
}


def playground_data(data, blur=1.0, seed=0):
    """The data a playground trains on: (X (N, features), y, class names).

    'qwerties' (two clusters, y (N, 1) float) and 'qwerties3' (three, y (N,) long) are
    drawn with 100 points per cluster from their own generator, seeded by `seed`, so the
    notebook's generators are left as they were; 'iris' (y (N,) long) ignores blur and seed.
    """
    if data == "iris":
        X, y = iris_tensors(load_iris())
        return X, y, IRIS_SPECIES
    if data not in QWERTIES:
        raise ValueError(f"data must be one of {DATA}, got {data!r}")
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        X, y = create_qwerties(QWERTIES[data], n_per_clust=100, blur=blur)
    finally:
        np.random.set_state(state)
    return X, y, tuple(f"class {k}" for k in range(len(QWERTIES[data])))


def build_models(build_model, knobs, X, y):
    """`knobs.starts` networks from `build_model`, seeded by knobs.seed, each with the output
    layer of knobs.output appended; and the loss to train them with."""
    binary = y.is_floating_point()
    outputs = BINARY_OUTPUTS if binary else CLASS_OUTPUTS
    if knobs.output not in outputs:
        raise ValueError(f"output must be one of {list(outputs)} for "
                         f"{'two classes' if binary else 'class indices'}, got {knobs.output!r}")
    output_layer, loss = outputs[knobs.output]
    n_outputs = 1 if binary else int(y.max()) + 1
    models = []
    with torch.random.fork_rng():
        torch.manual_seed(knobs.seed)
        for _ in range(knobs.starts):
            model = build_model(knobs.hidden_units, knobs.hidden_layers, knobs.relu)
            if not isinstance(model, nn.Sequential):
                raise TypeError(f"build_model must return an nn.Sequential, got "
                                f"{type(model).__name__}")
            linears = [layer for layer in model if isinstance(layer, nn.Linear)]
            if not linears or linears[0].in_features != X.shape[1]:
                got = linears[0].in_features if linears else "no Linear layer"
                raise ValueError(f"build_model must make a network with {X.shape[1]} inputs "
                                 f"(the data's features), got {got}")
            if linears[-1].out_features != n_outputs:
                raise ValueError(f"build_model must make a network with {n_outputs} output(s) "
                                 f"(one {'logit' if binary else 'score per class'}), got "
                                 f"{linears[-1].out_features}")
            models.append(nn.Sequential(*model, output_layer()) if output_layer else model)
    return models, loss()


@dataclass
class Result:
    """What `train_starts` returns: S trained starts of one network on N points."""

    knobs: Knobs
    X: torch.Tensor  # (N, features)
    y: torch.Tensor  # (N, 1) float or (N,) long
    class_names: tuple
    models: list  # S trained nn.Sequential
    losses: np.ndarray  # (S, num_epochs)
    accuracies: np.ndarray  # (S, num_epochs), percent, on each epoch's forward pass
    final_accuracy: np.ndarray  # (S,) after the last step
    class_accuracy: np.ndarray  # (S, classes) percent of each class classified right
    units_on: list  # one (S, units) array per hidden layer: share of points with output > 0
    threshold: float | None  # for binary outputs: output above it means class 1

    @property
    def diverged(self):
        """(S,) True where the loss stopped being a finite number."""
        return ~np.isfinite(self.losses).all(axis=1)

    def architecture(self):
        sizes = [self.models[0][0].in_features] + [
            layer.out_features for layer in self.models[0] if isinstance(layer, nn.Linear)]
        return "-".join(map(str, sizes))

    def predict(self, X):
        """Class predicted by each start: X (P, features) -> (S, P) long."""
        with torch.no_grad():
            out = torch.stack([model(X) for model in self.models])
        if self.threshold is None:
            return out.argmax(dim=-1)
        return (out[..., 0] > self.threshold).long()

    def summary(self):
        """One line: the network, the knobs and the accuracies of the starts."""
        k, acc = self.knobs, self.final_accuracy
        units = np.concatenate([share.ravel() for share in self.units_on])
        line = (f"{k.starts} starts of {self.architecture()} ({'ReLU' if k.relu else 'linear'}, "
                f"{k.output}), lr {k.lr:.2g}, {k.num_epochs} epochs: accuracy "
                f"{acc.min():.1f} to {acc.max():.1f} %, median {np.median(acc):.1f} %; "
                f"{(acc >= 90).sum()} of {k.starts} at 90 % or more; " + (
                    f"dead hidden units {(units == 0).sum()} of {units.size}" if k.relu
                    else "no ReLU, so no dead units"))
        if self.diverged.any():
            line += f"; {self.diverged.sum()} diverged (loss not a number: lower the rate)"
        return line


def train_starts(build_model, knobs, data="qwerties"):
    """Train knobs.starts networks of `build_model` on `data` with the lesson's rule.

    build_model(hidden_units, hidden_layers, relu) -> nn.Sequential of Linear/ReLU/... layers
    ending in a Linear: one logit for two classes, one score per class otherwise.
    Returns a Result.
    """
    if not isinstance(knobs, Knobs):
        raise TypeError(f"knobs must be a Knobs, got {type(knobs).__name__}")
    X, y, class_names = playground_data(data, knobs.blur, knobs.seed)
    models, loss_func = build_models(build_model, knobs, X, y)
    with np.errstate(invalid="ignore"):
        losses, outputs, accuracies = train_many(models, X, y, loss_func, knobs.lr,
                                                 knobs.num_epochs, track_accuracy=True)
    threshold = decision_threshold(loss_func)
    labels = y.reshape(-1).long()
    result = Result(knobs, X, y, class_names, models, losses, accuracies,
                    np.atleast_1d(accuracy(outputs, y, threshold)), None, [], threshold)
    predicted = result.predict(X)
    result.class_accuracy = np.stack([
        100 * (predicted[:, labels == c] == c).float().mean(dim=1).numpy()
        for c in range(len(class_names))], axis=1)
    result.units_on = units_on(models, X)
    return result


def units_on(models, X):
    """For each hidden Linear layer (all but the last): (S, units) share of the points on which
    each unit's output is above 0, that is, on which its ReLU passes something on."""
    shares = []
    with torch.no_grad():
        h = [X] * len(models)
        for i, layer in enumerate(models[0]):
            h = [model[i](x) for model, x in zip(models, h, strict=True)]
            is_last_linear = not any(isinstance(m, nn.Linear) for m in models[0][i + 1:])
            if isinstance(layer, nn.Linear) and not is_last_linear:
                shares.append(torch.stack([(x > 0).float().mean(dim=0) for x in h]).numpy())
    return shares


def draw(result, figure=None):
    """Four panels: decision regions (2-D data) or accuracy per class; loss and accuracy per
    epoch of every start; and the share of points on which each hidden unit is on.
    Returns the matplotlib Figure (not shown: pass it to `png`)."""
    fig = figure or Figure(figsize=(13, 3.4), dpi=80)
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.15, top=0.9, wspace=0.25)
    ax_data, ax_loss, ax_acc, ax_units = fig.subplots(1, 4, width_ratios=(1, 1, 1, 1.2))
    acc = result.final_accuracy
    median_start = int(np.argsort(acc)[len(acc) // 2])  # a typical start, not the best
    if result.X.shape[1] == 2:
        _draw_regions(ax_data, result, median_start)
    else:
        _draw_class_accuracy(ax_data, result)
    epochs = np.arange(1, result.knobs.num_epochs + 1)
    step = max(1, len(epochs) // 300)  # at most 300 points per line: the eye sees no more
    ax_loss.plot(epochs[::step], result.losses[:, ::step].T, linewidth=1)
    ax_loss.set(xlabel="epoch", title="loss of each start")
    ax_acc.plot(epochs[::step], result.accuracies[:, ::step].T, linewidth=1)
    ax_acc.set(xlabel="epoch", ylim=(0, 102), title="accuracy (%) of each start")
    _draw_units(ax_units, result)
    return fig


def _draw_regions(ax, result, start):
    (x0, y0), (x1, y1) = (result.X.min(dim=0).values - 1).tolist(), (
        result.X.max(dim=0).values + 1).tolist()
    gx, gy = torch.meshgrid(torch.linspace(x0, x1, 120), torch.linspace(y0, y1, 120),
                            indexing="xy")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    regions = result.predict(grid)[start].reshape(gx.shape).numpy()
    n_classes = len(result.class_names)
    ax.imshow(regions, origin="lower", extent=(x0, x1, y0, y1), aspect="auto",
              cmap=ListedColormap(CLASS_COLORS[:n_classes]), vmin=0, vmax=n_classes - 1,
              interpolation="nearest")
    predicted = result.predict(result.X)[start]
    plot_qwerties(result.X, result.y, predicted, ax)
    ax.get_legend().remove()  # no room beside a panel; the title counts the crosses
    wrong = int((predicted != result.y.reshape(-1).long()).sum())
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="", ylabel="",
           title=f"median start: {result.final_accuracy[start]:.1f} %, {wrong} wrong (x)")


def _draw_class_accuracy(ax, result):
    S, C = result.class_accuracy.shape
    jitter = np.linspace(-0.25, 0.25, S)
    for c in range(C):
        ax.plot(c + jitter, result.class_accuracy[:, c], "o", markerfacecolor="w",
                color=f"C{c}")
        ax.hlines(np.median(result.class_accuracy[:, c]), c - 0.35, c + 0.35, color="k")
    ax.set(xticks=range(C), xticklabels=result.class_names, ylim=(-3, 103),
           title="accuracy (%) per class, each start")


def _draw_units(ax, result):
    shares = np.concatenate(result.units_on, axis=1)
    ax.imshow(shares, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    edge = -0.5
    for layer in result.units_on[:-1]:
        edge += layer.shape[1]
        ax.axvline(edge, color="w", linewidth=2)
    dead = f"{(shares == 0).sum()} dead" if result.knobs.relu else "no ReLU"
    ax.set(xlabel="hidden unit (layers left to right)", ylabel="start",
           yticks=range(shares.shape[0]), title=f"units: share of points on ({dead})")


def png(figure):
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


class Playground:
    """The controls, the picture and the summary line of `playground`; its text form (what
    a notebook shows where widgets cannot run) is the summary of the current knobs."""

    def __init__(self, build_model, knobs, data):
        import ipywidgets as widgets  # here: only the panel needs it, not the computing part

        self.build_model, self.data = build_model, data
        binary = data == "qwerties"
        slider = {"continuous_update": False, "style": {"description_width": "initial"}}
        controls = {
            "lr": widgets.FloatLogSlider(knobs.lr, base=10, min=-4, max=0, step=0.1,
                                         description="learning rate", readout_format=".4f",
                                         **slider),
            "num_epochs": widgets.IntSlider(knobs.num_epochs, min=50,
                                            max=max(5000, knobs.num_epochs), step=50,
                                            description="epochs", **slider),
            "hidden_units": widgets.IntSlider(knobs.hidden_units, min=1, max=128,
                                              description="hidden units", **slider),
            "hidden_layers": widgets.IntSlider(knobs.hidden_layers, min=1, max=5,
                                               description="hidden layers", **slider),
            "relu": widgets.Checkbox(knobs.relu, description="ReLU", indent=False),
        }
        if not binary:  # buttons as wide as their text, side by side
            controls["output"] = widgets.ToggleButtons(
                options=list(CLASS_OUTPUTS), value=knobs.output, description="output",
                style={"button_width": "auto", "description_width": "initial"})
        if data in QWERTIES:
            controls["blur"] = widgets.FloatSlider(knobs.blur, min=0.1, max=3.0, step=0.1,
                                                   description="blur", **slider)
        self.controls = controls
        self.knobs = knobs
        self.new_starts = widgets.Button(description="new starts", icon="refresh")
        self.new_starts.on_click(self._on_new_starts)
        for control in controls.values():
            control.observe(self._on_change, names="value")
        self.image = widgets.Image(format="png")
        self.status = widgets.HTML()
        rows = list(controls.values()) + [self.new_starts]
        wrap = widgets.Layout(flex_flow="row wrap")  # a narrow notebook wraps, not squeezes
        self.widget = widgets.VBox([widgets.HBox(rows[:3], layout=wrap),
                                    widgets.HBox(rows[3:], layout=wrap), self.status, self.image])
        self.update()

    def _on_change(self, change):
        self.knobs = replace(self.knobs, **{name: control.value
                                            for name, control in self.controls.items()})
        self.update()

    def _on_new_starts(self, button):
        self.knobs = replace(self.knobs, seed=self.knobs.seed + 1)
        self.update()

    def update(self):
        """Train the starts for the current knobs and redraw; returns (train s, draw s)."""
        start = time.perf_counter()
        self.result = train_starts(self.build_model, self.knobs, self.data)
        trained = time.perf_counter()
        self.image.value = png(draw(self.result))
        self.status.value = f"<b>{self.result.summary()}</b>"
        self.seconds = (trained - start, time.perf_counter() - trained)
        return self.seconds

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.result.summary()
        return bundle


def playground(lesson=None, build_model=None, data=None, **knobs):
    """A panel to train a lesson's network live: move a control and `starts` (8) networks
    from different starting weights retrain and redraw in well under a second.

    lesson: 47-57, the lesson whose data, network and knob values to start from (LESSONS).
    build_model(hidden_units, hidden_layers, relu) -> nn.Sequential: another network (see
    `mlp`); data: 'qwerties', 'qwerties3' or 'iris'; knobs: any field of Knobs (lr, num_epochs,
    hidden_units, hidden_layers, relu, output, blur, starts, seed). Returns a Playground.
    """
    if lesson is not None and lesson not in LESSONS:
        raise ValueError(f"lesson must be one of {sorted(LESSONS)}, got {lesson!r}")
    unknown = set(knobs) - {f.name for f in fields(Knobs)}
    if unknown:
        raise TypeError(f"unknown knobs {sorted(unknown)}: use {[f.name for f in fields(Knobs)]}")
    base = LESSONS[lesson] if lesson is not None else None
    data = data or (base.data if base else "qwerties")
    if data not in DATA:
        raise ValueError(f"data must be one of {DATA}, got {data!r}")
    if build_model is None:
        if base is None:
            raise ValueError("give a lesson (47-57) or a build_model")
        build_model = base.build_model
    default = base.knobs if base else Knobs(output="sigmoid" if data == "qwerties" else "logits")
    return Playground(build_model, replace(default, **knobs), data)
