"""The lesson's network, live: sliders over several training runs at once.

`train_starts` trains `starts` copies of a lesson's network, each from its own starting
weights, with the lesson's rule (full batch, plain SGD, the lesson's loss) through `train_many`;
`helpers.playground_figure.draw` shows what they learned. Neither needs a browser or ipywidgets.
`playground` puts the knobs on them as ipywidgets controls. Introduced in notebook 45.
"""

import base64
import time
from dataclasses import dataclass, fields, replace
from functools import partial

import numpy as np
import torch
from torch import nn

from helpers.data import (
    IRIS_SPECIES,
    create_qwerties,
    create_regression_data,
    iris_tensors,
    load_iris,
)
from helpers.playground_figure import draw, png
from helpers.results import accuracy, correlation
from helpers.sweeps import train_many
from helpers.training import decision_threshold

QWERTIES = {"qwerties": ((1, 1), (5, 1)), "qwerties3": ((1, 1), (5, 1), (3, -2))}
# what each data set asks of the network: one logit (two classes), one score per class, or a
# number (regression)
TASKS = {"qwerties": "binary", "qwerties3": "classes", "iris": "classes",
         "regression": "regression"}
DATA = tuple(TASKS)
# output: the layer after the model's last Linear and the loss it is trained with
OUTPUTS = {
    "binary": {"sigmoid": (nn.Sigmoid, nn.BCELoss), "logit": (None, nn.BCEWithLogitsLoss)},
    "classes": {"logits": (None, nn.CrossEntropyLoss),
                "double softmax": (partial(nn.Softmax, dim=1), nn.CrossEntropyLoss)},
    "regression": {"linear": (None, nn.MSELoss)},
}
RANGES = {"lr": (1e-4, 1.0), "num_epochs": (10, 10_000), "hidden_units": (1, 128),
          "hidden_layers": (1, 5), "blur": (0.1, 3.0), "slope": (-2.0, 2.0),
          "noise": (0.0, 2.0), "points": (10, 500)}
INTEGERS = ("num_epochs", "hidden_units", "hidden_layers", "points")
FIRST_CHUNK, CHUNK_SECONDS = 10, 0.5  # epochs timed first; then chunks of about 0.5 s


