"""Networks as pure functions: ``Net(init, apply, kernel)``.

Every net here is built from ``neural_tangents.stax`` (through :mod:`nntheory.compat`), so a
finite network and its infinite-width kernel come from one description:

* ``init(key, input_shape) -> (output_shape, params)``
* ``apply(params, x) -> f(x)``
* ``kernel(x1, x2, get=("nngp", "ntk"))`` — the analytic NNGP / NTK of the infinite-width
  limit, or ``None`` where neural-tangents has no closed form for the activation.

Parameterisations (Jacot, Gabriel & Hongler 2018, arXiv:1806.07572, Eq. 1; Sohl-Dickstein et
al. 2020, arXiv:2001.07301):

* ``"ntk"``:      z = σ_w / √n_in · W x + σ_b · b,   W, b ~ N(0, 1)
* ``"standard"``: z = W x + b,   W ~ N(0, σ_w² / n_in),  b ~ N(0, σ_b²)

Both compute the same function at initialisation; they differ in how gradient descent scales
with width.

* ``"mup"``: the maximal-update parameterisation (Yang & Hu 2021, arXiv:2011.14522; Yang et al.
  2022, arXiv:2203.03466, Table 3), relative to a ``base_width`` at which it *is* ``"standard"``:
  with width multiplier m = width / base_width, the readout is drawn with variance
  σ_out²/(n_in · m) (Table 3: 1/fan_in²) and every other layer as in ``"standard"``; the
  per-layer learning rates (:func:`mup_lr_multipliers`) are applied by :mod:`nntheory.train`
  whenever the optimiser is given by name.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from nntheory.arguments import int_at_least
from nntheory.compat.neural_tangents import permissive, stax

PARAMETERIZATIONS = ("ntk", "standard", "mup")


@dataclasses.dataclass(frozen=True)
class Activation:
    """One row of the activation table.

    Attributes:
      name: registry name (``"relu"``, ``"poly3"``, …).
      layer: zero-argument factory returning a stax ``(init, apply, kernel)`` layer.
      fn: the scalar function, for plotting and for code that needs it outside stax.
      has_kernel: whether neural-tangents gives an analytic NNGP/NTK for it.
      polynomial_degree: k if the activation is the polynomial x^k, else ``None``. A one-hidden
        -layer net with such an activation is itself a polynomial of degree <= k and so is not a
        universal approximator (Leshno, Lin, Pinkus & Schocken 1993, Neural Networks 6(6)).
      formula: the definition, in matplotlib mathtext.
    """

    name: str
    layer: Callable[[], tuple]
    fn: Callable[[jax.Array], jax.Array]
    has_kernel: bool
    polynomial_degree: int | None
    formula: str


def _elementwise(fn):
    # Finite-width only: stax derives no closed-form kernel without an nngp_fn.
    return lambda: stax.Elementwise(fn=fn)


def _gelu(x):
    return jax.nn.gelu(x, approximate=False)


def _leaky(x):
    return jax.nn.leaky_relu(x, negative_slope=0.1)


def _erf(x):
    return jax.scipy.special.erf(x)


_FIXED: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", stax.Relu, jax.nn.relu, True, None, r"$\max(0, x)$"),
        Activation(
            "leaky_relu", lambda: stax.LeakyRelu(0.1), _leaky, True, None, r"$\max(0.1x, x)$"
        ),
        Activation("gelu", lambda: stax.Gelu(approximate=False), _gelu, True, None,
                   r"$x\,\Phi(x)$"),
        Activation("erf", stax.Erf, _erf, True, None, r"$\mathrm{erf}(x)$"),
        Activation("tanh", _elementwise(jnp.tanh), jnp.tanh, False, None, r"$\tanh(x)$"),
        Activation("sigmoid", _elementwise(jax.nn.sigmoid), jax.nn.sigmoid, False, None,
                   r"$1/(1+e^{-x})$"),
        Activation("softplus", _elementwise(jax.nn.softplus), jax.nn.softplus, False, None,
                   r"$\log(1+e^{x})$"),
    )
}
_POLY = re.compile(r"^poly([1-9][0-9]?)$")


def activation(name: str) -> Activation:
    """Look an activation up by name: one of :data:`ACTIVATIONS` or ``poly<k>`` (x^k, k >= 1).

    Raises:
      ValueError: naming the unknown activation and the allowed ones.
    """
    if not isinstance(name, str):
        raise ValueError(f"activation must be a string, got {name!r}")
    if name in _FIXED:
        return _FIXED[name]
    m = _POLY.match(name)
    if m:
        k = int(m.group(1))
        return Activation(
            name,
            lambda: stax.Monomial(k),
            lambda x: x**k,
            True,
            k,
            rf"$x^{{{k}}}$",
        )
    raise ValueError(
        f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}, poly<k> (x^k, k = 1..99)"
    )


#: Names of the fixed activations; ``poly<k>`` adds polynomials of any degree k.
ACTIVATIONS = tuple(_FIXED)


@dataclasses.dataclass(frozen=True)
class Net:
    """A network as three pure functions (the stax triple), plus a description.

    ``kernel`` is ``None`` when the infinite-width limit has no closed form here.
    """

    init: Callable[[jax.Array, tuple[int, ...]], tuple[tuple[int, ...], Any]]
    apply: Callable[..., jax.Array]
    kernel: Callable[..., Any] | None
    name: str = "net"
    info: dict = dataclasses.field(default_factory=dict, compare=False)

    def init_params(self, key: jax.Array, input_shape: tuple[int, ...]) -> Any:
        """Parameters only: ``init(key, input_shape)[1]``."""
        return self.init(key, input_shape)[1]




def _positive_float(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (v > 0 and v < float("inf")):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _mup_base(parameterization: str, width: int, base: int | None, name: str,
              allowed: tuple[str, ...]) -> int:
    """The base width μP is relative to (``width`` itself for other parameterisations, where
    the width multiplier width / base is 1), after checking the parameterisation and base."""
    if parameterization not in allowed:
        raise ValueError(f"unknown parameterization {parameterization!r}; "
                         f"allowed: {', '.join(allowed)}")
    if parameterization != "mup":
        if base is not None:
            raise ValueError(f"base_{name} applies to parameterization='mup' only")
        return width
    base = width if base is None else int_at_least(f"base_{name}", base)
    if base > width:
        raise ValueError(f"base_{name} ({base}) is larger than the {name} ({width})")
    return base


def mlp(
    width: int,
    depth: int = 1,
    out_dim: int = 1,
    activation_name: str = "relu",
    *,
    parameterization: str = "ntk",
    w_std: float = 2.0**0.5,
    b_std: float = 0.1,
    out_w_std: float | None = None,
    out_activation: str | None = None,
    base_width: int | None = None,
) -> Net:
    """A fully connected net: ``depth`` hidden layers of ``width`` units, then a linear readout
    (or, with ``out_activation``, a readout through that activation, e.g. the sigmoid output
    units of Rumelhart, Hinton & Williams 1986).

    f(x) = W_{L+1} φ(W_L … φ(W_1 x + b_1) … + b_L) + b_{L+1}, with the weights scaled per
    ``parameterization`` (module docstring). ``w_std`` = √2 is He initialisation for ReLU
    (He et al. 2015, arXiv:1502.01852); ``out_w_std`` defaults to ``w_std``.

    Raises:
      ValueError: for a non-positive width/depth/out_dim, an unknown activation or
        parameterization, or a non-positive standard deviation.
    """
    int_at_least("width", width)
    int_at_least("depth", depth)
    int_at_least("out_dim", out_dim)
    act = activation(activation_name)
    w_std = _positive_float("w_std", w_std)
    try:
        b_std = float(b_std)
    except (TypeError, ValueError):
        raise ValueError(f"b_std must be a non-negative number, got {b_std!r}") from None
    if not 0 <= b_std < float("inf"):
        raise ValueError(f"b_std must be a non-negative finite number, got {b_std!r}")
    out_w_std = w_std if out_w_std is None else _positive_float("out_w_std", out_w_std)
    stax_param = "standard" if parameterization == "mup" else parameterization
    base_width = _mup_base(parameterization, width, base_width, "width", PARAMETERIZATIONS)
    m = width / base_width
    out_w_std = out_w_std / m**0.5  # μP: readout variance 1/(n_in · m)
    layers = []
    for _ in range(depth):
        layers += [stax.Dense(width, w_std, b_std, parameterization=stax_param), act.layer()]
    layers.append(stax.Dense(out_dim, out_w_std, b_std, parameterization=stax_param))
    out_act = None if out_activation is None else activation(out_activation)
    if out_act is not None:
        layers.append(out_act.layer())
    init, apply, kernel = (permissive(f) for f in stax.serial(*layers))
    info = dict(
        kind="mlp", width=width, depth=depth, out_dim=out_dim, activation=act.name,
        parameterization=parameterization, w_std=w_std, b_std=b_std, out_w_std=out_w_std,
        out_activation=None if out_act is None else out_act.name,
    )
    if parameterization == "mup":
        info.update(base_width=base_width, width_mult=m)
    name = f"mlp[{act.name}, depth={depth}, width={width}]"
    has_kernel = act.has_kernel and (out_act is None or out_act.has_kernel)
    return Net(init, apply, kernel if has_kernel else None, name, info)


#: μP's learning-rate multipliers relative to the base width, per (optimiser, layer kind), with
#: m = width / base_width (Yang et al. 2022, arXiv:2203.03466, Table 3: SGD input weights and
#: all biases η·fan_out, output weights η/fan_in, hidden weights η; Adam input weights and all
#: biases η, output and hidden weights η/fan_in). "bias_out": the readout's bias (fan_out = the
#: output dimension, which does not grow with width).
MUP_LR = {
    "sgd": dict(input=1.0, hidden=0.0, output=-1.0, bias=1.0, bias_out=0.0),
    "momentum": dict(input=1.0, hidden=0.0, output=-1.0, bias=1.0, bias_out=0.0),
    "adam": dict(input=0.0, hidden=-1.0, output=-1.0, bias=0.0, bias_out=0.0),
    "adamw": dict(input=0.0, hidden=-1.0, output=-1.0, bias=0.0, bias_out=0.0),
}


def mup_lr_multipliers(net: Net, params, optimizer: str):
    """The per-leaf learning-rate multipliers m^k of a μP net (:data:`MUP_LR`), a pytree like
    ``params``: 1 everywhere at the base width, so μP and ``"standard"`` then train identically.

    Raises:
      ValueError: ``net`` is not a μP MLP, or the optimiser has no μP rule here.
    """
    if net.info.get("parameterization") != "mup":
        raise ValueError(f"{net.name} is not a μP net (parameterization='mup')")
    if optimizer not in MUP_LR:
        raise ValueError(f"no μP learning-rate rule for {optimizer!r}; allowed: "
                         f"{', '.join(MUP_LR)}")
    rule, m = MUP_LR[optimizer], net.info["width_mult"]
    return jax.tree_util.tree_map(lambda k: m ** rule[k], mup_labels(params))


#: The layer kinds of :func:`one_layer_transformer`'s parameters (Yang et al. 2022, Table 3:
#: embeddings are input weights; the attention and MLP matrices hidden; the unembedding output).
TRANSFORMER_MUP_KINDS = dict(W_E="input", W_pos="input", W_Q="hidden", W_K="hidden",
                             W_V="hidden", W_O="hidden", W_in="hidden", W_out="hidden",
                             W_U="output", b_in="bias", b_out="bias")


def mup_labels(params):
    """Each leaf's layer kind for :data:`MUP_LR`: ``input``, ``hidden`` or ``output`` weights,
    ``bias`` (input and hidden layers) or ``bias_out`` (the readout's), a pytree like ``params``
    (the labels :func:`optax.multi_transform` takes): an MLP's stax layers, or a transformer's
    named arrays (:data:`TRANSFORMER_MUP_KINDS`)."""
    if isinstance(params, dict):
        return {k: TRANSFORMER_MUP_KINDS[k] for k in params}
    dense = [i for i, p in enumerate(params) if isinstance(p, tuple | list) and len(p) == 2]
    out = []
    for i, p in enumerate(params):
        if i not in dense:
            out.append(p)
            continue
        kind = "input" if i == dense[0] else "output" if i == dense[-1] else "hidden"
        out.append((kind, "bias_out" if kind == "output" else "bias"))
    return out


def mup_transform(net: Net, optimizer: str):
    """The optax transformation that scales each layer's update by its μP learning-rate
    multiplier (:data:`MUP_LR`; chained after the optimiser by :mod:`nntheory.train`):
    :func:`optax.multi_transform` of :func:`optax.scale` over :func:`mup_labels`."""
    import optax

    if net.info.get("parameterization") != "mup":
        raise ValueError(f"{net.name} is not a μP net")
    if optimizer not in MUP_LR:
        raise ValueError(f"no μP learning-rate rule for {optimizer!r}; allowed: "
                         f"{', '.join(MUP_LR)}")
    m = net.info["width_mult"]
    return optax.multi_transform({k: optax.scale(m ** e) for k, e in MUP_LR[optimizer].items()},
                                 mup_labels)


POOLS = ("flatten", "global_avg")


def cnn(
    channels: tuple[int, ...] = (16, 16),
    out_dim: int = 10,
    activation_name: str = "relu",
    *,
    kernel_size: int = 3,
    pool: str = "flatten",
    parameterization: str = "ntk",
    w_std: float = 2.0**0.5,
    b_std: float = 0.1,
) -> Net:
    """A small convolutional net: one ``kernel_size``² convolution (stride 1, SAME padding) and
    activation per entry of ``channels``, then a readout by ``pool`` (``"flatten"``: every
    position, or ``"global_avg"``: the channel means) and a dense layer to ``out_dim``.

    Inputs are NHWC images, ``x.shape = (n, height, width, channels_in)``; ``init_params(key,
    (-1, H, W, C))``. Built from neural-tangents' stax (Conv, Flatten/GlobalAvgPool, Dense), so
    ``kernel`` is the analytic NNGP/NTK of the infinitely wide CNN where stax has one for the
    activation (Novak et al. 2019, arXiv:1810.05148; Arora et al. 2019, arXiv:1904.11955 for
    the CNTK), else ``None``. Weights scaled per ``parameterization`` as in :func:`mlp`.

    Raises:
      ValueError: empty or non-positive ``channels``, a bad ``kernel_size``/``out_dim``, an
        unknown activation, pool or parameterization, or a non-positive standard deviation.
    """
    channels = tuple(channels) if isinstance(channels, tuple | list) else (channels,)
    if not channels:
        raise ValueError("channels must name at least one convolution")
    for c in channels:
        int_at_least("channels", c)
    int_at_least("kernel_size", kernel_size)
    int_at_least("out_dim", out_dim)
    act = activation(activation_name)
    if parameterization not in ("ntk", "standard"):
        raise ValueError(f"unknown parameterization {parameterization!r} for a CNN; "
                         "allowed: ntk, standard")
    if pool not in POOLS:
        raise ValueError(f"unknown pool {pool!r}; allowed: {', '.join(POOLS)}")
    w_std = _positive_float("w_std", w_std)
    b_std = float(b_std)
    if not 0 <= b_std < float("inf"):
        raise ValueError(f"b_std must be a non-negative finite number, got {b_std!r}")
    layers = []
    for c in channels:
        layers += [stax.Conv(c, (kernel_size, kernel_size), padding="SAME", W_std=w_std,
                             b_std=b_std, parameterization=parameterization), act.layer()]
    layers += [stax.Flatten() if pool == "flatten" else stax.GlobalAvgPool(),
               stax.Dense(out_dim, w_std, b_std, parameterization=parameterization)]
    init, apply, kernel = (permissive(f) for f in stax.serial(*layers))
    info = dict(kind="cnn", channels=channels, out_dim=out_dim, activation=act.name,
                kernel_size=kernel_size, pool=pool, parameterization=parameterization,
                w_std=w_std, b_std=b_std)
    name = f"cnn[{act.name}, channels={list(channels)}, {pool}]"
    return Net(init, apply, kernel if act.has_kernel else None, name, info)


def param_count(params) -> int:
    """Number of scalar parameters in a pytree."""
    return int(sum(jnp.size(p) for p in jax.tree_util.tree_leaves(params)))


# ---------------------------------------------------------------------------------------------
# Nets on token pairs (grokking): plain JAX, ``kernel=None``
# ---------------------------------------------------------------------------------------------


def _normal_blocks(key, blocks: dict[str, tuple[tuple[int, ...], float]]) -> dict:
    """Independent N(0, std²) arrays of the given shapes, cut from one draw of normals (one
    random-number kernel to compile instead of one per array)."""
    sizes = []
    for shape, _ in blocks.values():
        size = 1
        for n in shape:
            size *= int(n)
        sizes.append(size)
    z = jax.random.normal(key, (sum(sizes),))
    out, start = {}, 0
    for (name, (shape, std)), size in zip(blocks.items(), sizes, strict=True):
        out[name] = std * z[start:start + size].reshape(shape)
        start += size
    return out


def _token_input_shape(input_shape, name):
    if len(input_shape) != 2 or input_shape[-1] != 2:
        raise ValueError(f"{name} takes (n, 2) integer token pairs, got input shape "
                         f"{tuple(input_shape)}")


def modular_mlp(p: int, width: int, activation_name: str = "relu", *,
                out_dim: int | None = None, init_scale: float = 1.0) -> Net:
    """A two-layer MLP on a token pair (a, b) ∈ Z_p², the model of Gromov (2023,
    arXiv:2301.02679) and, with a learned embedding in front, of Liu et al. (2022,
    arXiv:2205.10343):

        f(a, b) = W^T φ(U[a] + V[b]),   U, V ∈ R^{p×N},  W ∈ R^{N×out_dim}

    i.e. a dense layer without biases on the concatenated one-hot codes of a and b (so the
    first layer is an embedding lookup), an elementwise φ (any :func:`activation`; ``poly2``
    is Gromov's quadratic), and a linear readout to ``out_dim`` (default p) logits.
    Initialisation N(0, 1/fan_in): U, V ~ N(0, 1/(2p)) (fan-in 2p of the one-hot pair) and
    W ~ N(0, 1/N), every standard deviation multiplied by ``init_scale`` (the α of Liu, Michaud
    & Tegmark 2023, arXiv:2210.01117, §2: grokking is tied to starting far above the
    "Goldilocks" weight norm). Params are ``{"U", "V", "W"}``; inputs are (n, 2) integer
    tokens.
    """
    int_at_least("p", p)
    int_at_least("width", width)
    act = activation(activation_name)
    out_dim = p if out_dim is None else int_at_least("out_dim", out_dim)
    alpha = _positive_float("init_scale", init_scale)

    def init(key, input_shape):
        _token_input_shape(input_shape, "modular_mlp")
        s_in = alpha * (2.0 * p) ** -0.5
        params = _normal_blocks(key, dict(
            U=((p, width), s_in),
            V=((p, width), s_in),
            W=((width, out_dim), alpha * width**-0.5),
        ))
        return (input_shape[0], out_dim), params

    def apply(params, x, **_):
        h = act.fn(params["U"][x[:, 0]] + params["V"][x[:, 1]])
        return h @ params["W"]

    info = dict(kind="modular_mlp", p=p, width=width, activation=act.name, out_dim=out_dim,
                init_scale=alpha)
    return Net(init, apply, None, f"modular_mlp[{act.name}, p={p}, width={width}]", info)


def one_layer_transformer(p: int, *, d_model: int = 128, n_heads: int = 4,
                          d_head: int | None = None, d_mlp: int = 512,
                          activation_name: str = "relu", parameterization: str = "standard",
                          base_d_model: int | None = None) -> Net:
    """The one-layer transformer of Nanda, Chan, Lieberum, Smith & Steinhardt (2023,
    arXiv:2301.05217, §3): the input "a b =" (the "=" token is p, appended
    here, so inputs are (n, 2) integer pairs), token and learned positional embeddings,
    one causal attention layer (``n_heads`` heads of ``d_head`` = d_model / n_heads), an MLP of
    ``d_mlp`` ReLU units with biases, and an unembedding read at the last position; residual
    connections, no layer norm. Returns (n, p) logits.

        x₀ = W_E[t] + W_pos,  x₁ = x₀ + Σ_h W_O^h Attn^h(x₀),
        x₂ = x₁ + W_out φ(W_in x₁ + b_in) + b_out,  logits = W_U x₂[−1]

    Initialisation as in the paper's code: N(0, 1/d_model) for W_E, W_pos, W_Q, W_K, W_V,
    W_O, W_in, W_out; N(0, 1/d_vocab) with d_vocab = p + 1 for W_U; zero biases.

    ``parameterization="mup"`` is μP relative to ``base_d_model`` d_b (Yang et al. 2022,
    arXiv:2203.03466, Table 3 and §"μP for Transformers"), with width multiplier
    m = d_model / d_b applied to every hidden dimension (keep ``n_heads`` and d_mlp / d_model
    fixed as the width grows): the embeddings (input weights) keep the base model's standard
    deviation d_b^(−1/2) at every width, hidden weights keep 1/√d_model, the unembedding's
    standard deviation falls as d_vocab^(−1/2) / m (variance ∝ 1/fan_in²), and attention scores
    are scaled by √d_head,b / d_head (1/d attention, equal to 1/√d_head at the base width);
    Adam's per-layer rates come from :func:`mup_transform` (:func:`mup_labels` names the
    layers). At ``d_model = base_d_model`` it is the paper's model exactly.
    """
    int_at_least("p", p)
    int_at_least("d_model", d_model)
    int_at_least("n_heads", n_heads)
    int_at_least("d_mlp", d_mlp)
    if d_head is None:
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be divisible by n_heads ({n_heads})")
        d_head = d_model // n_heads
    int_at_least("d_head", d_head)
    act = activation(activation_name)
    n_ctx, d_vocab = 3, p + 1
    base = _mup_base(parameterization, d_model, base_d_model, "d_model", ("standard", "mup"))
    m = d_model / base
    s_in = base**-0.5  # the base width's 1/√d_model: constant in width under μP
    # scores / √d_head at the base width, / (d_head / √d_head,base) ∝ d_head under μP
    attn_div = d_head**0.5 if m == 1 else d_head / (d_head / m) ** 0.5

    def init(key, input_shape):
        _token_input_shape(input_shape, "one_layer_transformer")
        s = d_model**-0.5
        params = _normal_blocks(key, dict(
            W_E=((d_vocab, d_model), s_in),
            W_pos=((n_ctx, d_model), s_in),
            W_Q=((n_heads, d_model, d_head), s),
            W_K=((n_heads, d_model, d_head), s),
            W_V=((n_heads, d_model, d_head), s),
            W_O=((n_heads, d_head, d_model), s),
            W_in=((d_model, d_mlp), s),
            W_out=((d_mlp, d_model), s),
            W_U=((d_model, p), d_vocab**-0.5 / m),
        ))
        params.update(b_in=jnp.zeros((d_mlp,)), b_out=jnp.zeros((d_model,)))
        return (input_shape[0], p), params

    def apply(params, x, **_):
        eq = jnp.full((x.shape[0], 1), p, x.dtype)
        tokens = jnp.concatenate([x, eq], axis=1)  # (n, 3)
        # one-hot matmul, not a gather: its gradient is a matmul too, so training is
        # bit-reproducible on GPUs (a gather's gradient is an atomic scatter-add there)
        onehot = jax.nn.one_hot(tokens, d_vocab, dtype=params["W_E"].dtype)
        r = onehot @ params["W_E"] + params["W_pos"][None]  # (n, 3, d)
        # Only the "=" position is read out, and it attends causally to all three positions,
        # so its query alone is needed (the other positions' outputs never reach the logits).
        q = jnp.einsum("nd,hde->nhe", r[:, -1], params["W_Q"])
        k_ = jnp.einsum("nsd,hde->nhse", r, params["W_K"])
        v = jnp.einsum("nsd,hde->nhse", r, params["W_V"])
        attn = jax.nn.softmax(jnp.einsum("nhe,nhse->nhs", q, k_) / attn_div, -1)
        z = jnp.einsum("nhs,nhse->nhe", attn, v)
        last = r[:, -1] + jnp.einsum("nhe,hed->nd", z, params["W_O"])
        h = act.fn(last @ params["W_in"] + params["b_in"][None])
        last = last + h @ params["W_out"] + params["b_out"][None]
        return last @ params["W_U"]

    info = dict(kind="one_layer_transformer", p=p, d_model=d_model, n_heads=n_heads,
                d_head=d_head, d_mlp=d_mlp, activation=act.name,
                parameterization=parameterization)
    if parameterization == "mup":
        info.update(base_width=base, width_mult=m)
    return Net(init, apply, None, f"transformer[1 layer, p={p}, d_model={d_model}]", info)
