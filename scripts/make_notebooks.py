"""Author the study notebooks from readable cell lists (run once after editing; commit the .ipynb).

    python scripts/make_notebooks.py

Notebooks hold narrative and calls into urbansec_lib only; they are written without outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str, tags: list[str] | None = None):
    c = new_code_cell(text.strip())
    if tags:
        c.metadata["tags"] = tags
    return c


def params(text: str):
    return code(text, ["parameters"])


def write(name: str, cells: list) -> None:
    for i, c in enumerate(cells):
        c.id = f"{Path(name).stem[:40]}-{i:02d}"  # stable ids: no churn when regenerated
    nb = new_notebook(
        cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}}
    )
    nbformat.validate(nb)
    nbformat.write(nb, ROOT / "notebooks" / name)
    print("wrote", name)


SETUP = """
import warnings
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

import urbansec_lib as us

warnings.filterwarnings("ignore", category=FutureWarning)
# NaN propagation where a unit has no data under a node is expected, not news for readers
warnings.filterwarnings(
    "ignore",
    message="(Mean of empty slice|Degrees of freedom|All-NaN slice|invalid value encountered)",
    category=RuntimeWarning,
)
us.plots.set_style()
pd.set_option("display.precision", 2)
rec = us.reports.Recorder(results_path or None)
"""

CITY = [
    md("""
# Urban security self-assessment profile

This report places one urban authority in the six dimensions of the Urban Agenda
Partnership's holistic framework (quality of life, social cohesion, public-space
liveability, sense of safety in public spaces, urban security, background conditions),
**against its peers** (units alike in context) and **against its own past**. It never
ranks units: positions are bands within the peer group, and learning partners are peers to
talk to, not a league table.
"""),
    params("""
unit_id: str = "ES001C"  # unit code (Urban Audit city code or NUTS code)
data_dir: str = "../data"  # folder holding raw/ (read only) and processed/
framework_path: str = ""  # framework YAML (empty: the packaged default)
seed: int = 20261124  # seed for peer grouping and the uncertainty analysis
min_n: int = 10  # small-cell suppression threshold (respondents)
n_draws: int = 10000  # Monte Carlo model runs of the robustness analysis
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(SETUP),
    code("""
fw = us.load_framework(framework_path or None)
inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
us.pipeline.check_unit_inputs(inputs, unit_id)
unit = us.self_assessment.unit_record(inputs.units, unit_id)
rec.record("unit_name", unit["name"])
display(Markdown(us.self_assessment.unit_intro(unit, inputs, fw)))
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)))
"""),
    md("""
## The framework

Framework version and the number of indicators per dimension (objective statistics and
perceptions side by side).
"""),
    code("""
display(us.present.table(us.self_assessment.framework_overview(fw),
                         caption=f"Indicators per dimension, framework version {fw.version}"))
rec.record("framework_version", fw.version)
"""),
    md("""
## Profile against peers

Scores are min-max normalised to 0-100 across all units and periods (direction applied, so
higher is always better) and averaged with the framework's weights; a dimension gets a
score only where at least half of its indicators have data, so that units are compared on
like evidence. Where the peer group has fewer than three units with a score (e.g. survey
dimensions, which only the pilots measured), the unit is compared with all units that
have one. The peer group is found
by k-means clustering of standardised context variables (population, urban-rural type and
coastal location of the unit's NUTS 3 region), with k chosen by the silhouette score among
groupings of at least four units, and a fixed seed.
"""),
    code("""
prof = us.self_assessment.profile(inputs.indicators, fw)
ctx = us.pipeline.unit_context(inputs.units, data_dir)
groups = us.peers.peer_groups(ctx, seed=seed)
pos = us.peers.position(prof, unit_id, groups, nodes=us.self_assessment.dimension_ids(fw))
rec.record("scores", prof.scores.query("unit_id == @unit_id"))
rec.record("position", pos)
rec.record("peer_group", groups.to_dict())
comparators = us.self_assessment.comparators(prof, unit_id, inputs.units, fw)
rec.record("comparators", comparators)
display(Markdown(us.self_assessment.comparators_text(comparators, inputs.units, unit_id)))
display(Markdown(us.self_assessment.peer_text(unit_id, groups, inputs.units)))
us.reports.show_figure(
    us.plots.plot_profile(pos, labels=us.self_assessment.node_labels(fw),
                          title=f"{unit['name']}: dimension scores against the peer group"),
    alt=us.self_assessment.profile_alt_text(unit["name"], pos, fw),
)
ptab = us.self_assessment.position_table(pos, fw)
display(us.present.table(ptab, kinds={"score (0-100)": "score", "peers' median": "score"},
                         notes=[ptab.attrs["note"]] if "note" in ptab.attrs else []))
"""),
    md("""
## Learning partners

Peers that are clearly stronger (at least 10 points) in a dimension where this unit is
below its peers' median, with the indicators that make the difference. A reading list for
exchanges, not an ordering of cities.
"""),
    code("""
partners = us.peers.learning_partners(prof, unit_id, groups, nodes=us.self_assessment.dimension_ids(fw))
rec.record("learning_partners", partners)
display(us.present.table(us.self_assessment.partners_table(partners, fw, inputs.units),
                         kinds={"difference (points)": "score"}))
"""),
    md("""
## Funding to work on the weaker dimensions

EU funding instruments whose themes cover the dimensions where this unit is below its
peers' median (Action 2's funding map, a versioned catalogue in the package), with the
learning partners strong in that dimension. Instruments in catalogue order; facts marked
"verify" should be checked on the programme's page before an application.
"""),
    code("""
weak = us.self_assessment.weak_dimensions(pos)
funding = us.funding.match(weak, learning_partners=partners)
rec.record("funding_matches", funding[["dimension", "instrument_id"]])
display(us.present.table(us.self_assessment.funding_table(funding, fw, inputs.units),
                         kinds={"link": "url"}))
"""),
    md("""
## Change over time

The unit compared with itself, like with like: between its two latest periods, only the
indicators observed anew in the later period and with a value in the earlier one enter
(a statistic carried forward from the same year is not a change), both periods are scored
on that same set, and the table names the data years compared.
"""),
    code("""
change = us.self_assessment.latest_change(prof, unit_id, fw, inputs.indicators)
rec.record("change", change)
if len(change):
    p0, p1 = int(change["period_from"].iloc[0]), int(change["period_to"].iloc[0])
    us.reports.show_figure(
        us.plots.plot_change(change, labels=us.self_assessment.node_labels(fw),
                             title=f"{unit['name']}: change in dimension scores, {p0} to {p1}"),
        alt=f"Change in the dimension scores of {unit['name']} from {p0} to {p1}: "
        + "; ".join(f"{us.self_assessment.node_labels(fw)[r.node_id]} {r.change:+.1f} points"
                    for r in change.itertuples()),
    )
    display(us.present.table(us.self_assessment.change_table(change, fw)))
else:
    display(Markdown("_No indicator has new data in two periods: no change can be shown yet._"))
"""),
    md("""
## Social cohesion and feeling safe, against peers

How the share of residents who trust most people in the city, and the share who feel safe
in it, moved from one Quality of Life survey wave to the next (Eurostat `urb_percep`),
beside the median of the cities of the same population size class. The partnership-wide
study "Social cohesion and (feelings of) security" analyses all cities together.
"""),
    code("""
coh = us.social_cohesion.load_panels(us.workspace.for_data_dir(data_dir).public_raw_dir(), track=rec.use,
                                     percep=inputs.public.get("urb_percep"),
                                     crime=inputs.public.get("crim_gen_reg"))
coh_text, coh_traj, coh_fig = us.social_cohesion.unit_section(coh, unit)
rec.record("cohesion_trajectory", coh_traj)
display(Markdown(coh_text))
if coh_fig is not None:
    us.reports.show_figure(coh_fig, alt=f"Trust and feeling safe in {unit['name']} wave to wave, "
                           "against the median of its peers")
    display(us.present.table(us.social_cohesion.trajectory_table(coh_traj), number_dp=1))
"""),
    md("""
## Data coverage

How many of the framework's indicators have data for this unit, per dimension. Survey
indicators based on fewer than the suppression threshold of respondents are not shown.
"""),
    code("""
cov = us.self_assessment.unit_coverage(prof, unit_id, fw)
rec.record("coverage", cov)
us.reports.show_figure(
    us.plots.plot_coverage(cov, labels=us.self_assessment.node_labels(fw),
                           title=f"{unit['name']}: indicators with data per dimension"),
    alt=f"Indicators with data per dimension for {unit['name']}: "
    + "; ".join(f"{us.self_assessment.node_labels(fw)[r.node_id]} {r.n_available} of "
                f"{r.n_indicators}" for r in cov.itertuples()),
)
display(us.present.table(
    us.self_assessment.survey_table(inputs.indicators, unit_id, fw, min_n=min_n),
    caption="Survey indicators of this unit per wave (share of respondents in %, or mean)",
    notes=[f"n<{min_n}: withheld, fewer than {min_n} respondents answered."], number_dp=1,
))
display(Markdown("Every value of the latest profile period with the year it is from:"))
display(us.present.table(us.self_assessment.indicator_years(inputs.indicators, unit_id, fw)))
"""),
    md("""
## Coherence notes

Do the indicators of each dimension point the same way? Across units, Cronbach's alpha
(standardised) and indicators that correlate negatively or very weakly with their
dimension, estimated only where at least 10 units have complete data; and, for the survey
items, on this unit's respondents. Low coherence is a finding about the framework, not
about the city.
"""),
    code("""
coh = us.coherence.coherence(prof, period=prof.scores["period"].max(), min_coverage=0.2)
rec.record("coherence", coh.alpha)
display(us.present.table(us.self_assessment.coherence_table(coh, fw),
                         missing={"weak or negative indicators": "none"}))
own = inputs.responses[inputs.responses["unit_id"] == unit_id]
own_alpha, _ = us.coherence.survey_alpha(own, fw)
rec.record("survey_alpha", own_alpha)
display(us.present.table(
    own_alpha, columns={"node_id": "Dimension", "n_items": "Items",
                        "n_respondents": "Respondents (complete answers)",
                        "alpha_standardised": "Cronbach's alpha (standardised)"},
    labels={"node_id": us.self_assessment.node_labels(fw)},
    missing={"alpha_standardised": "not estimated (fewer than 30 complete answers)"},
    caption="Survey items of each dimension, on this unit's own respondents",
))
"""),
    md("""
## Robustness

How much do this unit's dimension scores depend on the modelling choices? A Monte Carlo
uncertainty analysis varies the weights (plus or minus 25 %), the normalisation (min-max
or percentile rank, both on 0-100) and the aggregation (the framework's own, or geometric), and drops
one indicator at random; the band shows the 5th to 95th percentile of the unit's score. The
sensitivity indices say which choice matters most.
"""),
    code("""
sa = us.sensitivity.run(inputs.indicators, fw, assumptions=us.self_assessment.DEFAULT_ASSUMPTIONS,
                        n=n_draws, seed=seed, dat_thresh=us.self_assessment.DAT_THRESH)
rec.record("robustness_bands", sa.bands.query("unit_id == @unit_id"))
rec.record("sensitivity_indices", sa.indices)
us.reports.show_figure(
    us.figures.relabel(sa.plot_bands(unit_id), us.self_assessment.node_labels(fw),
                       title=f"{unit['name']}: how the dimension scores move with the "
                       "modelling choices", xlabel="score (0-100)",
                       legend={"5-95%": "5th-95th percentile of the runs",
                               "nominal": "published score", "median": "median of the runs"}),
    alt=us.self_assessment.robustness_alt_text(sa, unit_id, fw, unit["name"]),
)
display(us.present.table(us.self_assessment.robustness_table(sa, unit_id, fw),
                         kinds={"score": "score", "median of replicates": "score"},
                         missing={"score": "no score"}))
display(us.present.table(us.self_assessment.sensitivity_table(sa, unit_id, fw),
                         kinds={"first-order index": ("number", 2), "total index": ("number", 2)}))
"""),
    md("""
## About the data

Public statistics are Eurostat's (police-recorded offences per 100,000 inhabitants of the
NUTS 3 region the unit lies in, `crim_gen_reg`; Quality of Life in European Cities
perception shares, `urb_percep`). Police-recorded crime differs in definitions and recording
practice between countries: compare trends, not levels. Each value keeps its own reference
year: a profile for a period uses, per indicator, the latest value up to that period.
"""),
    code("""
for d in us.self_assessment.datasets(inputs):
    rec.dataset(**d)
display(us.present.table(us.self_assessment.sources_table(inputs).rename_axis("dataset and series"),
                         columns={"dataset and series": "Dataset and series",
                                  "values": "Values", "units": "Units covered"},
                         kinds={"dataset and series": "code"}))
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)
                 or "All data used here are real (as declared by the workspace's sources)."))
"""),
    code(
        """
display(us.present.key_findings(us.self_assessment.key_findings(
    unit, pos, fw, partners=partners, change=change, coverage=cov)))
""",
        ["key-findings"],
    ),
]

