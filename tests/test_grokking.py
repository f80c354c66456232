"""Grokking: the analysis functions (nntheory.analysis.grokking) on cases whose answer is known
exactly, then the study end to end at a tiny config of its own (run, claims, figures, HTML and
PDF report, and the transformer's two-pass smoke run)."""

from __future__ import annotations

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from nntheory import store, train
from nntheory.analysis import grokking as gk
from nntheory.cli import main
from nntheory.report.render import expected_pdf_pages
from nntheory.study import check_claims, get_study

# ---------------------------------------------------------------------------------------------
# When: first steps, grokking steps, rises
# ---------------------------------------------------------------------------------------------

STEP = np.array([0, 10, 20, 30, 40])


@pytest.mark.parametrize(
    "values,threshold,expected",
    [
        ([0.0, 0.5, 0.99, 1.0, 1.0], 0.99, 20.0),
        ([0.0, 0.5, 0.98, 0.98, 0.98], 0.99, math.nan),
        ([1.0, 1.0, 1.0, 1.0, 1.0], 0.99, 0.0),
        ([0.0, np.nan, 0.2, 0.995, np.nan], 0.99, 30.0),
        ([0.0, 1.0, 0.0, 1.0, 0.0], 0.5, 10.0),  # the first crossing counts
    ],
)
def test_first_step_reaching(values, threshold, expected):
    got = gk.first_step_reaching(STEP, np.array(values), threshold)
    assert (math.isnan(expected) and math.isnan(got)) or got == expected


def test_grokking_steps_on_an_ensemble_history():
    """(K, T) curves give per-member fit and grok steps and their ratio; a History and a
    mapping give the same answer; a member that never generalises gets NaN."""
    tr = np.array([[0.1, 0.99, 1, 1, 1], [0.5, 1, 1, 1, 1], [0, 0, 0.99, 1, 1]])
    te = np.array([[0, 0, 0.2, 0.995, 1], [0, 0.99, 1, 1, 1], [0, 0, 0, 0.5, 0.9]])
    hist = train.History(STEP, dict(train_accuracy=tr, test_accuracy=te), np.zeros(3, bool),
                         -np.ones(3, int), 0.0)
    for h in (hist, dict(step=STEP, train_accuracy=tr, test_accuracy=te)):
        g = gk.grokking_steps(h)
        np.testing.assert_array_equal(g.train_step, [10, 10, 20])
        np.testing.assert_array_equal(g.test_step, [30, 10, np.nan])
        np.testing.assert_array_equal(g.ratio, [3, 1, np.nan])
    g = gk.grokking_steps(hist, 0.99, test_threshold=0.5)
    np.testing.assert_array_equal(g.test_step, [30, 10, 30])


def test_first_step_reaching_checks_lengths():
    with pytest.raises(ValueError, match="log points"):
        gk.first_step_reaching(STEP, np.zeros(4), 0.5)


@pytest.mark.parametrize(
    "values,fraction,expected",
    [
        ([0.0, 0.25, 0.5, 0.75, 1.0], 0.5, 20.0),
        ([0.0, 0.25, 0.5, 0.75, 1.0], 1.0, 40.0),
        ([0.2, 0.9, 0.9, 0.6, 0.6], 0.5, 10.0),  # an overshoot counts from its first crossing
        ([1.0, 0.8, 0.6, 0.4, 0.2], 0.5, math.nan),  # falls: no rise
        ([0.3, 0.3, 0.3, 0.3, 0.3], 0.5, math.nan),
    ],
)
def test_rise_step(values, fraction, expected):
    got = gk.rise_step(STEP, np.array(values), fraction)
    assert (math.isnan(expected) and math.isnan(got)) or got == expected


