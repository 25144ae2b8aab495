"""The playground's computing part gives the lesson's numbers; its picture and its panel survive
any control."""

import base64
import copy
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from helpers import train_full_batch
from helpers.playground import (
    LESSONS,
    Knobs,
    build_models,
    mlp,
    playground,
    playground_data,
    train_starts,
)
from helpers.playground_figure import draw, png

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_each_lesson_trains_like_the_course_loop_from_the_same_starts(lesson):
    """The starts, trained by the playground, lose (and score) epoch by epoch as the course's
    loop (train_full_batch) does from copies of the same starting weights."""
    setup = LESSONS[lesson]
    knobs = replace(setup.knobs, num_epochs=min(setup.knobs.num_epochs, 300), starts=3)
    X, y, _ = playground_data(setup.data, knobs)
    starts, loss_func = build_models(setup.build_model, knobs, setup.data, X, y)
    result = train_starts(setup.build_model, knobs, setup.data)
    for s, start in enumerate(starts):
        loop_losses, loop_accuracies = train_full_batch(copy.deepcopy(start), X, y, loss_func,
                                                        knobs.lr, knobs.num_epochs)
        np.testing.assert_allclose(result.losses[s], loop_losses, rtol=1e-4)
        if result.accuracies is not None:
            # a point on the boundary can fall on either side by float rounding: a point or two
            assert np.abs(result.accuracies[s] - loop_accuracies).max() <= 200 / len(X)


def test_training_in_chunks_gives_the_same_bits_and_reports_progress():
    """The panel trains in chunks of about half a second, to say how far it is: the numbers
    must be those of one call."""
    knobs = replace(LESSONS[53].knobs, num_epochs=400)
    calls = []
    chunked = train_starts(LESSONS[53].build_model, knobs, "qwerties3",
                           progress=lambda *args: calls.append(args))
    whole = train_starts(LESSONS[53].build_model, knobs, "qwerties3")
    assert np.array_equal(chunked.losses, whole.losses)
    assert np.array_equal(chunked.accuracies, whole.accuracies)
    assert torch.equal(chunked.outputs, whole.outputs)
    assert calls and calls[0][:2] == (10, 400) and all(0 < done < 400 for done, _, _ in calls)
    assert [done for done, _, _ in calls] == sorted({done for done, _, _ in calls})