CI = [
    md("""
# Collective Impact readiness and SWOT

Where existing policies do not seem to have an impact, Action 5 of the Partnership explores
the Collective Impact model (Kania & Kramer 2011): five conditions (common agenda, shared
measurement, mutually reinforcing activities, continuous communication, backbone support),
three preconditions (an influential champion, adequate financial resources, urgency for
change) and five phases. This report reads the city's filled self-assessment workbook:
readiness on the 1-4 scale ("just begun" ... "completely achieved"), the SWOT matrix, and
what recurs across the cities that filled in the template.
"""),
    params("""
unit_id: str = "BE212"  # unit code
data_dir: str = "../data"  # folder holding raw/
problem: str = ""  # policy problem statement (default: the one in the workbook)
seed: int = 20261124  # seed for the text clustering of the cross-city synthesis
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
cis = us.pipeline.read_collective_impact(data_dir, recorder=rec, unit_id=unit_id)
a = cis[unit_id]
if cis.skipped:
    display(Markdown(us.pipeline.skipped_note(cis)))
ci_file = us.pipeline.collective_impact_files(data_dir)[unit_id]
rec.source(us.pipeline.source_label("Collective Impact self-assessment workbook", ci_file, data_dir))
unit_name = us.pipeline.unit_name(unit_id, data_dir)
unit_name = a.meta.get("unit_name") or unit_name if unit_name == unit_id else unit_name
rec.record("unit_name", unit_name)
display(Markdown(us.pipeline.provenance_banner([ci_file], data_dir)))
names = {u: us.pipeline.unit_name(u, data_dir) for u in cis}
rec.dataset("Collective Impact self-assessment workbook", a.meta.get("date", "not stated"),
            a.meta.get("status", "as declared by the workspace's sources"))
display(Markdown(f"**Policy problem:** {problem or a.problem}"))
display(Markdown(f"**Phase:** {a.phase_name}"))
if a.initiatives:
    display(Markdown("Initiatives without measurable impact (from the pyramid study): "
                     + "; ".join(a.initiatives)))
"""),
    md("## Readiness per condition and precondition"),
    code("""
rec.record("readiness", a.readiness[["block", "item_id", "rating", "evidence_count", "gap"]])
rec.record("strengths", us.collective_impact.strengths(a))
us.reports.show_figure(
    us.figures.relabel(us.collective_impact.plot_readiness([a]), names,
                       title=f"{unit_name}: readiness per condition and precondition (1-4)"),
    alt=f"Readiness of {unit_name} on the 1-4 scale: "
    + "; ".join(f"{r.item_name} {r.rating_label}" for r in a.readiness.itertuples()
                if r.block != "backbone_functions"),
)
display(us.collective_impact.readiness_table(a))
"""),
    md("## SWOT matrix"),
    code("""
display(us.collective_impact.swot_table(a))
rec.record("swot_counts", a.swot.groupby("quadrant").size())
"""),
    md("## Next actions and stakeholders"),
    code("""
items = dict(zip(a.readiness["item_id"], a.readiness["item_name"]))
display(us.present.table(a.next_actions, columns={"action": "Next action", "owner": "Owner",
                                                  "due": "Due", "item_id": "Addresses"},
                         labels={"item_id": items}, missing={"item_id": "general"}))
display(us.present.table(
    a.stakeholders.groupby("sector", sort=False).size().rename("organisations").reset_index(),
    columns={"sector": "Sector", "organisations": "Organisations"},
    labels={"sector": us.collective_impact.sector_label}))
"""),
    md("""
## Across the cities of this workspace

What recurs across the cities that filled in the template: conditions by SWOT quadrant,
readiness side by side (cities in file order, not sorted), and the lessons that recur,
with the cities they come from. There is no score table ordering the cities.
"""),
    code("""
units = list(cis)
rec.record("n_cities", len(units))
if len(units) >= 2:
    us.reports.show_figure(
        us.figures.relabel(us.collective_impact.plot_condition_heatmap(list(cis.values())), names,
                           title="SWOT items per condition and quadrant, all pilot cities"),
        alt="Number of SWOT items per condition and quadrant, summed over the pilot cities "
        + ", ".join(names.values()),
    )
    us.reports.show_figure(
        us.figures.relabel(us.collective_impact.plot_readiness(list(cis.values())), names,
                           title="Readiness of the pilot cities per condition (1-4), in file order"),
        alt="Readiness ratings of " + ", ".join(names.values()) + " on the 1-4 scale, side by side",
    )
    syn = us.collective_impact.synthesis(list(cis.values()), seed=seed)
    rec.record("lessons", syn.lessons[["kind", "quadrant", "n_cities", "cities", "lesson"]])
    display(us.collective_impact.lessons_table(syn, names=names))
else:
    display(Markdown(f"_Only {unit_name}'s workbook is in this workspace: lessons across cities "
                     "appear when other cities' filled workbooks are added._"))
"""),
    code(
        """
display(us.present.key_findings(us.collective_impact.key_findings(a, unit_name)))
""",
        ["key-findings"],
    ),
]

# One region against the others' public data (synthetic control, SDID): shown where the
# unit's evaluation YAML declares `synthetic_control:`; self-contained cells.
ORPHEUS_SYNTH = [
    code('''
sc_study = us.synth_study.run(unit_id, data_dir, recorder=rec)
if sc_study is not None:
    display(Markdown("""
## One region against the other regions: synthetic control (real public data)

When one city introduces a policy alone, its comparison can be built from other regions'
public data: a *synthetic* region, a weighted average of regions without the policy that
reproduces the city's recorded crime before the policy started. The gap after the start
is the estimated effect. Giving the same start date to each donor region in turn
(*placebos*) shows how unusual that gap is; leaving out one donor at a time shows whether
one region drives it; synthetic difference-in-differences is a second estimate beside it.
"""))
    sc = sc_study.result
    rec.source("Eurostat crim_gen_reg (real data; synthetic control"
               + (", policy start illustrative)" if sc_study.spec.illustrative else ")"))
    rec.record("synth_estimate", sc.estimate)
    rec.record("synth_pre_rmspe", sc.pre_rmspe)
    rec.record("synth_weights", sc.weights_table(min_weight=0.001))
    display(Markdown(sc_study.intro()))
    us.reports.show_figure(
        sc.plot(), alt=f"{sc_study.name} and its synthetic control: {sc.outcome_label} by year, "
        f"treatment from {sc.treatment_time}")
'''),
    code("""
if sc_study is not None:
    display(Markdown("**Donor weights** (regions with a weight above 0.001, in data order) "
                     "and **pre-period fit**: each predictor for the region, its synthetic "
                     "twin and the donors' average, with the predictor's weight V."))
    display(us.present.table(sc.weights_table(min_weight=0.001), kinds={"weight": ("number", 3)}))
    display(us.present.table(sc.balance.rename(columns={"treated": sc_study.name,
                                                        "donor_mean": "donor average",
                                                        "v": "weight V"}), number_dp=3))
    us.reports.show_figure(
        sc.plot_gaps(), alt=f"Gap between {sc_study.name} and its synthetic control by year")
"""),
    code("""
if sc_study is not None:
    pl = sc_study.placebos
    rec.record("synth_placebo_pvalue", pl.pvalue)
    us.reports.show_figure(
        pl.plot(), alt=f"Placebo gaps of the donor regions (grey) and of {sc_study.name} (black)")
    display(Markdown(f"Permutation p-value: **{pl.pvalue:.3f}** ({pl.rank} of {pl.n_compared} "
                     "regions have a post/pre gap ratio at least the unit's). Regions in "
                     "data order:"))
    display(us.present.table(pl.table(), columns={
        "name": "Region", "pre_rmspe": "Pre-period RMSPE", "post_rmspe": "Post-period RMSPE",
        "ratio": "Post/pre ratio", "mean_post_gap": "Mean post-period gap",
        "included": "Included"}, number_dp=3))
"""),
    code("""
if sc_study is not None:
    loo = sc_study.leave_one_out
    rec.record("synth_leave_one_out", loo.table()[["dropped", "estimate", "pre_rmspe"]])
    us.reports.show_figure(
        loo.plot(), alt=f"{sc_study.name}: synthetic controls leaving out one donor at a time")
    display(us.present.table(loo.table(), columns={
        "name": "Donor left out", "dropped_weight": "Its weight", "estimate": "Estimate",
        "pre_rmspe": "Pre-period RMSPE", "weights": "Weights of the others"}, number_dp=3))
"""),
    code("""
if sc_study is not None:
    sd = sc_study.sdid
    rec.record("synth_sdid", sd.table())
    us.reports.show_figure(
        sd.plot(), alt=f"{sc_study.name}: synthetic difference-in-differences trajectories "
        "with the pre-period time weights")
    display(us.present.table(sc_study.table(), number_dp=3))
    display(Markdown(sc_study.reading()))
"""),
]

