"""Layer 4, ``methods``: Statistical and causal methods: fixed effects, wild bootstrap,
staggered DiD, synthetic control, multilevel models, omitted-variable sensitivity.

May import from: ``core``, ``model``, ``inputs``, ``engine`` (and its own modules).

Modules
-------
impact
    Impact evaluation of local security interventions (the public face of the modules
    below, of ``synthetic_control`` and ``staggered``).
diff_in_diff
    Difference-in-differences: 2x2 or two-way fixed effects (``did``).
leads_lags
    Event study: leads, lags and the pre-trend test (``event_study``).
ordinal
    Ordinal (ordered logit / probit) difference-in-differences.
time_series
    Interrupted time series (``its``).
displacement
    The Weighted Displacement Difference test (``wdd``).
power
    Power and minimum detectable effect of a clustered survey DiD.
fixed_effects
    Linear regression with fixed effects absorbed by demeaning (fast TWFE).
feols_result
    The result object of ``feols``.
wildboot
    Wild cluster bootstrap for inference with few clusters.
staggered
    Staggered adoption: difference-in-differences when areas adopt a programme at
    different times (the public face of the modules below).
group_time
    Callaway & Sant'Anna group-time average treatment effects (``att_gt``).
group_time_results
    ATT(g, t) results and their aggregations.
drdid
    2x2 panel DiD estimators with influence functions (DRDID).
multiplier_bootstrap
    The multiplier bootstrap of the R package ``did``.
staggered_panel
    Staggered-adoption panel checks and exact two-way fixed effects.
staggered_plots
    Event-time plots of staggered-adoption results.
sunab
    Sun & Abraham interaction-weighted event study.
bacon
    Goodman-Bacon decomposition of the TWFE coefficient.
rollout
    A staggered rollout evaluated end to end.
synthetic_control
    Synthetic control and synthetic difference-in-differences for one treated unit (the
    public face of the ``synth_*`` modules and ``sdid``).
synth_weights
    Donor weights: least squares on the unit simplex and the outer V search.
synth_fit
    Synthetic control data preparation and the nested W / V fit.
synth_inference
    Placebo-in-space permutation inference and leave-one-out refits.
synth_results
    The synthetic control result object.
synth_plots
    Plots of synthetic control and synthetic DiD results.
sdid
    Synthetic difference-in-differences (Arkhangelsky et al. 2021).
sdid_weights
    Synthetic DiD unit and time weights (Frank-Wolfe, as ``synthdid``).
multilevel
    Respondent-level multilevel models: feeling safe and collective efficacy (pilot
    survey).
omitted_variable
    Sensitivity of a regression coefficient to omitted variables.
demean
    The within transformation: fixed effects swept out by alternating projections.
design
    The shared core of the impact designs: result objects and their plots.
design_checks
    The impact designs' argument checks, assumption rows and small fitting helpers.
"""

from .._lazy import lazy_modules

__all__ = [
    "impact",
    "diff_in_diff",
    "leads_lags",
    "ordinal",
    "time_series",
    "displacement",
    "power",
    "fixed_effects",
    "feols_result",
    "wildboot",
    "staggered",
    "group_time",
    "group_time_results",
    "drdid",
    "multiplier_bootstrap",
    "staggered_panel",
    "staggered_plots",
    "sunab",
    "bacon",
    "rollout",
    "synthetic_control",
    "synth_weights",
    "synth_fit",
    "synth_inference",
    "synth_results",
    "synth_plots",
    "sdid",
    "sdid_weights",
    "multilevel",
    "omitted_variable",
    "demean",
    "design",
    "design_checks",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
