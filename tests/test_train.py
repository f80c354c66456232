"""train: optimisers, fit, fit_ensemble (equivalence to fit, member data, chunking,
divergence), argument validation, determinism, History."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from nntheory import data, nets, train

# fit_ensemble runs fit's computation under vmap; float32 results may differ from the
# unbatched program by reassociation only, so members must agree with fit to this tolerance.
RTOL, ATOL = 1e-5, 1e-6

NET = nets.mlp(6, 1, 1, "tanh")
X = jnp.linspace(-1.0, 1.0, 12)[:, None]
Y = jnp.sin(3.0 * X)
K = 4
PARAMS = train.init_ensemble(NET, jax.random.split(jax.random.PRNGKey(0), K), X.shape)
SMALL = dict(steps=12, log_every=4, optimizer="momentum", learning_rate=1e-2)


def member(tree, i):
    return jax.tree_util.tree_map(lambda a: a[i], tree)


def leaves(tree):
    return [np.asarray(v) for v in jax.tree_util.tree_leaves(tree)]


def assert_trees_close(a, b, rtol=RTOL, atol=ATOL):
    for u, v in zip(leaves(a), leaves(b), strict=True):
        np.testing.assert_allclose(u, v, rtol=rtol, atol=atol)


def assert_trees_equal(a, b):
    for u, v in zip(leaves(a), leaves(b), strict=True):
        np.testing.assert_array_equal(u, v)


# --------------------------------------------------------------------------------------------
# make_optimizer
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(train.OPTIMIZERS))
@pytest.mark.parametrize("schedule", train.SCHEDULES)
def test_make_optimizer_every_name(name, schedule):
    """Every registered optimiser builds (with each schedule) and produces finite updates."""
    opt = train.make_optimizer(name, 0.1, schedule=schedule, steps=10)
    assert isinstance(opt, optax.GradientTransformation)
    p = {"w": jnp.ones(3)}
    updates, _ = opt.update({"w": jnp.ones(3)}, opt.init(p), p)
    assert bool(jnp.all(jnp.isfinite(updates["w"])))
    assert bool(jnp.all(updates["w"] < 0))  # a descent step on a positive gradient


def test_make_optimizer_passes_kwargs():
    """Extra keyword arguments reach the optax constructor (adamw weight decay)."""
    p = {"w": jnp.ones(2)}
    zero = {"w": jnp.zeros(2)}
    opt = train.make_optimizer("adamw", 0.1, weight_decay=0.5)
    updates, _ = opt.update(zero, opt.init(p), p)
    np.testing.assert_allclose(updates["w"], -0.1 * 0.5 * np.ones(2), rtol=1e-6)


@pytest.mark.parametrize(
    "args,kwargs,fragment",
    [
        (("rmsprop", 0.1), {}, "'rmsprop'"),
        (("adam", 0), {}, "0"),
        (("adam", -1), {}, "-1"),
        (("adam", math.nan), {}, "nan"),
        (("adam", math.inf), {}, "inf"),
        (("adam", "abc"), {}, "'abc'"),
        (("adam", None), {}, "None"),
        (("adam", 0.1), {"schedule": "linear"}, "'linear'"),
        (("adam", 0.1), {"schedule": "cosine"}, "steps"),
        (("adam", 0.1), {"schedule": "cosine", "steps": 0}, "steps"),
    ],
)
def test_make_optimizer_rejects(args, kwargs, fragment):
    """Unknown names/schedules, non-positive or non-finite rates, and a cosine schedule
    without steps raise ValueError naming the problem."""
    with pytest.raises(ValueError) as info:
        train.make_optimizer(*args, **kwargs)
    assert fragment in str(info.value)


def test_unknown_optimizer_lists_allowed():
    """The unknown-optimiser message lists the registered names."""
    with pytest.raises(ValueError, match="sgd, momentum, adam, adamw"):
        train.make_optimizer("lion", 1e-3)


def test_cosine_schedule_decays_to_zero():
    """With the cosine schedule, the SGD step at t = steps is zero and at t = 0 is η."""
    opt = train.make_optimizer("sgd", 0.5, schedule="cosine", steps=4)
    p = {"w": jnp.zeros(())}
    g = {"w": jnp.ones(())}
    state = opt.init(p)
    sizes = []
    for _ in range(5):
        u, state = opt.update(g, state, p)
        sizes.append(float(-u["w"]))
    np.testing.assert_allclose(sizes, [0.5, 0.5 * (1 + math.cos(math.pi / 4)) / 2, 0.25,
                                       0.5 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.0],
                               atol=1e-6)


# --------------------------------------------------------------------------------------------
# losses
# --------------------------------------------------------------------------------------------


def test_mse_is_half_mean_squared_norm():
    """mse = ½ mean over points of ‖f − y‖², and y of shape (n,) is reshaped to the preds."""
    pred = jnp.array([[1.0, 0.0], [0.0, 2.0]])
    y = jnp.zeros((2, 2))
    assert float(train.mse(pred, y)) == pytest.approx(0.5 * (1.0 + 4.0) / 2)
    assert float(train.mse(jnp.array([[1.0], [3.0]]), jnp.array([0.0, 1.0]))) == 1.25


def test_accuracy_and_cross_entropy():
    """accuracy counts arg-max hits; cross-entropy of uniform logits is log(classes)."""
    logits = jnp.array([[2.0, 0.0], [0.0, 1.0], [5.0, 1.0]])
    labels = jnp.array([0, 1, 1])
    assert float(train.accuracy(logits, labels)) == pytest.approx(2 / 3)
    ce = train.cross_entropy(jnp.zeros((3, 4)), jnp.array([0, 1, 3]))
    assert float(ce) == pytest.approx(math.log(4), rel=1e-6)


# --------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------


def test_fit_reduces_mse_and_logs_test_loss():
    """Adam on a tiny 1-D regression lowers the training MSE by more than half; with test
    data, test_loss is logged too, and its step-0 value is the untrained loss."""
    params = NET.init_params(jax.random.PRNGKey(3), X.shape)
    ds = data.Dataset(X, Y, X[::2], Y[::2])
    _, hist = train.fit(NET, params, ds, steps=60, log_every=20, learning_rate=3e-2)
    assert set(hist.metrics) == {"train_loss", "test_loss"}
    loss = hist.metrics["train_loss"]
    assert loss.shape == (4,)
    np.testing.assert_array_equal(hist.step, [0, 20, 40, 60])
    assert loss[-1] < 0.5 * loss[0]
    assert float(hist.metrics["test_loss"][0]) == pytest.approx(
        float(train.mse(NET.apply(params, X[::2]), Y[::2])), rel=1e-5)
    assert not bool(hist.diverged) and int(hist.diverged_step) == -1
    assert hist.diverged.shape == () and hist.wall_time > 0


def test_cross_entropy_logs_accuracy():
    """With loss='cross_entropy', fit logs train/test accuracy in [0, 1] beside the losses."""
    net = nets.mlp(8, 1, 2, "tanh")
    xor = data.xor()
    params = net.init_params(jax.random.PRNGKey(0), xor.x_train.shape)
    _, hist = train.fit(net, params, xor, loss="cross_entropy", optimizer="sgd", steps=8,
                        log_every=4, learning_rate=0.05)
    assert set(hist.metrics) == {"train_loss", "test_loss", "train_accuracy", "test_accuracy"}
    acc = hist.metrics["train_accuracy"]
    assert acc.shape == (3,)
    assert np.all((acc >= 0) & (acc <= 1))
    # accuracies are multiples of 1/4 on the four XOR points
    np.testing.assert_allclose(acc * 4, np.round(acc * 4), atol=1e-6)


@pytest.mark.parametrize(
    "steps,log_every,fragment",
    [
        (10, 3, "must divide"),
        (10, 0, "log_every"),
        (10, -2, "log_every"),
        (10, True, "True"),
        (0, 1, "steps"),
        (-4, 2, "steps"),
        (True, 1, "True"),
        (10.0, 5, "10.0"),
    ],
)
@pytest.mark.parametrize("fn", ["fit", "fit_ensemble"])
def test_steps_and_log_every_validation(fn, steps, log_every, fragment):
    """steps and log_every must be positive ints (not bools) and log_every must divide steps."""
    params = NET.init_params(jax.random.PRNGKey(0), X.shape) if fn == "fit" else PARAMS
    with pytest.raises(ValueError) as info:
        getattr(train, fn)(NET, params, (X, Y), steps=steps, log_every=log_every)
    assert fragment in str(info.value)


def test_unknown_loss_raises():
    """An unknown loss name raises ValueError listing the allowed ones."""
    params = NET.init_params(jax.random.PRNGKey(0), X.shape)
    with pytest.raises(ValueError, match="mse, cross_entropy"):
        train.fit(NET, params, (X, Y), loss="hinge", steps=2, log_every=1)


def test_bad_data_raises():
    """Data that is neither (x, y), (x, y, xt, yt), a dict nor a Dataset raises ValueError."""
    params = NET.init_params(jax.random.PRNGKey(0), X.shape)
    with pytest.raises(ValueError, match="data must be"):
        train.fit(NET, params, (X, Y, X), steps=2, log_every=1)
    with pytest.raises(ValueError, match="y_train"):
        train.fit(NET, params, {"x_train": X}, steps=2, log_every=1)


def test_optimizer_object_rejects_name_only_options():
    """A GradientTransformation plus optimiser kwargs or a schedule is a ValueError."""
    params = NET.init_params(jax.random.PRNGKey(0), X.shape)
    with pytest.raises(ValueError, match="optimizer given by name"):
        train.fit(NET, params, (X, Y), optimizer=optax.sgd(0.1), schedule="cosine",
                  steps=2, log_every=1)


# --------------------------------------------------------------------------------------------
# fit_ensemble
# --------------------------------------------------------------------------------------------


def test_fit_ensemble_matches_fit_per_member():
    """An ensemble member ends where fit ends on it alone (same params, same minibatch key),
    to float32 tolerance rtol=1e-5, atol=1e-6, and its history agrees likewise."""
    keys = jax.random.split(jax.random.PRNGKey(11), K)
    kw = dict(SMALL, batch_size=5)
    pe, he = train.fit_ensemble(NET, PARAMS, (X, Y), keys=keys, **kw)
    assert he.metrics["train_loss"].shape == (K, 4)
    assert he.diverged.shape == (K,) and not he.diverged.any()
    i = K - 1
    p, h = train.fit(NET, member(PARAMS, i), (X, Y), key=keys[i], **kw)
    assert_trees_close(member(pe, i), p)
    np.testing.assert_allclose(he.metrics["train_loss"][i], h.metrics["train_loss"],
                               rtol=RTOL, atol=ATOL)


def test_fit_ensemble_member_data():
    """member_data=True trains member k on its own targets: from the same initial params,
    members with targets y and -y end differently, and member 1 matches fit on -y
    (rtol=1e-5, atol=1e-6)."""
    params = jax.tree_util.tree_map(lambda a: jnp.stack([a[0], a[0]]), PARAMS)  # same init
    ys = jnp.stack([Y, -Y])
    xs = jnp.stack([X, X])
    pe, he = train.fit_ensemble(NET, params, (xs, ys), member_data=True, **SMALL)
    p, h = train.fit(NET, member(params, 1), (X, -Y), **SMALL)
    assert_trees_close(member(pe, 1), p)
    np.testing.assert_allclose(he.metrics["train_loss"][1], h.metrics["train_loss"],
                               rtol=RTOL, atol=ATOL)
    assert not np.allclose(leaves(member(pe, 0))[-1], leaves(member(pe, 1))[-1])


def test_member_data_needs_member_axis():
    """member_data=True with an array lacking the K axis raises ValueError naming it."""
    with pytest.raises(ValueError, match="y_train"):
        train.fit_ensemble(NET, PARAMS, (jnp.stack([X] * K), Y), member_data=True, **SMALL)


def test_fit_ensemble_rejects_ragged_member_axis():
    """Parameter leaves with different leading sizes raise ValueError."""
    bad = list(PARAMS)
    bad[0] = (bad[0][0][:2], bad[0][1])
    with pytest.raises(ValueError, match="leading member axis"):
        train.fit_ensemble(NET, bad, (X, Y), **SMALL)


@pytest.mark.parametrize("chunk_size", [0, -1, True, 2.0])
def test_bad_chunk_size(chunk_size):
    """chunk_size must be a positive integer."""
    with pytest.raises(ValueError, match="chunk_size"):
        train.fit_ensemble(NET, PARAMS, (X, Y), chunk_size=chunk_size, **SMALL)


# K=8 members with minibatches, so chunking must also hand each member its own key.
K8 = 8
PARAMS8 = train.init_ensemble(NET, jax.random.split(jax.random.PRNGKey(5), K8), X.shape)
KW8 = dict(SMALL, batch_size=5)


def count_drives(monkeypatch):
    """Count the chunks fit_ensemble runs (one ``_drive`` call per chunk)."""
    calls = []
    real = train._drive

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(train, "_drive", spy)
    return calls


@pytest.fixture(scope="module")
def unchunked():
    """K=8 trained with chunk_size=None under the default budget."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("NNTHEORY_MEMORY_BUDGET", raising=False)
        return train.fit_ensemble(NET, PARAMS8, (X, Y), **KW8)