# Staggered rollout section of the orpheus report (self-contained: shown where the unit's
# evaluation spec declares `design: staggered`).
ORPHEUS_STAGGERED = [
    code('''
rollout_spec, rollout = us.pipeline.read_rollout(unit_id, data_dir, recorder=rec)
if rollout is not None:
    display(Markdown("""
## Staggered rollout across neighbourhoods

Where an initiative reaches neighbourhoods one after another, the usual two-way
fixed-effects (TWFE) regression compares some neighbourhoods with others that already have
the initiative; when effects change over time it can mislead, even in sign. The
Callaway & Sant'Anna estimator compares each cohort of adopting neighbourhoods only with
neighbourhoods that never adopted, year by year, and averages those comparisons. The
Goodman-Bacon decomposition shows which comparisons the TWFE estimate is made of.
"""))
    rollout_file = rollout_spec.resolve(rollout_spec.rollout_file)
    rollout_prov = us.pipeline.data_kind(rollout_file, data_dir)
    rec.source(us.pipeline.source_label("Neighbourhood rollout panel", rollout_file, data_dir))
    stag = us.staggered.evaluate_rollout(rollout, outcome_label="incidents per 1,000 residents")
    rec.record("staggered_effects", stag.table())
    display(us.present.table(stag.table(), columns={"design": "Design", "estimate": "Estimate",
                                                    "ci_low": "95% CI", "pvalue": "p-value",
                                                    "n": "n"},
                             ci={"95% CI": ("ci_low", "ci_high")}, labels={"design": {}},
                             kinds={"estimate": ("number", 2), "n": "int"}))
    display(Markdown(stag.reading()))
'''),
    code("""
if rollout is not None:
    years = f"{rollout['year'].min()}-{rollout['year'].max()}"
    us.reports.show_figure(
        stag.dynamic.plot(title=f"{unit_name}: effect by years since adoption "
                                f"({rollout_prov}, {years})",
                          ylabel="change in incidents per 1,000 residents"),
        alt=f"Event study for {unit_name}: change in incidents per 1,000 residents by years "
            "since adoption, with 95% confidence intervals")
    rec.record("staggered_event_study", stag.dynamic.table())
    display(us.present.table(stag.dynamic.table().rename(columns={"e": "years since adoption"}),
                             number_dp=2))
"""),
    code('''
if rollout is not None:
    display(Markdown("""
### What the TWFE estimate is made of

Each point is one 2x2 comparison inside the TWFE regression: its estimate against its weight.
"Later vs earlier treated" comparisons use neighbourhoods that already have the initiative
as controls; with effects that grow over time they pull the TWFE estimate towards zero.
"""))
    us.reports.show_figure(
        stag.bacon.plot(title=f"{unit_name}: the 2x2 comparisons inside TWFE "
                              f"({rollout_prov}, {years})",
                        ylabel="2x2 DiD estimate\\n(incidents per 1,000 residents)"),
        alt=f"2x2 DiD estimates against their weights in the TWFE estimate for {unit_name}")
    rec.record("bacon_by_type", stag.bacon.by_type)
    display(us.present.table(stag.bacon.by_type, number_dp=3))
'''),
]

ORPHEUS = [
    md("""
# Prevention pyramid and the impact of a local initiative

Action 5 of the Partnership gives local security managers a common method to measure the
impact of local social-cohesion actions on security and on **feelings of insecurity**:
first map the city's policies on the integrated urban security policy pyramid (quality of
life, general prevention, specific prevention, reaction), then evaluate at least one
initiative. Without an impact evaluation the report maps the pyramid, its coverage and gaps,
and says which data would let the impact be measured.
"""),
    params("""
unit_id: str = "BE212"  # unit code (NUTS 3 region of the city)
data_dir: str = "../data"  # folder holding raw/
pyramid: str = "partnership_4"  # pyramid model (or a YAML path)
measure: str = "count"  # pyramid width: count, budget or reach
initiative: str = ""  # initiative to evaluate (default: the one in the evaluation spec)
seed: int = 20261124  # not used by the estimators (all deterministic); kept for the record
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
classified = us.pipeline.read_orpheus(data_dir, recorder=rec, pyramid=pyramid, unit_id=unit_id)
if classified.attrs.get("skipped"):
    display(Markdown(us.pipeline.skipped_note(classified)))
cov = us.orpheus.coverage(classified, measure=measure)
inv_file = us.pipeline.orpheus_files(data_dir)[unit_id]
rec.source(us.pipeline.source_label("Policy inventory", inv_file, data_dir))
unit_name = us.pipeline.unit_name(unit_id, data_dir)
rec.record("unit_name", unit_name)
has_eval = us.pipeline.has_evaluation(unit_id, data_dir)
display(Markdown(us.pipeline.provenance_banner(
    [inv_file] + ([us.pipeline.evaluation_file(unit_id, data_dir)] if has_eval else []), data_dir)))
rec.dataset("Policy inventory of the city's initiatives", "as filed",
            us.pipeline.declared_provenance(inv_file, data_dir))
rec.record("coverage", cov[cov["unit_id"] == unit_id])
rec.record("domains", sorted(classified.loc[classified["unit_id"] == unit_id, "domain"].unique()))
"""),
    md("""
## The city's pyramid

Each initiative is classified by a transparent rule (target group x explicit security aim
x timing before/after incidents); a reviewer's layer always wins and is shown as such.
Width is proportional to the number of initiatives (or budget / reach).
"""),
    code("""
mine_cov = cov[cov["unit_id"] == unit_id]
us.reports.show_figure(
    us.orpheus.plot_pyramid(cov, unit_id, measure=measure,
                            title=f"{unit_name}: prevention pyramid (bar width = {measure})"),
    alt=f"Prevention pyramid of {unit_name}, bottom to top: "
    + "; ".join(f"{r.layer_name} {r.n_initiatives}" for r in mine_cov.itertuples())
    + " initiatives",
)
mine = classified[classified["unit_id"] == unit_id]
layer_names = dict(zip(classified["layer"], classified["layer_name"]))
display(us.present.table(
    mine, columns={"initiative_id": "Code", "name": "Initiative", "layer_name": "Layer",
                   "secondary_layer": "Also touches", "confidence": "Confidence",
                   "layer_source": "Classified by", "rationale": "Why this layer"},
    labels={"secondary_layer": layer_names,
            "layer_source": {"rule": "rule", "reviewer": "reviewer (overrides the rule)"}},
    missing={"secondary_layer": "no other layer"},
))
"""),
    md("## Gaps"),
    code("""
gaps = us.orpheus.gaps(classified)
gaps = gaps[gaps["unit_id"] == unit_id]
rec.record("gaps", gaps["sentence"].tolist())
display(us.present.table(us.orpheus.gap_summary(gaps),
                         columns={"layer_name": "Layer", "missing": "No initiative for"},
                         empty="No gaps: every layer has initiatives in every domain."))
"""),
    md("""
## Recorded crime in the region (real data)

Police-recorded offences per 100,000 inhabitants in the unit's NUTS 3 region (Eurostat
`crim_gen_reg`). Definitions and recording practice differ between countries: read the
trend, not the level. This is context for the evaluation below, not an evaluation itself.
"""),
    code("""
crime = us.pipeline.region_crime(unit_id, data_dir, recorder=rec)
if len(crime):
    rec.source("Eurostat crim_gen_reg")
    rec.record("region_crime_latest", crime[crime["year"] == crime["year"].max()])
    y0, y1 = int(crime["year"].min()), int(crime["year"].max())
    rec.dataset("Eurostat crim_gen_reg: police-recorded offences per 100,000 inhabitants, NUTS 3",
                f"{y0}-{y1}", "Eurostat (real data, bundled extraction)",
                "https://ec.europa.eu/eurostat/databrowser/view/crim_gen_reg/default/table?lang=en")
    us.reports.show_figure(
        us.plots.plot_trend(crime, title=f"{unit_name}: police-recorded offences, {y0}-{y1}"),
        alt=f"Police-recorded offences per 100,000 inhabitants in {unit_name}, {y0} to {y1}, "
        "one panel per offence",
    )
else:
    display(Markdown("_Eurostat has no regional crime data for this unit in the bundled extraction._"))
"""),
    md("""
## The evaluated initiative

Outcomes: the share of residents feeling safe walking alone in their area after dark
(survey waves, intervention vs comparison areas) and monthly recorded incidents (treated
area, its control, a displacement buffer and the buffer's control).
"""),
    code("""
survey = None
ev = None
if has_eval:
    spec, survey, incidents = us.pipeline.read_evaluation(unit_id, data_dir, recorder=rec)
    rec.source(us.pipeline.source_label("Outcome survey and incident counts",
                                        us.pipeline.evaluation_file(unit_id, data_dir), data_dir))
    rec.dataset("Outcome survey waves and monthly incident counts", "as filed",
                us.pipeline.declared_provenance(us.pipeline.evaluation_file(unit_id, data_dir),
                                                data_dir))
    init_id = initiative or spec.initiative_id
    display(us.present.table(mine[mine["initiative_id"] == init_id],
                             columns={"name": "Initiative", "description": "Description",
                                      "layer_name": "Layer"}))
    ev = us.outcomes.evaluate(spec, survey, incidents)
    rec.record("effects", ev.table())
    display(us.outcomes.effects_table(ev.table()))
    display(Markdown(us.outcomes.reading(ev)))
else:
    rec.record("effects", None)
    display(Markdown(us.outcomes.data_needed_text(unit_name)))
"""),
    code("""
did_res = ev.results.get("did") if has_eval else None
wb = did_res.wild_bootstrap if did_res is not None else None
if wb is not None and wb.n_clusters < us.impact.FEW_CLUSTERS:
    rec.record("did_wild_bootstrap", wb.table())
    display(Markdown(
        f"**Few clusters.** The survey DiD rests on only {wb.n_clusters} areas (clusters), "
        f"below about {us.impact.FEW_CLUSTERS}: cluster-robust (CRV1) p-values and intervals "
        "are then too optimistic. The restricted wild cluster bootstrap "
        f"({wb.weights} weights, {wb.B:,} draws"
        f"{', every sign pattern enumerated' if wb.full_enumeration else ''}) gives "
        f"{us.present.fmt_p_inline(wb.pvalue)} and a 95 % CI of {100 * wb.ci[0]:+.1f} to "
        f"{100 * wb.ci[1]:+.1f} "
        f"points (CRV1: {us.present.fmt_p_inline(did_res.pvalue)}, {100 * did_res.ci[0]:+.1f} to "
        f"{100 * did_res.ci[1]:+.1f}); read the bootstrap figures."
    ))
"""),
    code("""
if has_eval:
    for name in ev.results:
        us.reports.show_figure(us.outcomes.plot_design(ev, name, place=unit_name),
                               alt=us.outcomes.design_alt(ev, name, place=unit_name))
"""),
    *ORPHEUS_SYNTH,
    *ORPHEUS_STAGGERED,
    md("""
## Designing the next evaluation

How large an effect on the share feeling safe could a survey difference-in-differences
detect (80 % power, 5 % two-sided), for a few designs (respondents per area and wave,
areas per arm, four waves), with an intra-area correlation of 0.05 and this city's
baseline share? Small pilots detect only large effects: plan the sample before the
intervention starts.
"""),
    code("""
baseline = us.outcomes.baseline_share(survey) if survey is not None else 0.6
if survey is None:
    display(Markdown("_No outcome survey yet: the table assumes a baseline share of 60 % "
                     "feeling safe; replace it with the city's own figure when known._"))
mde = us.impact.mde_table(n_per_area=[50, 100, 200], n_areas=[3, 6, 10], waves=4, icc=0.05,
                          baseline_share=baseline)
rec.record("mde_table", mde[["n_per_area", "n_areas", "mde"]])
wide = (mde.assign(mde_points=mde["mde"] * 100)
        .pivot(index="n_per_area", columns="n_areas", values="mde_points"))
display(us.present.table(
    wide.rename(columns=lambda a: f"{a} areas per arm").rename_axis(
        "respondents per area and wave").reset_index(),
    kinds={c: ("number", 1) for c in [f"{a} areas per arm" for a in wide.columns]},
    caption="Minimum detectable effect (percentage points of residents feeling safe)",
))
"""),
    md("""
## Across the cities of this workspace

The same method in every city, side by side and in a fixed order (never sorted): the
pyramids on one scale, and each city's evaluated initiative with its confidence interval.
"""),
    code("""
units = list(cov["unit_id"].unique())
names = {u: us.pipeline.unit_name(u, data_dir) for u in units}
if len(units) >= 2:
    us.reports.show_figure(
        us.orpheus.plot_pyramids(cov, units, measure=measure, names=names),
        alt="Prevention pyramids of " + ", ".join(names.values()) + " side by side on one scale: "
        + "; ".join(f"{names[u]} " + ", ".join(f"{r.layer_name} {r.n_initiatives}"
                    for r in cov[cov["unit_id"] == u].itertuples()) for u in units),
    )
    effects = us.pipeline.all_effects(data_dir, units, recorder=rec)
    if effects.attrs.get("skipped"):
        display(Markdown(us.pipeline.skipped_note(effects)))
    rec.record("effects_all_units", effects)
    if len(effects):
        display(us.outcomes.effects_table(effects, by_unit=names))
else:
    display(Markdown(f"_Only {unit_name}'s inventory is in this workspace: other cities' "
                     "pyramids appear here when their inventories are added._"))
"""),
    code(
        """
display(us.present.key_findings(us.orpheus.key_findings(unit_name, mine_cov, gaps, ev)))
""",
        ["key-findings"],
    ),
]