@dataclass(frozen=True)
class Knobs:
    """One position of the controls. output: 'sigmoid' (BCELoss) or 'logit'
    (BCEWithLogitsLoss) for two classes; 'logits' or 'double softmax' (the notes' nn.Softmax
    before CrossEntropyLoss) for more; 'linear' (MSELoss) for regression. blur: the qwerties'
    spread. slope, noise, points: the regression data, y = slope * x + noise * N(0, 1) on
    `points` points. seed: the data and the starting weights."""

    lr: float = 0.01
    num_epochs: int = 1000
    hidden_units: int = 1
    hidden_layers: int = 1
    relu: bool = True
    output: str = "sigmoid"
    blur: float = 1.0
    slope: float = 1.0
    noise: float = 0.5
    points: int = 30
    starts: int = 8
    seed: int = 0

    def __post_init__(self):
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            integer = name in INTEGERS
            if isinstance(value, bool) or not isinstance(
                    value, (int, np.integer) if integer else (int, float, np.number)):
                kind = "an int" if integer else "a number"
                raise TypeError(f"{name} must be {kind} from {low} to {high}, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{name} must be from {low} to {high}, got {value}")
        if not isinstance(self.relu, bool):
            raise TypeError(f"relu must be True or False, got {self.relu!r}")
        every_output = [name for outputs in OUTPUTS.values() for name in outputs]
        if self.output not in every_output:
            raise ValueError(f"output must be one of {every_output}, got {self.output!r}")
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
    (notebook 57's ann_iris). Returns an nn.Sequential. Introduced in notebook 45.
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
    45: Lesson("regression", partial(mlp, 1, 1), Knobs(0.05, 500, output="linear")),
    46: Lesson("regression", partial(mlp, 1, 1), Knobs(0.05, 500, output="linear", points=50)),
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


def playground_data(data, knobs=Knobs()):
    """The data a playground trains on: (X (N, features), y, class names).

    'qwerties' (two clusters, y (N, 1) float) and 'qwerties3' (three, y (N,) long): 100 points
    per cluster with knobs.blur; 'regression': knobs.points points on y = knobs.slope * x plus
    noise of std knobs.noise (y (N, 1) float, no class names). Both are drawn from their own
    generator, seeded by knobs.seed, so the notebook's generators are left as they were.
    'iris' (y (N,) long) is the same whatever the knobs.
    """
    if data not in DATA:
        raise ValueError(f"data must be one of {DATA}, got {data!r}")
    if data == "iris":
        X, y = iris_tensors(load_iris())
        return X, y, IRIS_SPECIES
    if data == "regression":
        with torch.random.fork_rng():
            torch.manual_seed(knobs.seed)
            X, y = create_regression_data(knobs.slope, knobs.points, knobs.noise)
        return X, y, ()
    state = np.random.get_state()
    try:
        np.random.seed(knobs.seed)
        X, y = create_qwerties(QWERTIES[data], n_per_clust=100, blur=knobs.blur)
    finally:
        np.random.set_state(state)
    return X, y, tuple(f"class {k}" for k in range(len(QWERTIES[data])))


def build_models(build_model, knobs, data, X, y):
    """`knobs.starts` networks from `build_model`, seeded by knobs.seed, each with the output
    layer of knobs.output appended; and the loss to train them with."""
    task = TASKS[data]
    if knobs.output not in OUTPUTS[task]:
        raise ValueError(f"output must be one of {list(OUTPUTS[task])} for {data}, "
                         f"got {knobs.output!r}")
    output_layer, loss = OUTPUTS[task][knobs.output]
    n_outputs = int(y.max()) + 1 if task == "classes" else 1
    what = {"binary": "one logit", "classes": "one score per class", "regression": "a number"}
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
                                 f"({what[task]}), got {linears[-1].out_features}")
            models.append(nn.Sequential(*model, output_layer()) if output_layer else model)
    return models, loss()