def test_fit_ensemble_deterministic_single_chunk(unchunked, monkeypatch):
    """Under the default 2 GiB budget a tiny K=8 ensemble is one chunk, and an identical
    second call gives bit-identical parameters and metrics."""
    monkeypatch.delenv("NNTHEORY_MEMORY_BUDGET", raising=False)
    calls = count_drives(monkeypatch)
    p, h = train.fit_ensemble(NET, PARAMS8, (X, Y), **KW8)
    assert len(calls) == 1
    p0, h0 = unchunked
    assert_trees_equal(p, p0)
    np.testing.assert_array_equal(h.metrics["train_loss"], h0.metrics["train_loss"])


def test_chunked_equals_unchunked(unchunked, monkeypatch):
    """chunk_size=3 for K=8 (chunks 3, 3, 2 + padding) gives the unchunked params and
    history (float32 tolerance rtol=1e-5, atol=1e-6), K members, no padding rows."""
    calls = count_drives(monkeypatch)
    p, h = train.fit_ensemble(NET, PARAMS8, (X, Y), chunk_size=3, **KW8)
    assert len(calls) == 3
    p0, h0 = unchunked
    assert leaves(p)[0].shape[0] == K8
    assert_trees_close(p, p0)
    for k in h0.metrics:
        assert h.metrics[k].shape == (K8, 4)
        np.testing.assert_allclose(h.metrics[k], h0.metrics[k], rtol=RTOL, atol=ATOL)
    np.testing.assert_array_equal(h.diverged_step, h0.diverged_step)