INDICES = [
    md("""
# Existing indices, benchmarking and self-assessment tools

The first deliverable of Action 1 of the Urban Agenda Partnership on Security in Public
Spaces is a report on the indices, benchmarking tools and self-assessment tools already
used to measure safety and security in cities, to find their good practice, gaps and
shortcomings. This report reads the project's catalogue of ten such instruments against
the holistic framework's six dimensions (quality of life, social cohesion, public-space
liveability, sense of safety in public spaces, urban security, background conditions).

Every fact in the catalogue carries its source; facts marked † are background knowledge
still to be verified, facts marked * are our reading of a source (for example, which of
the six dimensions an index's pillars correspond to), and "unknown" means our sources do
not say. Indices are listed in catalogue order: this report does not rank them.
"""),
    params("""
unit_id: str = "EU"  # the report covers all European urban authorities
data_dir: str = "../data"  # not read by this study (kept for the common interface)
framework_path: str = ""  # framework YAML (empty: the packaged default)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
seed: int = 0  # no random step in this study
"""),
    code("""
import pandas as pd
from IPython.display import HTML, Markdown, display

import urbansec_lib as us
from urbansec_lib import indices

pd.set_option("display.max_colwidth", None)
pd.set_option("display.max_rows", 200)

rec = us.reports.Recorder(results_path or None)
rec.record("unit_name", "European urban authorities")
cat = indices.load_catalogue(rec.use(indices.catalogue_path()))
fw = us.load_framework(rec.use(indices.framework_file(framework_path)))
rec.source(f"urbansec catalogue of existing indices v{cat.version} (sources listed at the end)")
rec.source(f"urbansec framework {fw.id} v{fw.version}")
rec.record("catalogue_version", cat.version)
rec.record("framework_version", fw.version)
rec.record("n_indices", len(cat.entries))
rec.record("n_facts", len(cat.facts()))
rec.record("facts_by_status", cat.facts()["status"].value_counts())
rec.record("n_framework_indicators", len(fw.indicators))
rec.dataset(f"urbansec catalogue of existing indices v{cat.version}", "2026",
            "compiled from the publishers' documents; every fact cites its source (listed below)")
index_labels = {e["id"]: e["label"] for e in cat.entries}
labels = us.self_assessment.node_labels(fw)
with_labels = lambda s: us.present.replace_ids(s, {**index_labels, **labels})  # noqa: E731
"""),
    md("""
## The catalogue

One row per index or tool. Numbers in brackets are footnotes: they link to the sources
listed at the end of the report.
"""),
    code("""
rec.record("catalogue", cat.table())
display(HTML(indices.catalogue_html(cat)))
"""),
    md("""
## Which index covers which dimension

Rows are the framework's six dimensions, columns the indices. The number in a cell (and its
colour) is how many of the dimension's framework indicators the index carries, read from
the framework's own tags. An outlined cell means the catalogue declares that the index
covers the dimension. The two kinds of evidence can disagree: a number without an outline
is an index the framework borrows indicators from although its stated scope lies
elsewhere; an outline around an empty cell is a declared scope the framework does not
borrow from.
"""),
    code("""
matrix = indices.coverage_matrix(fw, cat)
rec.record("coverage_matrix", matrix)
rec.record("crosswalk", indices.crosswalk(fw, cat))
us.reports.show_figure(
    indices.plot_coverage_heatmap(matrix),
    alt="Heatmap of the six framework dimensions by ten existing indices: number of framework "
    "indicators each index carries, with declared coverage outlined",
    title="Framework indicators each existing index carries, per dimension",
)
"""),
    md("""
## The gaps

For each dimension: how many of its indicators some index carries, which indices cover it
(by tags or by declaration), and whether that coverage rests only on perceptions or only
on indices that publish league tables.
"""),
    code("""
status = indices.dimension_status(fw, cat)
gaps = indices.gaps(fw, cat)
rec.record("dimension_status", status)
rec.record("gaps", gaps)
rec.record("n_gaps", len(gaps))
display(us.present.table(
    status, columns={"label": "Dimension", "n_indicators": "Framework indicators",
                     "n_indicators_carried": "Carried by some index", "n_indices": "Indices",
                     "indices": "Which indices", "perception_only": "Only perceptions",
                     "ranking_only": "Only league tables", "status": "Status"},
    labels={"indices": with_labels}, missing={"indices": "none"}))
GAP_KINDS = {"unit_not_covered": "Unit no index covers", "unit_method_only": "Unit only a method covers",
             "index_only_ranks": "Index that only ranks",
             "indicator_without_index": "Indicator no index carries"}
display(us.present.table(
    gaps[gaps["gap"] != "indicator_without_index"],
    columns={"gap": "Gap", "label": "Subject", "indices": "Indices", "detail": "Detail"},
    labels={"gap": GAP_KINDS, "indices": with_labels, "detail": with_labels},
    missing={"indices": "none"},
    notes=["The framework indicators no index carries are listed under 'What the framework adds'."]))
"""),
    md("""
## Indices that only rank

An index that publishes a league table orders cities from best to worst. The framework
does not: it profiles a unit against its peers and its own past.
"""),
    code("""
ranking_only = gaps.query("gap == 'index_only_ranks'")
rec.record("ranking_only_indices", ranking_only["subject"].tolist())
display(us.present.table(ranking_only, columns={"label": "Index", "detail": "Detail"},
                         labels={"detail": with_labels}))
"""),
    md("""
## Unit sizes no index covers

Which geographic units each index reports on. Small and medium cities, NUTS 3 regions and
neighbourhoods are where most urban authorities need data; an open dot means the catalogue
does not know whether the index covers the unit.
"""),
    code("""
units = indices.unit_status(cat)
rec.record("unit_status", units)
rec.record("unit_coverage", cat.unit_coverage())
us.reports.show_figure(
    indices.plot_unit_coverage(cat),
    alt="Dot matrix of the geographic units (country, NUTS 1-3, city, neighbourhood, small and "
    "medium cities) each existing index covers",
    title="Geographic units each existing index reports on",
)
display(us.present.table(
    units, columns={"label": "Geographic unit", "n_indices": "Indices", "indices": "Which indices",
                    "unknown": "Coverage unknown for", "method_only": "Only a method",
                    "perception_only": "Only perceptions", "status": "Status"},
    labels={"indices": with_labels, "unknown": with_labels},
    missing={"indices": "none", "unknown": "none"}))
"""),
    md("""
## What the framework adds

Framework indicators that no existing index carries: what a city gains by running its own
self-assessment.
"""),
    code("""
added = gaps.query("gap == 'indicator_without_index'")
rec.record("indicators_without_index", added["subject"].tolist())
rec.record("n_indicators_without_index", len(added))
display(us.present.table(added, columns={"label": "Indicator", "dimension": "Dimension",
                                         "detail": "Detail"},
                         labels={"dimension": labels, "detail": with_labels}))
"""),
    md("""
## Sources

Every source the catalogue cites, with the facts citing it. Facts with status recall (†)
are to be checked before publication; unknown facts are to be filled from Cavallini's
Action 1 report, whose list of mapped indices was not available to us.
"""),
    code("""
rec.record("sources", cat.sources_table())
display(HTML(indices.sources_html(cat)))
to_check = cat.open_facts()
rec.record("open_facts", to_check)
rec.record("n_facts_to_verify", int((to_check["status"] == "recall").sum()))
rec.record("n_facts_unknown", int((to_check["status"] == "unknown").sum()))
display(Markdown("### Facts to verify or to find"))
FIELDS = {path: name for _, cols in indices._TABLES for name, path in cols}
display(us.present.table(
    to_check, columns={"index_id": "Index", "field": "Fact", "status": "Status",
                       "value_text": "Value", "sources": "Sources", "note": "Note"},
    labels={"index_id": index_labels,
            "field": lambda f: FIELDS.get(f, us.present.humanise(f.split(".")[-1])),
            "sources": lambda s: ", ".join(cat.sources[k]["title"] for k in s.split(",") if k)
            or "none"},
    missing={"sources": "none", "note": ""}))
"""),
]


ACTIONS_SETUP = (
    SETUP
    + """
from urbansec_lib import ai_survey, funding, good_practices, instruments, training
"""
)

