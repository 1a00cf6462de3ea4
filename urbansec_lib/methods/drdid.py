"""2x2 panel difference-in-differences estimators with influence functions (DRDID 1.2.3):
outcome regression, inverse probability weighting, doubly robust and improved doubly robust,
the building blocks of :func:`urbansec_lib.staggered.att_gt`.
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

__all__ = []

_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------------------
# 2x2 panel DiD estimators with influence functions (DRDID 1.2.3)
# --------------------------------------------------------------------------------------
def _pscore(D: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Logit propensity score (maximum likelihood, Newton; closed form without covariates)."""
    if X.shape[1] == 1:
        return np.full(len(D), D.mean())
    fit = sm.Logit(D, X).fit(
        method="newton", disp=0, maxiter=100, tol=1e-12, warn_convergence=False
    )
    return np.asarray(fit.predict(X))


def _wols(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS of the outcome change on covariates among comparison units; returns coef, fit."""
    c = D == 0
    beta = np.linalg.lstsq(X[c], dy[c], rcond=None)[0]
    return beta, X @ beta


def _ps_linrep(D, X, ps):
    n = len(D)
    W = ps * (1 - ps)
    hess = np.linalg.inv(X.T @ (W[:, None] * X)) * n
    return ((D - ps)[:, None] * X) @ hess


def _ols_linrep(dy, D, X, fit):
    n = len(D)
    w0 = (1 - D)[:, None]
    xpx = (w0 * X).T @ X / n
    if np.linalg.cond(xpx) > 1 / _EPS:
        raise np.linalg.LinAlgError("singular regression design among comparison units")
    return (w0 * (dy - fit)[:, None] * X) @ np.linalg.inv(xpx)


def _reg_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura & Todd 1997), DRDID ``reg_did_panel``."""
    _, fit = _wols(dy, D, X)
    w_t = D
    eta_t = np.mean(w_t * dy) / np.mean(w_t)
    eta_c = np.mean(w_t * fit) / np.mean(w_t)
    lin_ols = _ols_linrep(dy, D, X, fit)
    inf_t = (w_t * dy - w_t * eta_t) / np.mean(w_t)
    inf_c = (w_t * fit - w_t * eta_c + lin_ols @ np.mean(w_t[:, None] * X, axis=0)) / np.mean(w_t)
    return float(eta_t - eta_c), inf_t - inf_c


def _trim(D, ps, level=0.995):
    return np.where(D == 1, ps < 1.01, ps < level).astype(float)


def _ipw_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Normalised (Hajek) IPW DiD (Abadie 2005), DRDID ``std_ipw_did_panel``."""
    ps = np.minimum(_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    w_t = tr * D
    w_c = tr * ps * (1 - D) / (1 - ps)
    eta_t = np.mean(w_t * dy) / np.mean(w_t)
    eta_c = np.mean(w_c * dy) / np.mean(w_c)
    lin_ps = _ps_linrep(D, X, ps)
    inf_t = (w_t * dy - w_t * eta_t) / np.mean(w_t)
    m2 = np.mean((w_c * (dy - eta_c))[:, None] * X, axis=0)
    inf_c = (w_c * dy - w_c * eta_c + lin_ps @ m2) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def _dr_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD (Sant'Anna & Zhao 2020), DRDID ``drdid_panel``."""
    ps = np.minimum(_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    _, fit = _wols(dy, D, X)
    w_t = tr * D
    w_c = tr * ps * (1 - D) / (1 - ps)
    r = dy - fit
    eta_t = np.mean(w_t * r) / np.mean(w_t)
    eta_c = np.mean(w_c * r) / np.mean(w_c)
    lin_ols = _ols_linrep(dy, D, X, fit)
    lin_ps = _ps_linrep(D, X, ps)
    inf_t1 = w_t * r - w_t * eta_t
    inf_t2 = lin_ols @ np.mean(w_t[:, None] * X, axis=0)
    inf_t = (inf_t1 - inf_t2) / np.mean(w_t)
    inf_c1 = w_c * r - w_c * eta_c
    inf_c2 = lin_ps @ np.mean((w_c * (r - eta_c))[:, None] * X, axis=0)
    inf_c3 = lin_ols @ np.mean(w_c[:, None] * X, axis=0)
    inf_c = (inf_c1 + inf_c2 - inf_c3) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def _ipt_pscore(D: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Propensity score by inverse probability tilting (Graham, Pinto & Egel 2012).

    Minimises the convex calibration loss of DRDID's ``loss.ps.cal``,
    ``-mean(D x'g - (1 - D) exp(x'g))``, by damped Newton steps from the logit fit; at the
    optimum the tilted comparison units reproduce the treated units' covariate means.
    """
    if X.shape[1] == 1:
        return np.full(len(D), D.mean())
    fit = sm.Logit(D, X).fit(method="newton", disp=0, maxiter=100, warn_convergence=False)
    gam = np.asarray(fit.params, float)
    n = len(D)

    def loss(g):
        idx = X @ g
        return -np.mean(np.where(D == 1, idx, -np.exp(idx)))

    for _ in range(200):
        idx = X @ gam
        e = np.exp(idx)
        grad = -np.mean(np.where(D == 1, 1.0, -e)[:, None] * X, axis=0)
        hess = (X.T @ (((1 - D) * e)[:, None] * X)) / n
        step = np.linalg.solve(hess, grad)
        t, cur = 1.0, loss(gam)
        while loss(gam - t * step) > cur and t > 1e-10:
            t /= 2
        gam = gam - t * step
        if np.max(np.abs(t * step)) < 1e-12:
            break
    return 1 / (1 + np.exp(-(X @ gam)))


def _dr_imp_did(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Improved (locally efficient, bias-reduced) DR DiD, DRDID ``drdid_imp_panel``."""
    ps = np.minimum(_ipt_pscore(D, X), 1 - 1e-6)
    tr = _trim(D, ps)
    c = D == 0
    w = ps[c] / (1 - ps[c])
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(X[c] * sw[:, None], dy[c] * sw, rcond=None)[0]
    r = dy - X @ beta
    num = tr * (1 - (1 - D) / (1 - ps)) * r
    att = np.mean(num) / np.mean(D)
    return float(att), tr * (num - D * att) / np.mean(D)


_ESTIMATORS = {"reg": _reg_did, "ipw": _ipw_did, "dr": _dr_did, "dr_imp": _dr_imp_did}