def test_memory_budget_env_forces_chunks(unchunked, monkeypatch):
    """NNTHEORY_MEMORY_BUDGET=1 (byte) makes every member its own chunk; the results still
    match the unchunked run (rtol=1e-5, atol=1e-6)."""
    monkeypatch.setenv("NNTHEORY_MEMORY_BUDGET", "1")
    assert train.memory_budget() == 1
    calls = count_drives(monkeypatch)
    p, h = train.fit_ensemble(NET, PARAMS8, (X, Y), **KW8)
    assert len(calls) == K8
    p0, h0 = unchunked
    assert_trees_close(p, p0)
    np.testing.assert_allclose(h.metrics["train_loss"], h0.metrics["train_loss"],
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("raw", ["0", "-5", "lots"])
def test_memory_budget_env_validation(raw, monkeypatch):
    """A non-positive or non-numeric NNTHEORY_MEMORY_BUDGET raises ValueError quoting it."""
    monkeypatch.setenv("NNTHEORY_MEMORY_BUDGET", raw)
    with pytest.raises(ValueError, match=repr(raw)):
        train.memory_budget()


def test_memory_budget_default(monkeypatch):
    """Without the variable the budget is 2 GiB; '1e6' is read as 10^6 bytes."""
    monkeypatch.delenv("NNTHEORY_MEMORY_BUDGET", raising=False)
    assert train.memory_budget() == 2 * 2**30
    monkeypatch.setenv("NNTHEORY_MEMORY_BUDGET", "1e6")
    assert train.memory_budget() == 10**6


def test_divergence_stops_one_member_only():
    """A member whose inputs are scaled x10 blows up under SGD: it alone is flagged, with the
    first non-finite step; its metrics are NaN after that step (and not before); its
    parameters stay finite; fit on it alone flags the same step with a scalar flag; the
    other members keep training (finite, falling loss); nothing raises."""
    net = nets.mlp(4, 1, 1, "relu")
    x = jnp.linspace(-1.0, 1.0, 8)[:, None]
    y = jnp.sin(3.0 * x)
    params = train.init_ensemble(net, jax.random.split(jax.random.PRNGKey(0), 3), x.shape)
    xs = jnp.stack([x, 10.0 * x, x])
    ys = jnp.stack([y] * 3)
    kw = dict(optimizer="sgd", learning_rate=0.05, steps=8, log_every=1)
    pe, he = train.fit_ensemble(net, params, (xs, ys), member_data=True, **kw)
    np.testing.assert_array_equal(he.diverged, [False, True, False])
    ds = int(he.diverged_step[1])
    assert 0 < ds < 8
    np.testing.assert_array_equal(he.diverged_step[[0, 2]], [-1, -1])
    loss = he.metrics["train_loss"]
    assert np.isnan(loss[1, he.step > ds]).all()
    assert not np.isnan(loss[1, he.step <= ds]).any()
    assert np.isfinite(loss[[0, 2]]).all()
    assert (loss[[0, 2], -1] < loss[[0, 2], 0]).all()
    assert all(np.isfinite(v).all() for v in leaves(member(pe, 1)))

    p1, h1 = train.fit(net, member(params, 1), (10.0 * x, y), **kw)
    assert h1.diverged.shape == () and bool(h1.diverged)
    assert int(h1.diverged_step) == ds
    assert_trees_close(p1, member(pe, 1))
    np.testing.assert_allclose(h1.metrics["train_loss"], loss[1], rtol=RTOL, atol=ATOL)


def test_divergence_at_step_zero():
    """Targets of 1e30 overflow the float32 loss at once: diverged_step is 0, the logged
    loss is NaN from step 1 on, and the member keeps its initial parameters."""
    ys = jnp.stack([Y, 1e30 * Y])
    xs = jnp.stack([X, X])
    params = jax.tree_util.tree_map(lambda a: a[:2], PARAMS)
    pe, he = train.fit_ensemble(NET, params, (xs, ys), member_data=True, **SMALL)
    np.testing.assert_array_equal(he.diverged, [False, True])
    np.testing.assert_array_equal(he.diverged_step, [-1, 0])
    assert np.isnan(he.metrics["train_loss"][1, 1:]).all()
    assert np.isfinite(he.metrics["train_loss"][0]).all()
    assert_trees_equal(member(pe, 1), member(params, 1))


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------


def test_history_final():
    """History.final is the last logged value: a scalar for fit, one per member for ensembles."""
    single = train.History(np.array([0, 5, 10]), {"train_loss": np.array([3.0, 2.0, 1.0])},
                           np.array(False), np.array(-1), 0.0)
    assert float(single.final("train_loss")) == 1.0
    ens = train.History(np.array([0, 5]), {"train_loss": np.array([[3.0, 2.0], [4.0, 0.5]])},
                        np.array([False, False]), np.array([-1, -1]), 0.0)
    np.testing.assert_array_equal(ens.final("train_loss"), [2.0, 0.5])
    with pytest.raises(KeyError):
        ens.final("test_loss")


def test_overflowing_update_freezes_finite_parameters():
    """A step whose update overflows is rejected like a non-finite loss: the member stops with
    the last finite parameters (found in review: loss and gradients were finite, the update
    was not)."""
    net = nets.mlp(4, 1, 1, "relu")
    x = jnp.linspace(-1, 1, 8)[:, None]
    p = net.init_params(jax.random.PRNGKey(0), x.shape)
    q, h = train.fit(net, p, (x, 100 * jnp.sin(3 * x)), optimizer="sgd", learning_rate=1e38,
                     steps=4, log_every=1)
    assert bool(h.diverged)
    assert all(bool(jnp.all(jnp.isfinite(a))) for a in jax.tree_util.tree_leaves(q))


# --------------------------------------------------------------------------------------------
# learning rates as data
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,schedule", [("sgd", "constant"), ("momentum", "constant"),
                                           ("adam", "cosine"), ("adamw", "constant")])