TRAINING = [
    md("""
# Training evaluation: self-assessed competences before and after

Action 4 of the Urban Agenda Partnership on Security in Public Spaces builds capacity in
integrated, sustainable urban security. Every training uses **the same questionnaire** and
**the same analysis**, so trainings can be set side by side: participants rate their
confidence in the competences of the urban security competence framework (six areas, 2-3
statements each, 1 = not at all confident ... 5 = fully confident) before and after the
training, with a self-made code instead of their name.

**How to read this report.** Only participants who answered both times are compared with
themselves. The change is self-assessed confidence, not measured skill, and there is no
comparison group: part of a change can come from the training situation itself. Tests per
competence area: paired t-test and Wilcoxon signed-rank test; effect size Cohen's d_z (mean
change divided by the standard deviation of the changes) with an exact 95% confidence
interval; p-values Holm-adjusted for testing six areas.
"""),
    params("""
unit_id: str = "TR-MAD-2025"  # training id (files data/raw/training/<id>_pre.csv, _post.csv)
data_dir: str = "../data"  # folder holding raw/ (read only)
seed: int = 20261124  # not used by this analysis (no random step); kept for the batch runner
min_n: int = 10  # small-cell suppression threshold (participants)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(ACTIONS_SETUP),
    code("""
pre, post = training.read_training(data_dir, unit_id, recorder=rec)
res = training.evaluate(pre, post, training_id=unit_id, min_n=min_n)
rec.source("Training questionnaire exports (KoboToolbox), data/raw/training; see its README.md")
rec.dataset(f"Training questionnaire exports of {unit_id} (before and after)", unit_id.split("-")[-1],
            us.pipeline.declared_provenance(Path(data_dir) / "raw" / "training", data_dir))
rec.record("unit_name", f"training {unit_id}")
rec.record("instrument_version", instruments.load_instrument("training_pre_post").stamp)
rec.record("competence_framework_version", res.params["competences_version"])
rec.record("matching", res.matching)
display(Markdown(res.matching_text()))
"""),
    md("""
## Change per competence area

Mean confidence before and after (matched participants), the mean change, the effect size
d_z with its 95% confidence interval and the p-values. As a rough guide, d_z of 0.2 is a
small, 0.5 a medium and 0.8 a large change (Cohen's conventions, which are only a guide).
"""),
    code("""
rec.record("areas", res.table())
display(us.present.table(res.report_table(),
                         kinds={"before": ("number", 2), "after": ("number", 2),
                                "change": ("number", 2), "d_z": ("number", 2)}))
us.reports.show_figure(
    res.plot(),
    alt=f"Mean self-assessed confidence before and after training {unit_id} per competence "
    "area, and the effect size d_z with 95% confidence intervals",
)
"""),
    md("""
## Change by staff profile

Mean change per competence area for each staff profile (as given before the training).
Profiles with fewer participants than the suppression threshold are not shown.
"""),
    code("""
rec.record("by_profile", res.by_profile)
display(training.profile_table(res))
"""),
    md("""
## Satisfaction

Answers after the training (all who answered, matched or not): mean on the 1-5 agreement
scale and the share who agree or strongly agree.
"""),
    code("""
rec.record("satisfaction", res.satisfaction)
display(training.satisfaction_table(res))
"""),
    md("""
## This training beside the others

The same analysis for every training in the data folder, in the order of their codes (not a
ranking). Overlapping intervals mean the data cannot tell the trainings apart.
"""),
    code("""
all_trainings = training.evaluate_all(data_dir, min_n=min_n, recorder=rec)
comparison = training.compare(all_trainings)
rec.record("comparison", comparison)
us.reports.show_figure(
    training.plot_compare(comparison),
    alt="Effect size d_z with 95% confidence intervals per competence area for every training: "
    + "; ".join(f"{r.training_id} {r.area_name} {r.dz:.2f}" for r in comparison.itertuples()
                if not r.suppressed),
)
"""),
    code(
        """
display(us.present.key_findings(training.key_findings(res)))
""",
        ["key-findings"],
    ),
    md("""
## About the data

The questionnaire is `urbansec_lib/instruments/training_pre_post.yaml` (version recorded
above); the competence framework is `urbansec_lib/instruments/competences.yaml`, a proposal
for the Action 4 trainers to review. Participant codes are never shown; free-text
comments are not read into the analysis.
"""),
    code("""
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)
                 or "All data used here are real (as declared by the workspace's sources)."))
"""),
]

GOOD_PRACTICES = [
    md("""
# Security by design in public spaces: good practices and what goes with success

Action 6 of the Urban Agenda Partnership gives guidance on security by design: protecting
public spaces (against vehicle ramming, crowding, nuisance, crime and disasters) while
keeping them open and liveable. This report reads the good-practice inventory, writes it as
a searchable page, and looks for **candidate rules of thumb**: practice attributes that go
together with a high self-rated success (4 or 5 on the 1-5 scale).

**How to read this report.** The practices are those submitted, not a sample of all
practices, and success is the submitting team's own rating. With a few dozen practices,
associations are leads for discussion with practitioners, never proof of cause. Every rule
carries an evidence label (strong / moderate / weak) defined below.
"""),
    params("""
unit_id: str = "EU"  # the inventory covers all contributing cities
data_dir: str = "../data"  # folder holding raw/ (read only) and processed/
seed: int = 20261124  # seed of the cross-validation splits, forest and permutations
min_n: int = 10  # small-cell threshold (not needed for practices, kept for the runner)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(ACTIONS_SETUP),
    code("""
gp = instruments.read_responses(
    rec.use(Path(data_dir) / "raw" / "good_practices" / "good_practices_kobo.csv"),
    "good_practice",
)
rec.source("Good-practice inventory export (KoboToolbox), data/raw/good_practices; see its README.md")
rec.record("unit_name", "European good-practice inventory")
rec.record("instrument_version", instruments.load_instrument("good_practice").stamp)
rec.record("n_practices", len(gp))
overview = good_practices.overview(gp)
rec.record("overview", overview)
gp_q = instruments.load_instrument("good_practice")
def _q(name):
    try:
        return gp_q.question(name).label
    except KeyError:
        return us.present.humanise(name)
display(us.present.table(overview, columns={"question": "Question", "label": "Answer",
                                            "n_practices": "Practices"},
                         labels={"question": _q}))
"""),
    md("""
## The inventory page

A static page (one file, works offline) with a search box and filters by country, type of
space, threat, measure and partner, and the same list as CSV.
"""),
    code("""
page = good_practices.inventory_html(
    gp, Path(data_dir) / "processed" / "good_practices" / "inventory.html",
    note=us.pipeline.provenance_banner(rec.inputs, data_dir).removeprefix("> ").replace("**", ""),
)
display(Markdown(f"Inventory written to `processed/good_practices/{page.name}` "
                 f"and `{page.with_suffix('.csv').name}`."))
"""),
    md("""
## Candidate success factors

For every attribute, the share of practices with high success with and without it, Fisher's
exact test and the odds ratio with its exact 95% interval. Two models check whether the
attributes together separate high from other success: an L2-penalised logistic regression
(repeated stratified cross-validation, area under the ROC curve; 0.5 = no better than
chance) and a random forest whose permutation importance is computed on held-out practices.

Evidence labels: **strong** = Fisher p < 0.01, cross-validated AUC above 0.7 and the
logistic model agrees on the direction; **moderate** = p < 0.05 (or p < 0.10 with a clearly
positive held-out importance); **weak** = p < 0.20.
"""),
    code("""
sf = good_practices.success_factors(gp, seed=seed)
rec.record("model", sf.model)
rec.record("crosstabs", sf.crosstabs)
rec.record("rules", sf.rules)
display(Markdown(sf.summary_markdown()))
us.reports.show_figure(
    sf.plot(),
    alt="Odds ratio of high self-rated success with exact 95% confidence interval for each "
    "practice attribute",
    title="Odds ratio of high self-rated success per practice attribute (exact 95% CI)",
)
"""),
    md("""
## Funding for this kind of work

EU instruments whose themes cover public-space liveability and urban security (from the
packaged funding catalogue; facts named in the `verify` column must be checked on the
official page before use).
"""),
    code("""
fund = funding.match(["public_space_liveability", "urban_security"])
rec.record("funding_catalogue_version", fund.attrs["catalogue_version"])
rec.record("funding", fund[["dimension", "instrument_id", "verify"]])
labels = us.self_assessment.node_labels(us.load_framework())
display(us.present.table(
    fund, columns={"dimension": "Dimension", "name": "Instrument", "programme_period": "Period",
                   "typical_grant": "Typical grant", "link": "Link", "verify": "To verify"},
    labels={"dimension": labels, "verify": lambda s: ", ".join(
        us.present.humanise(v.strip()).lower() for v in str(s).split(",") if v.strip())},
    kinds={"link": "url"}, missing={"verify": "nothing"}))
"""),
    md("""
## About the data

The questionnaire is `urbansec_lib/instruments/good_practice.yaml`. Free-text outcome
descriptions are not read into this report.
"""),
    code("""
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)
                 or "All data used here are real (as declared by the workspace's sources)."))
"""),
]

AI = [
    md("""
# AI-inclusive technologies in public spaces: survey of urban authorities

Action 3 of the Urban Agenda Partnership evaluates AI-inclusive technologies in public
spaces. This report summarises a survey of urban authorities: which technologies they use or
have tested, for what, on which legal basis and with which safeguards, and what holds them
back.

**How to read this report.** Shares are of the authorities that answered, with Wilson 95%
confidence intervals. Groups (size classes, countries) with fewer authorities than the
suppression threshold are not shown. No authority is named, and results are never ordered
from most to least "advanced".
"""),
    params("""
unit_id: str = "EU"  # the survey covers all responding authorities
data_dir: str = "../data"  # folder holding raw/ (read only)
seed: int = 20261124  # not used (no random step); kept for the batch runner
min_n: int = 10  # small-cell suppression threshold (authorities)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(ACTIONS_SETUP),
    code("""
raw = Path(data_dir) / "raw" / "ai"
ai = instruments.read_responses(rec.use(raw / "ai_survey_kobo.csv"), "ai_technologies")
rec.source("AI technologies survey export (KoboToolbox), data/raw/ai; see its README.md")
rec.record("unit_name", "European survey of urban authorities")
rec.record("instrument_version", instruments.load_instrument("ai_technologies").stamp)
rec.record("n_authorities", len(ai))
rec.dataset("AI technologies survey of urban authorities (KoboToolbox export)", "as filed",
            us.pipeline.declared_provenance(raw / "ai_survey_kobo.csv", data_dir))
"""),
    md("## Technologies used and tested"),
    code("""
prev = ai_survey.prevalence(ai, min_n=min_n)
rec.record("prevalence", prev)
display(us.present.table(ai_survey.report_table(prev),
                         columns={"label": "Technology", "status": "Status",
                                  "authorities": "Authorities answering",
                                  "share [95% CI]": "Share [95% CI]"}))
used = prev[(prev["status"] == "used") & ~prev["suppressed"]]
us.reports.show_figure(
    ai_survey.plot_prevalence(prev, status="used"),
    alt="Share of authorities using each technology: "
    + "; ".join(f"{r.label} {100 * r.share:.0f} %" for r in used.itertuples()),
    title="Share of authorities using each technology, with 95% intervals",
)
"""),
    md("## By size of the authority"),
    code("""
prev_size = ai_survey.prevalence(ai, by="size_class", min_n=min_n)
rec.record("prevalence_by_size", prev_size)
us.reports.show_figure(
    ai_survey.plot_prevalence(prev_size, status="used", by="size_class"),
    alt="Share of authorities using each technology by size class, with 95% intervals",
    title="Share of authorities using each technology, by size class (95% intervals)",
)
"""),
    md("""
## Safeguards

Among the authorities using at least one technology: the main legal basis, whether a data
protection impact assessment (DPIA) was done, and whether the data-protection authority was
contacted.
"""),
    code("""
safe = ai_survey.safeguards(ai, min_n=min_n)
rec.record("safeguards", safe)
display(us.present.table(ai_survey.report_table(safe),
                         columns={"question": "Question", "label": "Answer",
                                  "authorities": "Authorities answering",
                                  "share [95% CI]": "Share [95% CI]"}))
"""),
    md("""
## Bottlenecks

What holds authorities back, by size class and by country (countries with fewer
authorities than the threshold are suppressed).
"""),
    code("""
bn_size = ai_survey.bottlenecks(ai, by="size_class", min_n=min_n)
bn_country = ai_survey.bottlenecks(ai, by="country", min_n=min_n)
rec.record("bottlenecks_by_size", bn_size)
rec.record("bottlenecks_by_country", bn_country)
for tab, by in ((bn_size, "size_class"), (bn_country, "country")):
    rep = ai_survey.report_table(tab, by=by)
    kept = rep[rep["authorities"] != "too few"]
    n_out = rep.loc[rep["authorities"] == "too few", by.replace("_", " ")].nunique()
    display(us.present.table(
        kept, columns={"label": "Bottleneck", by.replace("_", " "): us.present.humanise(by),
                       "authorities": "Authorities answering", "share [95% CI]": "Share [95% CI]"},
        notes=[f"{n_out} group(s) with fewer than {min_n} authorities are withheld."] if n_out else [],
        empty=f"Every group has fewer than {min_n} authorities: nothing can be shown."))
"""),
    md("""
## National positions

A user-maintained file of national positions (`data/raw/ai/national_positions.csv`) beside
each country's share of authorities using at least one technology. The status column says
whether a position is verified, a draft or an illustrative placeholder; replace placeholders
with each country's position and source.
"""),
    code("""
positions = ai_survey.read_national_positions(rec.use(raw / "national_positions.csv"))
joined = ai_survey.join_national_positions(ai, positions, min_n=min_n)
rec.record("national_positions", joined.drop(columns=["position_summary"]))
display(us.present.table(
    joined, columns={"country": "Country", "n": "Authorities", "share_any_used": "Using any",
                     "ci_low": "95% CI", "status": "Status of the position",
                     "position_summary": "National position", "source": "Source",
                     "date": "Date"},
    kinds={"n": "int", "share_any_used": "share", "source": "url"},
    ci={"95% CI": ("ci_low", "ci_high")}, dp={"95% CI": 2},
    missing={"n": f"fewer than {min_n}", "share_any_used": "withheld", "95% CI": "withheld"}))
"""),
    md("""
## About the data

The questionnaire is `urbansec_lib/instruments/ai_technologies.yaml`. Free-text comments
are not read into this report.
"""),
    code("""
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)
                 or "All data used here are real (as declared by the workspace's sources)."))