def test_the_lessons_networks():
    assert [type(m) for m in LESSONS[45].build_model(1, 1, True)] == [nn.Linear, nn.ReLU,
                                                                     nn.Linear]  # 1-1-1
    assert [type(m) for m in LESSONS[49].build_model(16, 2, True)] == [
        nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    assert LESSONS[49].build_model(16, 2, True)[2].out_features == 1  # 2-16-1-1
    assert not any(isinstance(m, nn.ReLU) for m in LESSONS[50].build_model(16, 2, False))
    assert sum(p.numel() for p in mlp(4, 3, 64, 2).parameters()) == 4 * 64 + 64 + 64 * 64 + 64 \
        + 64 * 3 + 3


@pytest.mark.parametrize(("n_neurons", "n_layers"), [(16, 1), (100, 5)])
def test_57s_playground_network_is_the_lessons_ann_iris(n_neurons, n_layers):
    """Notebook 57 defines the notes' ann_iris (a linear input layer with no ReLU after it);
    the playground's network, given the same weights, computes the same function."""
    cells = nbformat.read(ROOT / "notebooks" / "57_depth_vs_breadth.ipynb", as_version=4).cells
    source = next(c.source for c in cells if c.source.startswith("class ann_iris("))
    namespace = {"nn": nn, "F": F}
    exec(source, namespace)
    torch.manual_seed(0)
    ann_iris = namespace["ann_iris"](n_neurons, n_layers)
    ours = LESSONS[57].build_model(n_neurons, n_layers, True)
    linears = [layer for layer in ours if isinstance(layer, nn.Linear)]
    assert len(linears) == len(ann_iris.layers)
    for layer, theirs in zip(linears, ann_iris.layers.values(), strict=True):
        layer.load_state_dict(theirs.state_dict())
    X = torch.randn(50, 4)
    assert torch.equal(ours(X), ann_iris(X))


def test_what_it_reports_follows_the_training():
    """Dead units, class accuracies and the median start come from the trained nets."""
    result = train_starts(LESSONS[47].build_model, Knobs(seed=3))
    dead = np.concatenate(result.units_on, axis=1) == 0
    # a 2-1-1 net whose unit is dead gives every point the same class: 50 %
    assert dead.any() and (result.final_accuracy[dead[:, 0]] == 50).all()
    assert np.allclose(result.class_accuracy.mean(axis=1), result.final_accuracy)  # 100 + 100
    assert f"dead ReLU units {dead.sum()} of 8" in result.summary()
    # the median start: as many starts below it as above it, give or take the middle pair
    acc, median = result.final_accuracy, result.median_start()
    assert (acc < acc[median]).sum() <= 3 and (acc > acc[median]).sum() <= 4
    assert f"median start {acc[median]:.1f} %" in result.summary()
    iris = train_starts(LESSONS[54].build_model, LESSONS[54].knobs, "iris")
    assert iris.class_accuracy.shape == (8, 3)
    assert len(draw(iris).axes) == len(draw(result).axes) == 5  # and the colour bar
    assert png(draw(result))[:4] == b"\x89PNG"


def test_only_units_a_relu_follows_can_be_dead():
    """57's linear input layer has no ReLU after it: its units are neither on nor off."""
    result = train_starts(LESSONS[57].build_model, LESSONS[57].knobs, "iris")
    assert [share.shape for share in result.units_on] == [(8, 16)]  # hidden0 only
    assert "dead ReLU units" in result.summary() and " of 128" in result.summary()
    linear = train_starts(LESSONS[50].build_model, LESSONS[50].knobs)
    assert linear.units_on == [] and linear.dead_units == 0
    assert "no ReLU, so no dead units" in linear.summary()
    assert len(draw(linear).axes) == 4  # the units panel says why it is empty


def test_a_dead_regression_unit_fits_only_the_mean():
    """The lesson's point (notebooks 45-46): a 1-1-1 net whose unit is dead predicts one number,
    the mean of y, so its loss is y's variance and its correlation 0."""
    knobs = replace(LESSONS[46].knobs, starts=32)
    result = train_starts(LESSONS[46].build_model, knobs, "regression")
    dead = (np.concatenate(result.units_on, axis=1) == 0)[:, 0]
    assert dead.any() and not dead.all()
    assert np.array_equal(result.mean_only, dead)
    assert np.all(result.correlation[dead] == 0) and np.all(result.correlation[~dead] > 0.5)
    variance = float(result.y.var(unbiased=False))
    np.testing.assert_allclose(result.final_loss[dead], variance, rtol=1e-3)
    assert np.all(result.final_loss[~dead] < variance)
    assert f"{dead.sum()} of 32 fit only the mean" in result.summary()


def test_regression_data_follows_the_knobs_and_leaves_the_generators_alone():
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    X, y, names = playground_data("regression", Knobs(slope=-1.5, noise=0.0, points=40))
    assert torch.rand(1) == before and names == ()
    assert X.shape == y.shape == (40, 1) and torch.allclose(y, -1.5 * X)
    flat = playground_data("regression", Knobs(slope=0.0, noise=0.5, points=500))[1]
    assert flat.std().item() == pytest.approx(0.5, abs=0.05)


def test_starts_depend_on_the_seed_and_leave_the_notebooks_generators_alone():
    torch.manual_seed(0)
    np.random.seed(0)
    before = torch.rand(1), np.random.rand()
    torch.manual_seed(0)
    np.random.seed(0)
    first = train_starts(LESSONS[47].build_model, Knobs(num_epochs=50, seed=1))
    assert (torch.rand(1), np.random.rand()) == before
    again = train_starts(LESSONS[47].build_model, Knobs(num_epochs=50, seed=1))
    other = train_starts(LESSONS[47].build_model, Knobs(num_epochs=50, seed=2))
    assert np.array_equal(first.losses, again.losses)
    assert not np.array_equal(first.losses, other.losses)


@pytest.mark.parametrize("knobs", [
    Knobs(lr=1.0, num_epochs=50, hidden_units=128, hidden_layers=5),
    Knobs(lr=1e-4, num_epochs=50, blur=3.0, relu=False),
    Knobs(lr=1.0, num_epochs=50, hidden_units=1, hidden_layers=5, blur=0.1)])
def test_extreme_controls_train_or_say_they_diverged(knobs):
    """The corners of the sliders: the largest rate, blur and size, the fewest epochs."""
    result = train_starts(LESSONS[47].build_model, knobs)
    assert result.final_accuracy.shape == (8,)
    assert ("diverged" in result.summary()) == result.diverged.any()
    png(draw(result))


@pytest.mark.parametrize(("lesson", "knobs"), [
    (57, {"lr": 1.0, "num_epochs": 50, "hidden_units": 128, "hidden_layers": 5}),
    (53, {"lr": 1.0, "num_epochs": 50, "hidden_units": 1, "output": "logits"}),
    (46, {"lr": 1.0, "num_epochs": 50, "hidden_units": 128, "hidden_layers": 5, "slope": 2.0,
          "noise": 2.0}),
    (46, {"lr": 1e-4, "num_epochs": 50, "slope": -2.0, "noise": 0.0, "relu": False}),
    (45, {"lr": 0.05, "num_epochs": 50, "slope": 0.0})])
def test_extreme_controls_of_other_lessons_draw(lesson, knobs):
    setup = LESSONS[lesson]
    result = train_starts(setup.build_model, replace(setup.knobs, **knobs), setup.data)
    assert ("diverged" in result.summary()) == result.diverged.any()
    png(draw(result))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="lr must be from 0.0001 to 1.0, got 5"):
        Knobs(lr=5)
    with pytest.raises(TypeError, match="num_epochs must be an int"):
        Knobs(num_epochs=10.5)
    with pytest.raises(ValueError, match="slope must be from -2.0 to 2.0, got 3"):
        Knobs(slope=3)
    with pytest.raises(ValueError, match="output must be one of"):
        Knobs(output="softmax")
    with pytest.raises(ValueError, match="output must be one of .'logits', 'double softmax'"):
        train_starts(LESSONS[52].build_model, Knobs(), "iris")  # sigmoid on three classes
    with pytest.raises(ValueError, match="output must be one of .'linear'. for regression"):
        train_starts(LESSONS[45].build_model, Knobs(), "regression")
    with pytest.raises(ValueError, match="4 inputs .the data's features., got 2"):
        train_starts(LESSONS[47].build_model, Knobs(output="logits"), "iris")
    with pytest.raises(ValueError, match="1 inputs .the data's features., got 2"):
        train_starts(LESSONS[47].build_model, Knobs(output="linear"), "regression")
    with pytest.raises(ValueError, match="3 output.s. .one score per class., got 1"):
        train_starts(lambda u, n, relu: mlp(4, 1, u, n, relu), Knobs(output="logits"), "iris")
    with pytest.raises(TypeError, match="build_model must return an nn.Sequential"):
        train_starts(lambda u, n, relu: nn.Linear(2, 1), Knobs())
    with pytest.raises(ValueError, match="data must be one of"):
        playground_data("mnist")
    with pytest.raises(ValueError, match="lesson must be one of"):
        playground(lesson=51)
    with pytest.raises(TypeError, match="unknown knobs .'epochs'."):
        playground(lesson=47, epochs=10)


