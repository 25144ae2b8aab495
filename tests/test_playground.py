"""The playground's computing part gives the lesson's numbers; its panel survives any control."""

import copy
from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from helpers import train_full_batch
from helpers.playground import (
    LESSONS,
    Knobs,
    build_models,
    draw,
    mlp,
    playground,
    playground_data,
    png,
    train_starts,
)


@pytest.mark.parametrize("lesson", sorted(LESSONS))
def test_each_lesson_trains_like_the_course_loop_from_the_same_starts(lesson):
    """The starts, trained by the playground, lose and score epoch by epoch as the course's loop
    (train_full_batch) does from copies of the same starting weights."""
    setup = LESSONS[lesson]
    knobs = replace(setup.knobs, num_epochs=min(setup.knobs.num_epochs, 300), starts=3)
    X, y, _ = playground_data(setup.data, knobs.blur, knobs.seed)
    starts, loss_func = build_models(setup.build_model, knobs, X, y)
    result = train_starts(setup.build_model, knobs, setup.data)
    for start, losses, accuracies in zip(starts, result.losses, result.accuracies, strict=True):
        loop_losses, loop_accuracies = train_full_batch(copy.deepcopy(start), X, y, loss_func,
                                                        knobs.lr, knobs.num_epochs)
        np.testing.assert_allclose(losses, loop_losses, rtol=1e-4)
        # a point on the boundary can fall on either side by float rounding: a point or two
        assert np.abs(accuracies - loop_accuracies).max() <= 200 / len(X)


def test_the_lessons_networks():
    assert [type(m) for m in LESSONS[49].build_model(16, 2, True)] == [
        nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]
    assert LESSONS[49].build_model(16, 2, True)[2].out_features == 1  # 2-16-1-1
    assert not any(isinstance(m, nn.ReLU) for m in LESSONS[50].build_model(16, 2, False))
    assert [type(m) for m in LESSONS[57].build_model(8, 2, True)] == [
        nn.Linear, nn.Linear, nn.ReLU, nn.Linear, nn.ReLU, nn.Linear]  # linear input layer
    assert sum(p.numel() for p in mlp(4, 3, 64, 2).parameters()) == 4 * 64 + 64 + 64 * 64 + 64 \
        + 64 * 3 + 3


def test_what_it_reports_follows_the_training():
    """Dead units, class accuracies and the median start's picture come from the trained nets."""
    result = train_starts(LESSONS[47].build_model, Knobs(seed=3))
    dead = np.concatenate(result.units_on, axis=1) == 0
    # a 2-1-1 net whose unit is dead gives every point the same class: 50 %
    assert dead.any() and (result.final_accuracy[dead[:, 0]] == 50).all()
    assert np.allclose(result.class_accuracy.mean(axis=1), result.final_accuracy)  # 100 + 100
    assert f"dead hidden units {dead.sum()} of 8" in result.summary()
    iris = train_starts(LESSONS[54].build_model, LESSONS[54].knobs, "iris")
    assert iris.class_accuracy.shape == (8, 3)
    assert len(draw(iris).axes) == len(draw(result).axes) == 4
    assert png(draw(result))[:4] == b"\x89PNG"


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


def test_extreme_controls_train_or_say_they_diverged():
    """The corners of the sliders: the largest rate, blur and size, the fewest epochs."""
    for knobs in [Knobs(lr=1.0, num_epochs=50, hidden_units=128, hidden_layers=5),
                  Knobs(lr=1e-4, num_epochs=50, blur=3.0, relu=False),
                  Knobs(lr=1.0, num_epochs=50, hidden_units=1, hidden_layers=5, blur=0.1)]:
        result = train_starts(LESSONS[47].build_model, knobs)
        assert result.final_accuracy.shape == (8,)
        assert ("diverged" in result.summary()) == result.diverged.any()
        png(draw(result))
    iris = train_starts(LESSONS[57].build_model, Knobs(lr=1.0, num_epochs=50, hidden_units=128,
                                                      hidden_layers=5, output="logits"), "iris")
    png(draw(iris))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="lr must be from 0.0001 to 1.0, got 5"):
        Knobs(lr=5)
    with pytest.raises(TypeError, match="num_epochs must be an int"):
        Knobs(num_epochs=10.5)
    with pytest.raises(ValueError, match="output must be one of"):
        Knobs(output="softmax")
    with pytest.raises(ValueError, match="output must be one of .'logits', 'double softmax'"):
        train_starts(LESSONS[52].build_model, Knobs(), "iris")  # sigmoid on three classes
    with pytest.raises(ValueError, match="4 inputs .the data's features., got 2"):
        train_starts(LESSONS[47].build_model, Knobs(output="logits"), "iris")
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