"""),
]

CROSS = [
    md("""
# Cross-city synthesis: peer learning across all units

All units of the framework together: which units are alike in context (peer groups), how
each group's scores are spread per dimension, who can learn from whom, and the gaps many
units share. There is no ranking table and no sorted bar chart of units: groups are shown as
distributions, units alphabetically.
"""),
    params("""
unit_id: str = "EU"  # the synthesis covers all units
data_dir: str = "../data"  # folder holding raw/
framework_path: str = ""  # framework YAML (empty: the packaged default)
seed: int = 20261124  # seed of the peer grouping
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
fw = us.load_framework(framework_path or None)
inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
rec.record("unit_name", "All units of this workspace")
prof = us.self_assessment.profile(inputs.indicators, fw)
groups = us.peers.peer_groups(us.pipeline.unit_context(inputs.units, data_dir), seed=seed)
dims = us.self_assessment.dimension_ids(fw)
labels = us.self_assessment.node_labels(fw)
rec.record("peer_groups", groups.to_dict())
"""),
    md("## Peer groups"),
    code("""
for d in us.self_assessment.datasets(inputs):
    rec.dataset(**d)
names = inputs.units.set_index("unit_id")["name"].to_dict()
display(us.present.table(us.self_assessment.group_members(groups, inputs.units),
                         columns={"group": "Peer group", "units": "Units", "members": "Members"}))
"""),
    md("## Each group's distribution per dimension"),
    code("""
dist = us.synthesis.group_distribution(prof, groups, nodes=dims)
rec.record("group_distribution", dist)
us.reports.show_figure(
    us.synthesis.plot_group_distributions(prof, groups, dims, labels),
    alt="Scores per dimension for each peer group: units as dots, group medians as bars",
    title="Scores per dimension in each peer group (units as dots, medians as bars)",
)
display(us.present.table(
    dist, columns={"group": "Peer group", "node_id": "Dimension", "n": "Units with a score",
                   "q25": "25th percentile", "median": "Median", "q75": "75th percentile"},
    labels={"node_id": labels}, kinds={"q25": "score", "median": "score", "q75": "score"},
    caption="Spread of the scores (0-100) per peer group and dimension"))
"""),
    md("""
## Learning partners

For every unit, the peers at least 10 points stronger in a dimension where it is below its
peers' median. Units alphabetically.
"""),
    code("""
net = us.synthesis.partner_network(prof, groups, nodes=dims)
rec.record("partner_network", net[["unit_id", "node_id", "partner_id", "gap"]])
display(us.present.table(us.self_assessment.network_table(net, fw, inputs.units)))
"""),
    md("## Common gaps"),
    code("""
gaps = us.synthesis.common_gaps(prof, groups, dims, fw=fw)
rec.record("common_gaps", gaps[["gap", "group", "subject", "share_of_units"]])
display(us.present.table(
    gaps, columns={"gap": "Gap", "group": "Peer group", "subject": "Dimension or indicator",
                   "share_of_units": "Share of the group's units", "units": "Units"},
    labels={"subject": labels, "units": lambda s: ", ".join(
        names.get(u.strip(), u.strip()) for u in str(s).split(",")),
            "gap": {"data": "no data for the dimension", "weak spot": "weak spot",
                    "indicator data": "no data for the indicator"}},
    kinds={"share_of_units": "share"}))
"""),
    code(
        """
display(us.present.key_findings([
    f"{groups.nunique()} peer groups of units alike in context; {len(groups)} units in all.",
    f"{net['unit_id'].nunique()} units have at least one learning partner in a weaker dimension.",
    f"{len(gaps)} gaps are shared by many units of a group (no data or low scores).",
]))
""",
        ["key-findings"],
    ),
]

PILOT = [
    md("""
# Pilot evaluation of the self-assessment

How did the pilot of the self-assessment go? Response counts per unit and wave, item
non-response, indicators with poor coverage or poor coherence, and a recommendation per
indicator ("keep / revise / drop") with its reason, for the next version of the framework.
"""),
    params("""
unit_id: str = "EU"  # the evaluation covers all pilots
data_dir: str = "../data"  # folder holding raw/
framework_path: str = ""  # framework YAML (empty: the packaged default)
min_n: int = 10  # suppression threshold for respondent counts by role
seed: int = 20261124  # not used (all steps deterministic); kept for the record
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
fw = us.load_framework(framework_path or None)
rec.record("unit_name", "Self-assessment pilots")
inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)))
responses = inputs.responses
prof = us.self_assessment.profile(inputs.indicators, fw)
coh = us.coherence.coherence(prof, period=prof.scores["period"].max(), min_coverage=0.2)
if inputs.problems:
    display(Markdown("Exports left out: " + "; ".join(inputs.problems)))
"""),
    md("## Responses per unit and wave"),
    code("""
counts = us.pilot.response_counts(responses, min_n=min_n)
rec.record("response_counts", counts)
for d in us.self_assessment.datasets(inputs):
    rec.dataset(**d)
names = inputs.units.set_index("unit_id")["name"].to_dict()
roles = [c for c in counts.columns if c not in ("unit_id", "wave", "respondents", "suppressed_roles")]
shown = [c for c in roles if counts[c].notna().any()]
display(us.present.table(
    counts, columns={"unit_id": "Unit", "wave": "Wave", "respondents": "Respondents",
                     **{c: us.present.humanise(c) for c in shown},
                     "suppressed_roles": "Roles withheld"},
    labels={"unit_id": names},
    missing={c: f"< {min_n}" for c in shown},
    notes=[f"Respondents by role are shown only for roles with at least {min_n} respondents; "
           "roles never reaching the threshold in any unit ("
           + ", ".join(us.present.humanise(c).lower() for c in roles if c not in shown)
           + ") are left out."]))
"""),
    md("## Item non-response"),
    code("""
nr = us.pilot.item_nonresponse(responses, [i.id for i in fw.survey_indicators()])
rec.record("item_nonresponse", nr)
display(us.present.table(
    nr, columns={"indicator_id": "Item", "nonresponse": "Skipped (all respondents)",
                 "worst_unit_nonresponse": "Skipped (unit with most skips)"},
    labels={"indicator_id": us.self_assessment.node_labels(fw)},
    kinds={"nonresponse": ("share", 1), "worst_unit_nonresponse": ("share", 1)}))
"""),
    md("""
## Keep, revise or drop

Rules: *revise* when no unit has data, when the indicator correlates negatively with its
dimension (for survey items: the item-rest correlation on all respondents; for public
statistics: the correlation across units, when at least 10 units have both), or when more than 20 % of respondents skipped it; *drop* when it is weakly
coherent (r below 0.2) and available for fewer than 30 % of units; *keep* otherwise.
The framework's survey has no respondent-feedback questions in this version, so feedback
is not analysed here.
"""),
    code("""
survey_alpha, item_stats = us.coherence.survey_alpha(responses, fw)
rec.record("survey_alpha", survey_alpha)
display(Markdown("Internal consistency of each dimension's rating-scale items, on all pilot respondents:"))
display(us.present.table(
    survey_alpha, columns={"node_id": "Dimension", "n_items": "Items",
                           "n_respondents": "Respondents (complete answers)",
                           "alpha_standardised": "Cronbach's alpha (standardised)"},
    labels={"node_id": us.self_assessment.node_labels(fw)},
    missing={"alpha_standardised": "not estimated"}))
review = us.pilot.indicator_review(fw, prof, coh, nr, item_stats=item_stats)
rec.record("indicator_review", review[["indicator_id", "recommendation"]])
rec.record("recommendation_counts", review["recommendation"].value_counts())
display(us.present.table(
    review["recommendation"].value_counts().rename("indicators").rename_axis("recommendation"),
    columns={"recommendation": "Recommendation", "indicators": "Indicators"}))
display(us.present.table(
    review, columns={"label": "Indicator", "dimension": "Dimension", "source": "Source",
                     "unit_coverage": "Units with data", "nonresponse": "Skipped",
                     "r_parent": "Correlation with its dimension",
                     "recommendation": "Recommendation", "reason": "Reason"},
    labels={"dimension": us.self_assessment.node_labels(fw),
            "source": {"statistic": "public statistic", "survey": "survey",
                       "administrative": "administrative data"}},
    kinds={"unit_coverage": "share", "nonresponse": ("share", 1), "r_parent": ("number", 2)},
    missing={"nonresponse": "not a survey item", "r_parent": "not estimated"}))
"""),
    code(
        """
rc = review["recommendation"].value_counts()
display(us.present.key_findings([
    f"{int(responses['unit_id'].nunique())} pilot units answered the self-assessment survey.",
    "Recommendations for the next framework version: "
    + ", ".join(f"{k} {int(v)}" for k, v in rc.items()) + " indicators.",
]))
""",
        ["key-findings"],
    ),
]

CI_SYNTHESIS = [
    md("""
# Collective Impact across the pilot cities

The Collective Impact self-assessments of all pilot cities side by side: readiness on the
1-4 scale (cities in file order, never sorted), SWOT items per condition and quadrant, and
the lessons that recur, with the cities they come from.
"""),
    params("""
unit_id: str = "EU"  # the synthesis covers every workbook in raw/collective_impact
data_dir: str = "../data"  # folder holding raw/
seed: int = 20261124  # seed for the text clustering of the synthesis
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
cis = us.pipeline.read_collective_impact(data_dir, recorder=rec)
if cis.skipped:
    display(Markdown(us.pipeline.skipped_note(cis)))
rec.source(us.pipeline.source_label("Collective Impact self-assessment workbooks",
                                    next(iter(us.pipeline.collective_impact_files(data_dir).values())),
                                    data_dir))