def test_the_panel_retrains_when_a_control_moves():
    panel = playground(lesson=47, num_epochs=100)
    shown = panel.status.value, panel.image.value
    assert panel._repr_mimebundle_()["text/plain"] == panel.result.summary()
    panel.controls["hidden_units"].value = 4
    assert panel.knobs.hidden_units == 4 and "2-4-1" in panel.status.value
    assert panel.image.value != shown[1]
    panel.new_starts.click()
    assert panel.knobs.seed == 1 and panel.status.value != shown[0]
    assert set(panel.controls) == {"lr", "num_epochs", "hidden_units", "hidden_layers", "relu",
                                   "blur"}  # two classes: no output choice; iris: no blur
    assert "output" in playground(lesson=53, num_epochs=50).controls
    assert "blur" not in playground(lesson=52, num_epochs=50).controls
    regression = playground(lesson=45, num_epochs=50)
    assert set(regression.controls) == {"lr", "num_epochs", "hidden_units", "hidden_layers",
                                        "relu", "slope", "noise"}
    regression.controls["slope"].value = 0.0
    assert "slope 0.0" in regression.status.value


def test_a_saved_notebook_shows_the_picture_without_a_kernel():
    """Where widgets are not drawn (GitHub, nbconvert, a notebook not yet run), the panel's
    output still holds its picture as an ordinary PNG, and its summary as text."""
    panel = playground(lesson=47, num_epochs=50)
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == panel.image.value
    assert bundle["image/png"] and panel.image.value[:4] == b"\x89PNG"
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_the_panel_says_it_is_training_while_it_trains():
    """Every update first says what it trains; a long one then how far it is and why it takes
    long; the summary comes last."""
    panel = playground(lesson=47, num_epochs=100)
    seen = []
    panel.status.observe(lambda change: seen.append(change["new"]), names="value")
    panel.controls["num_epochs"].value = 150
    assert seen == ["<i>training 8 starts for 150 epochs…</i>",
                    f"<b>{panel.result.summary()}</b>"]
    panel._show_progress(1500, 5000, 14.2)
    message = ("<i>training: 1,500 of 5,000 epochs, about 14 s to go (wide, deep networks and "
               "many epochs take longest)</i>")
    assert panel.status.value == message
    panel._show_progress(4900, 5000, 0.3)  # almost done: nothing new to say
    assert panel.status.value == message


def test_48s_playground_is_47s_in_other_words():
    """A sigmoid then BCELoss (47) and BCEWithLogitsLoss on the logit (48) are one mathematics:
    from the same starts they train the same networks, to float rounding."""
    sigmoid = train_starts(LESSONS[47].build_model, LESSONS[47].knobs)
    logit = train_starts(LESSONS[48].build_model, LESSONS[48].knobs)
    np.testing.assert_allclose(sigmoid.losses, logit.losses, rtol=1e-4)
    assert np.array_equal(sigmoid.final_accuracy, logit.final_accuracy)