def test_rate_as_data_is_the_optax_update(name, schedule):
    """The program's update (optimiser at unit rate, times the member's rate) is optax's own
    update at that rate, to float32 reassociation."""
    lr, steps = 0.03, 8
    kw = dict(weight_decay=0.1) if name == "adamw" else {}
    opt = train.make_optimizer(name, lr, schedule=schedule, steps=steps, **kw)
    p = member(PARAMS, 0)
    state = opt.init(p)
    loss = lambda q: train.mse(NET.apply(q, X), Y)
    for _ in range(steps):
        g = jax.grad(loss)(p)
        u, state = opt.update(g, state, p)
        p = optax.apply_updates(p, u)
    q, _ = train.fit(NET, member(PARAMS, 0), (X, Y), optimizer=name, learning_rate=lr,
                     schedule=schedule, steps=steps, log_every=steps, **kw)
    assert_trees_close(q, p)


def test_one_rate_per_member_and_one_compilation():
    """Members with their own rates end where single-rate ensembles end, and a new rate reuses
    the compiled program."""
    rates = np.array([1e-3, 3e-3, 1e-2, 3e-2])
    pe, _ = train.fit_ensemble(NET, PARAMS, (X, Y), **dict(SMALL, learning_rate=rates))
    for i in (0, 3):
        pi, _ = train.fit_ensemble(NET, PARAMS, (X, Y), **dict(SMALL, learning_rate=rates[i]))
        assert_trees_close(member(pe, i), member(pi, i))
    before = train._compiled.cache_info().misses
    train.fit_ensemble(NET, PARAMS, (X, Y), **dict(SMALL, learning_rate=0.1234))
    assert train._compiled.cache_info().misses == before