rec.record("unit_name", "Collective Impact pilot cities")
rec.record("units", list(cis))
display(Markdown(us.pipeline.provenance_banner(rec.inputs, data_dir)))
rec.dataset("Collective Impact self-assessment workbooks of the pilot cities", "as filed",
            us.pipeline.declared_provenance(
                next(iter(us.pipeline.collective_impact_files(data_dir).values())), data_dir))
names = {u: us.pipeline.unit_name(u, data_dir) for u in cis}
display(us.present.table(
    us.collective_impact.overview(list(cis.values())),
    columns={"unit_id": "City", "phase": "Phase", "problem": "Policy problem",
             "items_rated": "Items rated", "gaps": "Readiness gaps", "swot_items": "SWOT items"},
    labels={"unit_id": names}))
"""),
    md("## Readiness"),
    code("""
us.reports.show_figure(
    us.figures.relabel(us.collective_impact.plot_readiness(list(cis.values())), names,
                       title="Readiness of the pilot cities per condition (1-4), in file order"),
    alt="Readiness ratings of " + ", ".join(names.values()) + " on the 1-4 scale, side by side",
)
"""),
    md("## SWOT items per condition and quadrant"),
    code("""
us.reports.show_figure(
    us.figures.relabel(us.collective_impact.plot_condition_heatmap(list(cis.values())), names,
                       title="SWOT items per condition and quadrant, all pilot cities"),
    alt="Number of SWOT items per condition and quadrant, summed over "
    + ", ".join(names.values()),
)
"""),
    md("## Recurring strengths, weaknesses, opportunities and threats, and lessons"),
    code("""
syn = us.collective_impact.synthesis(list(cis.values()), seed=seed)
rec.record("lessons", syn.lessons[["kind", "quadrant", "n_cities", "cities", "lesson"]])
display(us.collective_impact.lessons_table(syn, names=names))
city_names = lambda s: ", ".join(names.get(c.strip(), c.strip()) for c in str(s).split(","))  # noqa: E731
display(us.present.table(
    syn.recurring.assign(examples=syn.recurring["examples"].str.split(" | ", regex=False)),
    columns={"quadrant": "SWOT quadrant", "grouping": "Found by", "theme": "Theme",
             "n_cities": "Cities (number)", "cities": "Cities", "examples": "Examples"},
    labels={"quadrant": {"S": "Strengths", "W": "Weaknesses", "O": "Opportunities",
                         "T": "Threats"},
            "grouping": {"item": "same condition", "text_cluster": "similar wording",
                         "keyword": "shared keyword"},
            "cities": city_names},
    kinds={"examples": "lines"}))
"""),
    code(
        """
display(us.present.key_findings([
    f"{len(cis)} pilot cities filled in the Collective Impact self-assessment: "
    + ", ".join(names.values()) + ".",
    *[f"{r.lesson.split(':')[0]}." for r in syn.lessons.itertuples() if r.n_cities >= 3][:5],
]))
""",
        ["key-findings"],
    ),
]

COHESION = [
    md("""
# Social cohesion and (feelings of) security in European cities

Action 5 of the Urban Agenda Partnership asks how social cohesion relates to security in
public spaces. This report asks it of real data: the Eurostat **Quality of Life in European
Cities** perception survey (`urb_percep`, city shares of respondents per answer, waves
2004-2019), with the city's population (`urb_cpop1`) and the police-recorded crime of its
NUTS 3 region (`crim_gen_reg`) as context, and, at respondent level, the pilot
self-assessment survey (**synthetic demo answers**). Cities are never ranked: tables list
specifications in a fixed order and countries alphabetically; no city is named in the
cross-city figures.
"""),
    params("""
unit_id: str = "EU"  # the study covers all cities of the survey
data_dir: str = "../data"  # folder holding raw/ (read only)
framework_path: str = ""  # framework YAML (empty: the packaged default)
seed: int = 20261124  # seed of the wild cluster bootstrap
n_boot: int = 9999  # wild cluster bootstrap draws
min_n: int = 10  # small-cell suppression threshold (respondents)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(SETUP),
    code("""
fw = us.load_framework(framework_path or None)
rec.record("unit_name", "Cities of the Quality of Life in European Cities survey")
inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
sc = us.social_cohesion
cdata = sc.load_panels(us.workspace.for_data_dir(data_dir).public_raw_dir(), track=rec.use, percep=inputs.public.get("urb_percep"),
                       crime=inputs.public.get("crim_gen_reg"))
for s in (sc.SOURCE_PERCEP, sc.SOURCE_CONTEXT, "Eurostat indic_ur code list (labels of the answer codes)"):
    rec.source(s)
panel = cdata.panel
"""),
    md("""
## Questions and codings

Each question has five answer codes (strongly agree, somewhat agree, somewhat disagree,
strongly disagree, don't know / no answer). The labels below are those of Eurostat's own
code list (`indic_ur`), checked code by code. A city's value is the share of its
respondents who strongly or somewhat agree (in %); two alternative codings are used as
checks: "strongly agree" only, and agreement among those with an opinion (don't know
excluded). A city-wave counts only where every answer code it needs is published.
"""),
    code("""
display(us.present.table(sc.coding_table(), labels={"item": {}}, kinds={"agree_codes": "code",
    "strongly_code": "code", "dont_know_code": "code"}))
rec.record("labels_confirmed", int(len(cdata.labels)))
display(Markdown(f"All {len(cdata.labels)} answer codes carry the expected label in Eurostat's code list."))
cov = cdata.coverage()
rec.record("coverage", cov)
display(Markdown("Cities with a value, per wave:"))
display(us.present.table(
    cov.rename(index=us.present.humanise).rename_axis(cov.index.name or "measure").reset_index()
    if not isinstance(cov.index, pd.RangeIndex) else cov,
    labels={c: {} for c in ("question", "item", "outcome", "variable") if c in cov.columns}))
ctx_years = cdata.context_years()
rec.record("context_years", ctx_years)
display(Markdown("Context values are taken in the wave year or the nearest year with data "
                 "(population: any year, the series starts in 2013; crime: within 2 years). "
                 "Cities with both questions, by the year their context value comes from:"))
display(us.present.table(
    ctx_years.pivot_table(index=["context", "source_year"], columns="wave", values="n_cities",
                          fill_value=0).astype(int).rename(columns=lambda w: f"cities in wave {w}")
    .reset_index(),
    columns=None, labels={"context": {}}, kinds={"context": "code"}))
"""),
    md("""
## Primary estimate: within cities

Outcome: share who strongly or somewhat agree they feel safe in their city (PS3290V +
PS3291V); exposure: share who strongly or somewhat agree that most people in the city can
be trusted (PS3092V + PS3093V); every city-wave with both; city and wave fixed effects
(so the estimate comes from changes within cities, net of what all cities shared in a
wave); standard errors clustered by city, with a wild cluster bootstrap beside them.
"""),
    code("""
prim = sc.primary(panel, bootstrap=n_boot, seed=seed)
rec.record("primary", prim.as_dict())
display(Markdown(prim.summary()))
display(Markdown(f"Estimated by: {prim.method}. {prim.n_obs_with_both} city-waves of "
                 f"{prim.n_units_with_both} cities have both questions; the {prim.n_units} cities "
                 "with both in at least two waves carry the within-city information and are used "
                 "(a city seen once leaves the estimate unchanged)."))
display(Markdown(prim.wild_summary()))
display(us.present.table(
    prim.table(), columns={"spec": "Specification", "estimate": "Estimate", "se": "SE",
                           "ci_low": "95% CI", "pvalue": "p-value",
                           "wild_pvalue": "p-value (wild bootstrap)", "n_units": "Cities",
                           "n_obs": "City-waves", "years": "Years"},
    labels={"spec": {}}, kinds={"estimate": ("number", 3), "se": ("number", 3), "pvalue": "pvalue", "wild_pvalue": "pvalue", "n_units": "int", "n_obs": "int"}, ci={"95% CI": ("ci_low", "ci_high")}, dp={"95% CI": 3}))
"""),
    md("""
### Within-city changes

Each arrow is one city, from one wave to the next: rightwards when trust rose, upwards when
feeling safe rose. Blue arrows are cities where both moved the same way.
"""),
    code("""
us.reports.show_figure(sc.plot_within_changes(panel),
                       alt="Arrows of each city's change in trust and in feeling safe between consecutive waves")
us.reports.show_figure(sc.plot_partial_regression(panel),
                       alt="Scatter of feeling safe against trust, both net of city and wave fixed effects, with the fitted slope")
"""),
    md("""
## Around the primary estimate

The same question with the neighbourhood outcome, other cohesion items (integration of
foreigners, trust in neighbours, satisfaction with the neighbourhood), the alternative
codings, recorded crime of the NUTS 3 region as a control and as a second outcome, and the
association *between* cities (wave fixed effects; controls: population size class of the
city, country, recorded crime, each taken in the wave year or the nearest year with data).
Recorded crime is available for fewer cities (none for France, Turkey, the United Kingdom;
NUTS 3 data mostly from 2012), so those rows rest on smaller samples (see n).
"""),
    code("""
specs = sc.specifications(cdata.panels, primary_estimate=prim)
tab = specs.table()
rec.record("specifications", tab[["spec", "design", "outcome", "exposure", "estimate", "se", "ci_low",
                                  "ci_high", "pvalue", "n_units", "n_obs", "years"]])
us.reports.show_figure(specs.plot(), alt="Coefficient plot of the association across all specifications")
display(us.present.table(
    tab, columns={"spec": "Specification", "design": "Design", "estimate": "Estimate",
                  "ci_low": "95% CI", "pvalue": "p-value", "n_units": "Cities",
                  "n_obs": "City-waves", "years": "Years"},
    labels={"spec": {}, "design": {}}, kinds={"estimate": ("number", 3), "se": ("number", 3), "pvalue": "pvalue", "wild_pvalue": "pvalue", "n_units": "int", "n_obs": "int"}, ci={"95% CI": ("ci_low", "ci_high")},
    dp={"95% CI": 3}))
"""),
    md("""
### Leave one country out

The primary estimate re-estimated without each country in turn (countries in alphabetical
order).
"""),
    code("""
loo = sc.leave_one_country_out(panel)
rec.record("leave_one_country_out", loo)
rec.record("leave_one_country_out_range", [float(loo["estimate"].min()), float(loo["estimate"].max())])
display(Markdown(f"Without any single country the estimate stays between {loo['estimate'].min():.2f} "
                 f"and {loo['estimate'].max():.2f}."))
display(us.present.table(loo, columns={c: ("Country left out" if c == "country_left_out"
                         else us.present.humanise(c)) for c in loo.columns},
                         number_dp=3, kinds={c: "pvalue" for c in loo.columns if "pvalue" in c}
                         | {c: "int" for c in loo.columns if c.startswith("n_")}))
"""),
    md("""
### By city size

The within-city association by population size class of the city (Eurostat `urb_cpop1`,
population nearest to 2015; classes with fewer than 3 cities are left out), from one
regression with the exposure interacted with the class.
"""),
    code("""
het, p_equal = sc.by_size_class(panel)
rec.record("by_size_class", het)
rec.record("by_size_class_p_equal", p_equal)
display(us.present.table(het, labels={"size_class": {}}, number_dp=3,
                         kinds={c: "pvalue" for c in het.columns if "pvalue" in c}
                         | {c: "int" for c in het.columns if c.startswith("n_")}))
display(Markdown(f"Test that the slopes are equal across classes: {us.present.fmt_p_inline(p_equal)}."))
"""),
    md("""
## Omitted variables

How strong would an unobserved confounder have to be to explain the within-city estimate
away? The robustness value of Cinelli & Hazlett (2020) answers in shares of residual
variance; Oster's (2019) delta compares how the between-city estimate moves when the
context controls are added (with R squared at most 1.3 times that of the controlled model).
"""),
    code("""
short = specs["Between, no controls (same city-waves as with controls)"]
long = specs["Between, controls: size class, country, log recorded crime"]
rv, delta = sc.omitted_variable_sensitivity(prim, short, long)
rec.record("robustness_value", rv.table())
rec.record("oster_delta", delta)
display(Markdown(rv.summary()))
if delta < 0:
    display(Markdown(f"Oster's delta is {delta:.2f}: the between-city estimate *grows* when the controls "
                     "are added, so selection on unobservables like that on the observed controls would not "
                     "bring it to zero."))
else:
    display(Markdown(f"Oster's delta is {delta:.2f}: unobservables would have to be {delta:.2f} times as "
                     "important as the observed controls to bring the between-city estimate to zero."))
"""),
    md("## What the design can and cannot say"),
    code("""
display(Markdown(sc.design_statement(prim, rv)))
"""),
    md("""
## Respondent level: the pilot survey

**The pilot answers of the demo are synthetic.** Feeling safe walking alone after dark (1-4)
on the collective-efficacy scale (Sampson, Raudenbush & Earls 1997: mean of the social
cohesion and trust items and the informal social control items of the urbansec
questionnaire, 1-5, "people don't get along" reversed), with respondent controls (resident
or not, victim of a crime in the last 12 months, survey wave; the questionnaire has no age
or sex), in a multilevel model with unit and neighbourhood random intercepts, and an
ordinal variant. No statistic is shown over fewer than the threshold of respondents or
fewer than 3 units; neighbourhoods with fewer answers are left out of the models.
"""),
    code("""
ml = us.multilevel
resp = ml.respondent_frame(inputs.responses)
regs = ["collective_efficacy", *ml.CONTROLS]
m_null = ml.fit_multilevel(resp, "sos_safe_walk_after_dark", [], min_n=min_n)
m = ml.fit_multilevel(resp, "sos_safe_walk_after_dark", regs, categorical=["wave"], min_n=min_n)
o = ml.fit_ordinal(resp, "sos_safe_walk_after_dark", regs, categorical=["wave"], min_n=min_n)
rec.record("multilevel", m.table())
rec.record("multilevel_null_icc", {"unit": m_null.icc_unit, "neighbourhood": m_null.icc_neighbourhood,
                                   "n_obs": m_null.n_obs})
rec.record("ordinal", o.table())
display(Markdown("Without covariates: " + m_null.summary()))
display(Markdown("With collective efficacy and controls: " + m.summary() + " " + "; ".join(m.notes)))
display(us.present.table(m.table(), labels={"term": {}}, number_dp=3,
                         kinds={c: "pvalue" for c in m.table().columns if "pvalue" in c}))
display(Markdown(o.summary()))
display(us.present.table(o.table(), labels={"term": {}}, number_dp=3,
                         kinds={c: "pvalue" for c in o.table().columns if "pvalue" in c}))
"""),
    md("""
## About the data

Eurostat `urb_percep` (Quality of Life in European Cities survey; 2009 fieldwork by a
different contractor than 2012 onwards, so levels shift between waves, which the wave
fixed effects absorb); Eurostat `urb_cpop1` (population on 1 January, 2013-2022: each value
keeps its year); city -> NUTS 3 from the GISCO Urban Audit 2021 table; Eurostat
`crim_gen_reg` (police-recorded assaults, robberies, burglaries and thefts per 100,000
inhabitants of the NUTS 3 region: comparable within a country over time, not across
countries). The pilot survey answers are **synthetic**.
"""),
]