# ---------------------------------------------------------------------------------------------
# Fourier basis and spectra
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [2, 3, 4, 7, 8, 13, 113])
def test_fourier_basis_is_orthonormal(p):
    """B Bᵀ = I, one row per basis function, frequencies 0, 1, 1, 2, 2, … (⌊p/2⌋ + 1 in all)."""
    b = gk.fourier_basis(p)
    np.testing.assert_allclose(b @ b.T, np.eye(p), atol=1e-12)
    f = gk.basis_frequencies(p)
    assert len(f) == p and f.max() == p // 2 and gk.n_frequencies(p) == p // 2 + 1
    assert np.all(np.bincount(f)[1:(p - 1) // 2 + 1] == 2)


@pytest.mark.parametrize("p,k", [(7, 1), (7, 3), (13, 5), (12, 6), (12, 2)])
def test_pure_cosine_embedding_has_all_energy_at_its_frequency(p, k):
    """E[a, j] = cos(2πka/p + φ_j): energy only at frequency k, summing to ‖E‖_F²."""
    a = np.arange(p)[:, None]
    phases = np.array([0.0, 0.7, 2.0])[None, :]
    emb = np.cos(2 * np.pi * k * a / p + phases)
    if 2 * k == p:  # the Nyquist frequency has no sine: take cosines only
        emb = np.cos(np.pi * a) * np.ones((1, 3))
    e = np.asarray(jax.jit(gk.frequency_energy)(jnp.asarray(emb, jnp.float32)))
    expected = np.zeros(p // 2 + 1)
    expected[k] = np.sum(emb**2)
    np.testing.assert_allclose(e, expected, atol=1e-4)
    np.testing.assert_allclose(jax.jit(gk.frequency_norms)(emb), np.sqrt(expected), atol=1e-3)


def test_frequency_energy_parseval_and_batching():
    """Energies of a random embedding sum to ‖E‖_F²; leading axes are batch axes."""
    emb = jax.random.normal(jax.random.PRNGKey(0), (3, 11, 5))
    e = jax.jit(gk.frequency_energy)(emb)
    assert e.shape == (3, 6)
    np.testing.assert_allclose(e.sum(-1), (emb**2).sum((-2, -1)), rtol=1e-5)
    np.testing.assert_allclose(e[1], jax.jit(gk.frequency_energy)(emb[1]), rtol=1e-6)


@pytest.mark.parametrize(
    "energy,k,expected",
    [
        ([1.0, 4.0, 3.0, 2.0], 1, 0.4),
        ([1.0, 4.0, 3.0, 2.0], 2, 0.7),
        ([0.0, 1.0, 1.0, 1.0, 1.0], 2, 0.5),
        ([5.0, 0.0, 5.0], 1, 0.5),  # the constant counts in the total, never in the top k
    ],
)
def test_top_k_fraction(energy, k, expected):
    assert float(gk.top_k_fraction(jnp.asarray(energy), k)) == pytest.approx(expected)


@pytest.mark.parametrize("k", [0, 4])
def test_top_k_fraction_rejects_k(k):
    with pytest.raises(ValueError, match="k must be in"):
        gk.top_k_fraction(jnp.ones(4), k)


def test_key_frequencies_and_coverage_mask():
    """Key frequencies in order of energy (1-based); the coverage mask is the fewest
    frequencies reaching the coverage, constant excluded."""
    e = np.array([100.0, 1.0, 6.0, 0.5, 2.5])
    np.testing.assert_array_equal(gk.key_frequencies(e, 3), [2, 4, 1])
    np.testing.assert_array_equal(gk.coverage_mask(e, 0.6), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(gk.coverage_mask(e, 0.85), [0, 0, 1, 0, 1])
    np.testing.assert_array_equal(gk.coverage_mask(e, 1.0), [0, 1, 1, 1, 1])
    batch = gk.coverage_mask(np.stack([e, e[[0, 4, 3, 2, 1]]]), 0.6)
    np.testing.assert_array_equal(batch, [[0, 0, 1, 0, 0], [0, 0, 0, 1, 0]])


@pytest.mark.parametrize(
    "energy,expected",
    [
        ([[0.0, 2.0, 0.0], [0.0, 0.0, 3.0]], 1.0),  # each unit a single frequency
        ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], 1 / 3),
        ([[2.0, 1.0, 1.0], [0.0, 4.0, 0.0]], 5 / 8),
    ],
)
def test_unit_concentration(energy, expected):
    assert float(gk.unit_concentration(jnp.asarray(energy))) == pytest.approx(expected)


# ---------------------------------------------------------------------------------------------
# Restricted and excluded logits
# ---------------------------------------------------------------------------------------------

P = 11


def _grid():
    a, b = np.meshgrid(np.arange(P), np.arange(P), indexing="ij")
    return a, b


def _table():
    """A logit table: 2·cos(w₃(a+b−c)) + sin(w₁(a+b))·(c = 0) + a part in a alone + a mean."""
    a, b = _grid()
    c = np.arange(P)
    w = 2 * np.pi / P
    sum_part = 2 * np.cos(3 * w * (a + b)[..., None] - 3 * w * c)
    sum_part[..., 0] += np.sin(w * (a + b))
    other = 0.3 * np.cos(2 * w * a)[..., None] * np.ones(P)
    return sum_part, other, 0.7


def test_sum_energy_and_projections_are_exact():
    """The a+b spectrum sees frequencies 3 and 1 only; restricting to {3} keeps the mean and
    the 2cos(w₃(a+b−c)) part; excluding {3} leaves everything else; restricted + excluded =
    L + mean."""
    sum_part, other, mean = _table()
    logits = jnp.asarray(sum_part + other + mean)
    e = np.asarray(jax.jit(gk.sum_frequency_energy)(logits))
    a, b = _grid()
    w = 2 * np.pi / P
    three = 2 * np.cos(3 * w * (a + b)[..., None] - 3 * w * np.arange(P))
    np.testing.assert_allclose(e[3], np.sum(three**2), rtol=1e-4)
    np.testing.assert_allclose(e[1], np.sum(np.sin(w * (a + b)) ** 2), rtol=1e-4)
    np.testing.assert_allclose(np.delete(e, [0, 1, 3]), 0, atol=1e-3)
    mask = np.zeros(P // 2 + 1, bool)
    mask[3] = True
    r = np.asarray(jax.jit(gk.restricted_logits)(logits, mask))
    x = np.asarray(jax.jit(gk.excluded_logits)(logits, mask))
    np.testing.assert_allclose(r, three + mean, atol=1e-4)
    np.testing.assert_allclose(x, np.asarray(logits) - three, atol=1e-4)
    np.testing.assert_allclose(r + x, np.asarray(logits) + mean, atol=1e-4)


def test_sum_projection_matches_nandas_2d_directions():
    """Cross-check: the component along cos(w(a+b)) and sin(w(a+b)), built from the explicit
    normalised 2-D directions (cos x cos y − sin x sin y)/√2 etc. of Nanda et al.'s code,
    equals the anti-diagonal/1-D-basis projection used here, for a random table."""
    logits = np.asarray(jax.random.normal(jax.random.PRNGKey(3), (P, P, 4)), np.float64)
    basis = gk.fourier_basis(P)
    mask = np.zeros(P // 2 + 1, bool)
    mask[[2, 5]] = True
    expected = np.zeros_like(logits)
    for k in (2, 5):
        c, s = basis[2 * k - 1], basis[2 * k]
        for d in (np.outer(c, c) - np.outer(s, s), np.outer(s, c) + np.outer(c, s)):
            d = d.reshape(-1) / np.sqrt(2)
            flat = logits.reshape(P * P, -1)
            expected += (d[:, None] * (d @ flat)[None, :]).reshape(P, P, -1)
    got = np.asarray(jax.jit(gk.excluded_logits)(jnp.asarray(logits, jnp.float32), mask))
    np.testing.assert_allclose(logits - got, expected, atol=1e-4)


def test_masked_cross_entropy_is_stable_and_exact():
    """Equals −log softmax[label] averaged over the mask; finite for logits of 1e4."""
    logits = jnp.array([[2.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    labels = jnp.array([0, 1, 1])
    where = jnp.array([True, True, False])
    expected = np.mean([np.log1p(np.exp(-2.0)), np.log1p(np.exp(-1.0))])
    assert float(gk.masked_cross_entropy(logits, labels, where)) == pytest.approx(expected)
    big = gk.masked_cross_entropy(jnp.array([[1e4, 0.0]]), jnp.array([1]), jnp.array([True]))
    assert float(big) == pytest.approx(1e4)


# ---------------------------------------------------------------------------------------------
# Norms and summaries
# ---------------------------------------------------------------------------------------------


def test_global_norm():
    params = dict(a=jnp.array([3.0, 0.0]), b=[jnp.array([[4.0]]), jnp.zeros(3)])
    assert float(gk.global_norm(params)) == pytest.approx(5.0)


@pytest.mark.parametrize(
    "x,y,expected",
    [
        ([0.3, 0.5, 0.7], [900, 400, 100], -1.0),
        ([0.3, 0.5, 0.7], [np.inf, 400, 100], -1.0),  # never grokked = slowest
        ([0.3, 0.5, 0.7], [np.inf, np.inf, 100], -math.sqrt(3) / 2),  # a tie breaks it
        ([0.3, 0.5, 0.7], [100, 400, 900], 1.0),
        ([0.3, 0.5, 0.7], [5, 5, 5], math.nan),
    ],
)
def test_rank_correlation(x, y, expected):
    got = gk.rank_correlation(x, y)
    assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected)


def test_censored_median():
    assert gk.censored_median([100.0, np.nan, 300.0]) == 300.0
    assert gk.censored_median([np.nan, np.nan, 300.0]) == np.inf
    np.testing.assert_array_equal(gk.censored([1.0, np.nan]), [1.0, np.inf])


# ---------------------------------------------------------------------------------------------
# The study, end to end at a tiny config (with the transformer smoke run)
# ---------------------------------------------------------------------------------------------

G = "grokking"
TINY = dict(
    p=11, width=16, seeds=2, steps=40, log_every=10, train_fractions=[0.5],
    weight_decays=[0.0], transformer=True, tf_p=11, tf_steps=200,
    tf_size=[8, 2, 16],
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny run through the CLI, with its report and claims."""
    base = tmp_path_factory.mktemp("grok")
    toml = base / "tiny.toml"
    toml.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in TINY.items()))
    results, reports = base / "results", base / "reports"
    common = ["--results-dir", str(results), "--reports-dir", str(reports)]
    assert main([*common, "run", G, "--config", str(toml)]) == 0
    assert main([*common, "report", G, "--config", str(toml)]) == 0
    study = get_study(G)
    cfg = study.config("quick", TINY)
    res, meta = store.load(results, G, cfg, 0)
    return dict(common=common, toml=toml, reports=reports, cfg=cfg, res=res, meta=meta)


def test_results_hold_every_claimed_metric(tiny_run):
    """Every claim's metric is measured (NaN allowed: a 40-step run need not grok), and the
    tables hold one row per (arm, seed) and per logged step."""
    res, cfg = tiny_run["res"], tiny_run["cfg"]
    for claim in get_study(G).CLAIMS:
        assert claim.measured in res.metrics, claim.id
    grok = res.tables["grok"]
    arms = {"main", "weight_decay=0", "fraction=0.5", "activation=poly2", "transformer"}
    assert set(grok["arm"]) == arms and len(grok) == len(arms) * cfg.seeds
    assert not grok["diverged"].any()
    curves = res.tables["curves"]
    n_log = cfg.steps // cfg.log_every + 1
    assert len(curves[curves["arm"] == "main"]) == cfg.seeds * n_log
    assert res.arrays["main_unit_energy"].shape == (cfg.seeds, cfg.width, cfg.p // 2 + 1)
    # exact facts at any size
    assert res.metrics["wd0_fraction_grokked"] in (0.0, 0.5, 1.0)
    assert 0 < res.metrics["unit_concentration_init"] <= 1


def test_transformer_smoke(tiny_run):
    """The transformer arm ran twice from one initialisation and the runs coincide
    (deterministic full-batch training), so the key frequencies of the first run are those
    of the second; its restricted/excluded losses are finite."""
    res = tiny_run["res"]
    assert res.metrics["tf_rerun_max_test_accuracy_difference"] == 0.0
    assert res.metrics["tf_key_frequencies_stable"] == 1.0
    tf = res.tables["curves"]
    tf = tf[tf["arm"] == "transformer"]
    assert len(tf) == tiny_run["cfg"].seeds * 201
    assert np.isfinite(tf[["restricted_loss", "excluded_loss", "weight_norm"]]).all().all()
    assert (res.tables["grok"].query("arm == 'transformer'")["n_key_frequencies"] >= 1).all()


def test_figures_and_report(tiny_run):
    """figures() returns one figure per section (five at this config) and the PDF has the
    layout's page count: overview, claims, one page per figure, provenance."""
    from pypdf import PdfReader

    from nntheory.report.figures import Figure

    claims = json.loads((tiny_run["reports"] / G / "claims.json").read_text())
    n = claims["n_figures"]
    names = ("phenomenon", "drivers", "activation", "progress", "transformer")
    assert n == len(names)
    for name in names:
        assert (tiny_run["reports"] / G / f"fig-{name}.svg").stat().st_size > 0
    pdf = PdfReader(tiny_run["reports"] / G / "report.pdf")
    assert len(pdf.pages) == expected_pdf_pages(n)
    figs = get_study(G).figures(tiny_run["res"], tiny_run["cfg"])
    assert [f.name for f in figs] == list(names) and all(isinstance(f, Figure) for f in figs)


def test_operations_figure(tiny_run):
    """With an operation sweep, figures() adds the operations figure (drawn here from the
    tiny results with the fraction arm relabelled as a "*" arm, to spare a training run)."""
    import dataclasses

    import matplotlib.pyplot as plt

    from nntheory.study import Results

    res, cfg = tiny_run["res"], tiny_run["cfg"]
    tables = {k: v.copy() for k, v in res.tables.items()}
    for t in ("curves", "grok"):
        tables[t]["arm"] = tables[t]["arm"].replace("fraction=0.5", "op=*")
    tables["grok"].loc[tables["grok"]["arm"] == "op=*", ["op", "kind"]] = ["*", "op"]
    cfg = dataclasses.replace(cfg, ops=("+", "*"))
    figs = get_study(G).figures(Results(tables, res.arrays, res.metrics), cfg)
    assert "operations" in [f.name for f in figs]
    for f in figs:
        plt.close(f.fig)


def test_claims_command_matches_verdicts(tiny_run, capsys):
    rc = main([*tiny_run["common"], "claims", G, "--config", str(tiny_run["toml"])])
    out = capsys.readouterr().out
    verdicts = check_claims(get_study(G).CLAIMS, tiny_run["res"].metrics)
    assert rc == (0 if all(v.passed for v in verdicts) else 1)
    assert out.count("PASS") == sum(v.passed for v in verdicts)


@pytest.mark.parametrize(
    "override,fragment",
    [
        (dict(weight_decays=[0.3]), "must include 0"),
        (dict(train_fractions=[0.6]), "at least two fractions"),
        (dict(steps=45), "must divide steps"),
        (dict(p=7), "at least 11"),
        (dict(ops=["%"]), "unknown modular operation"),
        (dict(activation="cubic"), "unknown activation"),
        (dict(tf_size=[10, 4, 8]), "divisible"),
        (dict(tf_steps=300), "multiple of 200"),
    ],
)
def test_config_rejects(override, fragment):
    with pytest.raises(ValueError, match=fragment):
        get_study(G).config("quick", override)