@pytest.mark.parametrize("rate,fragment", [
    (np.array([1e-2, -1e-2, 1e-2, 1e-2]), "positive"),
    (np.array([1e-2, np.nan, 1e-2, 1e-2]), "positive"),
    (np.array([1e-2, 1e-2]), "one per member"),
    ("fast", "number"),
])
def test_bad_member_rates(rate, fragment):
    with pytest.raises(ValueError, match=fragment):
        train.fit_ensemble(NET, PARAMS, (X, Y), **dict(SMALL, learning_rate=rate))


def test_an_optax_object_carries_its_own_rate():
    with pytest.raises(ValueError, match="given by name"):
        train.fit(NET, member(PARAMS, 0), (X, Y), optimizer=optax.sgd(0.1), learning_rate=0.1,
                  steps=4, log_every=4)
    with pytest.raises(ValueError, match="number"):
        train.fit(NET, member(PARAMS, 0), (X, Y), optimizer="sgd", learning_rate="0.1",
                  steps=4, log_every=4)


def test_a_metrics_hook_with_three_parameters_sees_the_optimizer_state():
    """extra_metrics(params, data, opt_state): Adam's step count rises with the log, at step 0
    too (the initial state), in fit and in fit_ensemble alike."""

    net = nets.mlp(8, 1, 1, "tanh")
    x = np.linspace(-1, 1, 16, dtype=np.float32)[:, None]
    y = np.sin(3 * x)

    def hook(params, data, opt_state):
        adam = next(s for s in jax.tree_util.tree_leaves(
            opt_state, is_leaf=lambda s: isinstance(s, optax.ScaleByAdamState))
            if isinstance(s, optax.ScaleByAdamState))
        return {"adam_count": adam.count, "mean_x": jnp.mean(data["x_train"])}

    p = net.init_params(jax.random.PRNGKey(0), (1,))
    _, hist = train.fit(net, p, (x, y), optimizer="adam", learning_rate=1e-2, steps=20,
                        log_every=5, extra_metrics=hook)
    assert hist.metrics["adam_count"].tolist() == [0, 5, 10, 15, 20]
    ps = train.init_ensemble(net, jax.random.split(jax.random.PRNGKey(1), 3), (1,))
    _, hist = train.fit_ensemble(net, ps, (x, y), optimizer="adam", learning_rate=1e-2,
                                 steps=10, log_every=5, extra_metrics=hook)
    assert hist.metrics["adam_count"].tolist() == [[0, 5, 10]] * 3
    _, hist = train.fit(net, p, (x, y), optimizer="sgd", learning_rate=1e-2, steps=10,
                        log_every=5, extra_metrics=lambda params, data: {"one": 1.0})
    assert hist.metrics["one"].tolist() == [1.0] * 3  # two parameters: as before