EXISTING = [
    md("""
# Existing-data profile

This report profiles one city or region on the Urban Agenda Partnership's holistic
framework **from public statistics alone** (Action 1: piloting the framework "by looking for
already existing data"): Eurostat's police-recorded crime by NUTS region (`crim_gen_reg`)
and the Quality of Life in European Cities perception survey (`urb_percep`). Every value
keeps its own year and source. The unit is placed among its **peers**, units of the same
level alike in context, and against **its own past**; it is never ranked.
"""),
    params("""
unit_id: str = "PL013C"  # official code: Urban Audit city code or NUTS 2021 code
data_dir: str = "../data"  # folder holding processed/store (built by `urbansec data build`)
seed: int = 20261124  # seed of the stored peer grouping (recorded for reproduction)
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(SETUP),
    code("""
fw = us.load_framework()
store = us.store.open_store(data_dir)
for name in ("manifest.json", "units.parquet", "aligned.parquet", "scores.parquet",
             "peer_groups.parquet", "indicators.parquet"):
    rec.use(store.path / name)
view = store.unit_view(unit_id)
period = us.existing_data.reference_period(view.aligned, unit_id)
rec.record("unit_name", view.unit["name"])
rec.record("reference_period", period)
rec.record("peer_group", view.groups.to_dict())
for s in sorted({str(x).split(" (")[0] for x in view.indicators["source"]}):
    rec.source(s)
display(Markdown(us.existing_data.unit_intro(view.unit, view.indicators, view.peers)))
"""),
    md("""
## Profile against peers

Each dimension's score (0-100, higher is better; min-max over every unit and reference
period of the store; a dimension is scored only where at least half of its indicators have
data) against its peers' middle half and median, for the latest reference period with data.
A position is given only where at least three peers have a score for that dimension.
"""),
    code("""
pos = us.existing_data.position_in_group(view.scores, unit_id, view.groups, period, fw)
rec.record("position", pos)
labels = us.self_assessment.node_labels(fw)
us.reports.show_figure(
    us.plots.plot_profile(pos, labels=labels,
                          title=f"{view.unit['name']}: dimension scores, reference period {period}"),
    alt=us.self_assessment.profile_alt_text(view.unit["name"], pos, fw),
)
display(us.present.table(us.existing_data.position_table(pos, fw).reset_index(), index="Dimension",
                         kinds={"score (0-100)": "score", "peers' median": "score"}))
display(Markdown(us.existing_data.no_score_text(pos, fw)))
"""),
    md("""
## The values behind the profile

Per indicator: the value used for the reference period, **its own year** (the latest
observation up to that period, at most six years older) and its source.
"""),
    code("""
values = us.existing_data.indicator_table(view.aligned, unit_id, period, fw)
rec.record("values", values[["indicator", "value", "year"]])
display(us.present.table(values, index="Indicator", kinds={"year": "text"}))
"""),
    md("""
## Change over time, like with like

The unit against its own past: only indicators observed in both years compared, each with
its own year (a value carried from one year into two periods is not a change).
"""),
    code("""
periods = sorted(view.aligned.loc[view.aligned["value"].notna(), "period"].unique().tolist())
change = (us.existing_data.like_for_like_change(view.aligned, unit_id, periods[0], period)
          if len(periods) > 1 else view.aligned.iloc[0:0])
rec.record("change", change)
if len(change):
    display(Markdown(f"Reference periods {periods[0]} and {period}."))
    display(us.present.table(us.existing_data.change_table(change, fw), index="Indicator"))
else:
    display(Markdown("_No indicator observed in two different years: no change can be shown._"))
"""),
    md("## Data coverage"),
    code("""
display(us.present.table(us.existing_data.coverage_table(view.aligned, unit_id, period, fw),
                         index="Dimension"))
display(Markdown(us.existing_data.sources_text(view.indicators, store.manifest)))
"""),
]

EXISTING_SYNTHESIS = [
    md("""
# Every city and region from existing data: the partnership-wide picture

The existing-data profiles of **every** Urban Audit city and NUTS 1/2/3 region that public
statistics cover, side by side: which units are alike in context (peer groups, found within
each level), how each group's scores are spread per dimension, and the data gaps many units
share. Groups are shown as distributions; no unit is ranked or named in an ordering.
"""),
    params("""
unit_id: str = "EU"  # the synthesis covers every unit of the store
data_dir: str = "../data"  # folder holding processed/store (built by `urbansec data build`)
seed: int = 20261124  # seed of the stored peer grouping (recorded for reproduction)
results_path: str = ""  # set by `urbansec run`
"""),
    code(SETUP),
    code("""
fw = us.load_framework()
store = us.store.open_store(data_dir)
for name in ("manifest.json", "units.parquet", "scores.parquet", "peer_groups.parquet"):
    rec.use(store.path / name)
units = store.units()
groups = store.peer_groups()
scores = store.scores()
dims = us.self_assessment.dimension_ids(fw)
labels = us.self_assessment.node_labels(fw)
rec.record("unit_name", "Every city and region with public data")
rec.record("n_units", len(units))
display(Markdown(us.existing_data.synthesis_intro(units, store.manifest)))
"""),
    md("## Peer groups within each level"),
    code("""
summary = us.existing_data.group_summary(units, groups)
rec.record("groups", summary)
display(us.present.table(summary))
"""),
    md("""
## Each group's distribution per dimension

For the latest reference period with data (2021; perception values are those of their own
survey wave, at most six years older). Dots are units, bars the group median.
"""),
    code("""
period = int(scores["period"].max())
for level in us.existing_data.LEVEL_ORDER:
    members = groups[groups.index.isin(units.loc[units["level"] == level, "unit_id"])]
    if members.empty:
        continue
    sc = scores[scores["unit_id"].isin(members.index)]
    scored = [d for d in dims if sc.loc[sc["node_id"] == d, "score"].notna().any()]
    dist = us.synthesis.group_distribution(sc, members, nodes=scored, period=period)
    rec.record(f"group_distribution_{level}", dist)
    us.reports.show_figure(
        us.synthesis.plot_group_distributions(sc, members, scored, labels, period=period),
        alt=f"Scores per dimension for each peer group of {level} units, {period}",
        title=f"{level} units: scores per dimension in each peer group, {period}",
    )
    display(us.present.table(us.existing_data.distribution_table(dist, labels)))
"""),
    md("""
## Common data gaps

Dimensions that public data leave unscored for at least half of a group's units: where a
survey (the self-assessment) adds the most.
"""),
    code("""
gaps = us.existing_data.data_gaps(scores, units, groups, dims, labels)
rec.record("data_gaps", gaps)
display(us.present.table(gaps, empty="No dimension lacks a score for half of a level's units."))
"""),
]


if __name__ == "__main__":
    write("city_self_assessment.ipynb", CITY)
    write("collective_impact_swot.ipynb", CI)
    write("orpheus_impact.ipynb", ORPHEUS)
    write("existing_indices.ipynb", INDICES)
    write("training_evaluation.ipynb", TRAINING)
    write("good_practices.ipynb", GOOD_PRACTICES)
    write("ai_technologies.ipynb", AI)
    write("cross_city_synthesis.ipynb", CROSS)
    write("pilot_evaluation.ipynb", PILOT)
    write("collective_impact_synthesis.ipynb", CI_SYNTHESIS)
    write("social_cohesion_security.ipynb", COHESION)
    write("existing_data.ipynb", EXISTING)
    write("existing_data_synthesis.ipynb", EXISTING_SYNTHESIS)