@dataclass
class Result:
    """What `train_starts` returns: S trained starts of one network on N points."""

    knobs: Knobs
    data: str
    X: torch.Tensor  # (N, features)
    y: torch.Tensor  # (N, 1) float or (N,) long
    class_names: tuple  # empty for regression
    models: list  # S trained nn.Sequential
    losses: np.ndarray  # (S, num_epochs)
    outputs: torch.Tensor  # (S, N, outputs) after the last step
    accuracies: np.ndarray | None  # (S, num_epochs) percent, each epoch's forward pass
    units_on: list  # per hidden layer a ReLU follows: (S, units) share of points it is on
    threshold: float | None  # binary outputs: an output above it means class 1

    @property
    def task(self):
        return TASKS[self.data]

    @property
    def diverged(self):
        """(S,) True where the loss stopped being a finite number."""
        return ~np.isfinite(self.losses).all(axis=1)

    @property
    def final_accuracy(self):
        """(S,) percent classified right after the last step (classification)."""
        return np.atleast_1d(accuracy(self.outputs, self.y, self.threshold))

    @property
    def final_loss(self):
        """(S,) the mean squared error after the last step (regression)."""
        return ((self.outputs - self.y) ** 2).mean(dim=(1, 2)).numpy().astype(float)

    @property
    def correlation(self):
        """(S,) correlation of each start's predictions with the targets (regression)."""
        with np.errstate(invalid="ignore"):
            return correlation(self.outputs.numpy(), self.y.expand_as(self.outputs).numpy())

    @property
    def mean_only(self):
        """(S,) True where a start predicts one number for every point (regression): it has
        learned only the mean, as a dead unit's network does."""
        return (self.outputs == self.outputs[:, :1]).all(dim=1).squeeze(1).numpy()

    @property
    def class_accuracy(self):
        """(S, classes) percent of each class classified right (classification)."""
        predicted, labels = self.predict(self.X), self.y.reshape(-1).long()
        return np.stack([100 * (predicted[:, labels == c] == c).float().mean(dim=1).numpy()
                         for c in range(len(self.class_names))], axis=1)

    @property
    def dead_units(self):
        """Number of units after a ReLU that are off on every point, over all starts."""
        return int(sum((share == 0).sum() for share in self.units_on))

    def median_start(self):
        """The start in the middle when the starts are ranked from worst to best (by final
        accuracy, or by final loss for regression; a diverged start ranks last; of the two
        middle ones of an even number, the worse): a typical start, not the luckiest."""
        if self.task == "regression":
            badness = np.nan_to_num(self.final_loss, nan=np.inf)
        else:
            badness = np.where(self.diverged, np.inf, -self.final_accuracy)
        worst_first = np.argsort(-badness, kind="stable")
        return int(worst_first[(len(worst_first) - 1) // 2])

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
        """One line: the network, the knobs and what the starts reached."""
        k, median = self.knobs, self.median_start()
        if self.task == "regression":
            loss, r = self.final_loss, self.correlation
            line = (f"{k.starts} starts of {self.architecture()} ({'ReLU' if k.relu else 'linear'}"
                    f"), slope {k.slope:.1f}, noise {k.noise:.1f}, lr {k.lr:.2g}, "
                    f"{k.num_epochs} epochs: loss {_span(loss, 3)}, median start "
                    f"{_span(loss[median:median + 1], 3)} (noise floor {k.noise ** 2:.3f}); "
                    f"correlation {_span(r, 2)}, median start {_span(r[median:median + 1], 2)}; "
                    f"{self.mean_only.sum()} of {k.starts} fit only the mean")
        else:
            acc = self.final_accuracy
            line = (f"{k.starts} starts of {self.architecture()} ({'ReLU' if k.relu else 'linear'}"
                    f", {k.output}), lr {k.lr:.2g}, {k.num_epochs} epochs: accuracy "
                    f"{_span(acc, 1)} %, median start {acc[median]:.1f} %; "
                    f"{(acc >= 90).sum()} of {k.starts} at 90 % or more")
        units = sum(share.size for share in self.units_on)
        line += (f"; dead ReLU units {self.dead_units} of {units}" if self.units_on
                 else "; no ReLU, so no dead units")
        if self.diverged.any():
            line += f"; {self.diverged.sum()} diverged (loss not a number: lower the rate)"
        return line


def _span(values, decimals):
    """'lowest to highest' of the finite values, rounded (one value if they are all equal);
    'not a number' if there is none."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return "not a number"
    low, high = f"{finite.min():.{decimals}f}", f"{finite.max():.{decimals}f}"
    return low if low == high else f"{low} to {high}"


def train_starts(build_model, knobs, data="qwerties", progress=None):
    """Train knobs.starts networks of `build_model` on `data` with the lesson's rule.

    build_model(hidden_units, hidden_layers, relu) -> nn.Sequential of Linear/ReLU/... layers
    ending in a Linear: one logit for two classes, one score per class, one number for
    regression. progress(epochs_done, num_epochs, seconds_left), if given, is called between
    chunks of about half a second of training (the numbers are the same bits either way).
    Returns a Result.
    """
    if not isinstance(knobs, Knobs):
        raise TypeError(f"knobs must be a Knobs, got {type(knobs).__name__}")
    X, y, class_names = playground_data(data, knobs)
    models, loss_func = build_models(build_model, knobs, data, X, y)
    classify = TASKS[data] != "regression"
    losses, accuracies, done = [], [], 0
    chunk = min(knobs.num_epochs, FIRST_CHUNK) if progress else knobs.num_epochs
    start = time.perf_counter()
    with np.errstate(invalid="ignore"):
        while done < knobs.num_epochs:
            chunk_losses, outputs, *chunk_accuracies = train_many(
                models, X, y, loss_func, knobs.lr, chunk, track_accuracy=classify)
            losses.append(chunk_losses)
            accuracies += chunk_accuracies
            done += chunk
            if done < knobs.num_epochs:
                per_epoch = (time.perf_counter() - start) / done
                progress(done, knobs.num_epochs, per_epoch * (knobs.num_epochs - done))
                chunk = min(knobs.num_epochs - done, max(chunk, int(CHUNK_SECONDS / per_epoch)))
    return Result(knobs, data, X, y, class_names, models, np.concatenate(losses, axis=1),
                  outputs, np.concatenate(accuracies, axis=1) if classify else None,
                  units_on(models, X), decision_threshold(loss_func))


def units_on(models, X):
    """For each hidden Linear layer that a ReLU follows: (S, units) share of the points on
    which each unit's output is above 0, that is, on which its ReLU passes something on. A
    unit on no point is dead. Layers with no ReLU after them have no on and off."""
    shares = []
    with torch.no_grad():
        h = [X] * len(models)
        for i, layer in enumerate(models[0]):
            h = [model[i](x) for model, x in zip(models, h, strict=True)]
            if isinstance(layer, nn.Linear) and i + 1 < len(models[0]) and isinstance(
                    models[0][i + 1], nn.ReLU):
                shares.append(torch.stack([(x > 0).float().mean(dim=0) for x in h]).numpy())
    return shares


class Playground:
    """The controls, the picture and the summary line of `playground`. Its text form (what a
    notebook shows where widgets cannot run) is the summary of the current knobs, and its
    image form the picture, for viewers of a saved notebook (GitHub, nbconvert)."""

    def __init__(self, build_model, knobs, data):
        import ipywidgets as widgets  # here: only the panel needs it, not the computing part

        self.build_model, self.data = build_model, data
        task = TASKS[data]
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
        if task == "classes":  # buttons as wide as their text, side by side
            controls["output"] = widgets.ToggleButtons(
                options=list(OUTPUTS[task]), value=knobs.output, description="output",
                style={"button_width": "auto", "description_width": "initial"})
        if data in QWERTIES:
            controls["blur"] = widgets.FloatSlider(knobs.blur, min=0.1, max=3.0, step=0.1,
                                                   description="blur", **slider)
        if task == "regression":
            controls["slope"] = widgets.FloatSlider(knobs.slope, min=-2, max=2, step=0.1,
                                                    description="slope", **slider)
            controls["noise"] = widgets.FloatSlider(knobs.noise, min=0, max=2, step=0.1,
                                                    description="noise", **slider)
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

    def _show_progress(self, done, total, seconds_left):
        if seconds_left > 1:
            self.status.value = (f"<i>training: {done:,} of {total:,} epochs, about "
                                 f"{seconds_left:.0f} s to go (wide, deep networks and many "
                                 f"epochs take longest)</i>")

    def update(self):
        """Train the starts for the current knobs and redraw; returns (train s, draw s)."""
        start = time.perf_counter()
        self.status.value = (f"<i>training {self.knobs.starts} starts for "
                             f"{self.knobs.num_epochs:,} epochs…</i>")
        self.result = train_starts(self.build_model, self.knobs, self.data, self._show_progress)
        trained = time.perf_counter()
        self.image.value = png(draw(self.result))
        self.status.value = f"<b>{self.result.summary()}</b>"
        self.seconds = (trained - start, time.perf_counter() - trained)
        return self.seconds

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.result.summary()
        bundle["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        return bundle


def playground(lesson=None, build_model=None, data=None, **knobs):
    """A panel to train a lesson's network live: move a control and `starts` (8) networks
    from different starting weights retrain and redraw, in well under a second at the lesson's
    values.

    lesson: 45-57, the lesson whose data, network and knob values to start from (LESSONS).
    build_model(hidden_units, hidden_layers, relu) -> nn.Sequential: another network (see
    `mlp`); data: 'qwerties', 'qwerties3', 'iris' or 'regression'; knobs: any field of Knobs
    (lr, num_epochs, hidden_units, hidden_layers, relu, output, blur, slope, noise, points,
    starts, seed). Returns a Playground.
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
            raise ValueError("give a lesson (45-57) or a build_model")
        build_model = base.build_model
    default = base.knobs if base and base.data == data else Knobs(
        output=next(iter(OUTPUTS[TASKS[data]])))
    return Playground(build_model, replace(default, **knobs), data)
