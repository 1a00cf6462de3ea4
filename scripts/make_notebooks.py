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
    nb = new_notebook(cells=cells, metadata={"kernelspec": KERNEL,
                                             "language_info": {"name": "python"}})
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
pd.set_option("display.precision", 1)
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
framework_path: str = ""  # framework YAML; empty = the packaged default
seed: int = 20261124  # seed for peer grouping and the uncertainty analysis
min_n: int = 10  # small-cell suppression threshold (respondents)
n_draws: int = 2000  # Monte Carlo draws of the robustness analysis
results_path: str = ""  # where recorded numbers go (set by `urbansec run`)
"""),
    code(SETUP),
    code("""
fw = us.load_framework(framework_path or None)
inputs = us.pipeline.load_inputs(data_dir, fw, recorder=rec)
unit = us.self_assessment.unit_record(inputs.units, unit_id)
rec.record("unit_name", unit["name"])
display(Markdown(us.self_assessment.unit_intro(unit, inputs, fw)))
"""),
    md("""
## The framework

Framework version and the number of indicators per dimension (objective statistics and
perceptions side by side).
"""),
    code("""
display(us.self_assessment.framework_overview(fw))
rec.record("framework_version", fw.version)
"""),
    md("""
## Profile against peers

Scores are min-max normalised to 0-100 across all units and periods (direction applied, so
higher is always better) and averaged with the framework's weights. The peer group is found
by k-means clustering of standardised context variables (population, level of the unit,
urban-rural type), with k chosen by the silhouette score and a fixed seed.
"""),
    code("""
prof = us.score(inputs.indicators, fw)
ctx = us.peers.context_features(inputs.units.assign(urban_type=inputs.units.get("urban_type")))
groups = us.peers.peer_groups(ctx, seed=seed)
pos = us.peers.position(prof, unit_id, groups, level=us.self_assessment.dimension_level(fw))
rec.record("scores", prof.scores.query("unit_id == @unit_id"))
rec.record("position", pos)
rec.record("peer_group", groups.to_dict())
display(Markdown(us.self_assessment.peer_text(unit_id, groups, inputs.units)))
us.reports.show_figure(
    us.plots.plot_profile(pos, labels=us.self_assessment.node_labels(fw), title=unit["name"]),
    alt=us.self_assessment.profile_alt_text(unit["name"], pos, fw),
)
display(us.self_assessment.position_table(pos, fw))
"""),
    md("""
## Learning partners

Peers that are clearly stronger (at least 10 points) in a dimension where this unit is
below its peers' median, with the indicators that make the difference. A reading list for
exchanges, not an ordering of cities.
"""),
    code("""
partners = us.peers.learning_partners(prof, unit_id, groups, level=us.self_assessment.dimension_level(fw))
rec.record("learning_partners", partners)
display(us.self_assessment.partners_table(partners, fw, inputs.units))
"""),
    md("""
## Change over time

The unit compared with itself: change in each dimension score between its two most recent
periods with data.
"""),
    code("""
change = us.self_assessment.latest_change(prof, unit_id, fw)
rec.record("change", change)
if len(change):
    us.reports.show_figure(
        us.plots.plot_change(change, labels=us.self_assessment.node_labels(fw)),
        alt=f"Change in dimension scores of {unit['name']} between its two latest periods",
    )
else:
    display(Markdown("_Only one period with data: no change can be shown yet._"))
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
    us.plots.plot_coverage(cov, labels=us.self_assessment.node_labels(fw)),
    alt=f"Share of indicators with data per dimension for {unit['name']}",
)
display(us.self_assessment.survey_table(inputs.indicators, unit_id, fw, min_n=min_n))
"""),
    md("""
## Coherence notes

Do the indicators of each dimension point the same way across all units? Cronbach's alpha
(standardised) and indicators that correlate negatively or very weakly with their
dimension. Low coherence is a finding about the framework, not about the city.
"""),
    code("""
coh = us.coherence.coherence(prof)
rec.record("coherence", coh.alpha)
display(us.self_assessment.coherence_table(coh, fw))
"""),
    md("""
## Robustness

How much do this unit's dimension scores depend on the modelling choices? A Monte Carlo
uncertainty analysis varies the weights (plus or minus 25 %), the normalisation (min-max,
z-score, percentile rank) and the aggregation (arithmetic, geometric), and drops one
indicator at random; the band shows the 5th to 95th percentile of the unit's score. The
sensitivity indices say which choice matters most.
"""),
    code("""
sa = us.sensitivity.run(inputs.indicators, fw, assumptions=us.self_assessment.DEFAULT_ASSUMPTIONS,
                        n=n_draws, seed=seed)
rec.record("robustness_bands", sa.bands.query("unit_id == @unit_id"))
rec.record("sensitivity_indices", sa.indices)
us.reports.show_figure(sa.plot_bands(unit_id),
                       alt=f"Uncertainty bands of the dimension scores of {unit['name']}")
display(us.self_assessment.sensitivity_table(sa))
"""),
    md("""
## About the data

Public statistics are Eurostat's (police-recorded offences per 100,000 inhabitants of the
NUTS 3 region the unit lies in, `crim_gen_reg`; Quality of Life in European Cities
perception shares, `urb_percep`). Police-recorded crime differs in definitions and recording
practice between countries: compare trends, not levels. **The self-assessment survey answers
of the pilot units are SYNTHETIC**, produced by a seeded generator for demonstration.
"""),
    code("""
display(us.self_assessment.sources_table(inputs))
"""),
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
what recurs across the pilot cities. **The demo workbooks are illustrative**, not the
cities' actual assessments.
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
cis = us.pipeline.read_collective_impact(data_dir, recorder=rec)
a = cis[unit_id]
rec.source("Collective Impact self-assessment workbook (illustrative demo)")
rec.record("unit_name", a.meta.get("unit_name") or unit_id)
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
us.reports.show_figure(us.collective_impact.plot_readiness([a]),
                       alt=f"Readiness ratings on the 1-4 scale for {unit_id}")
display(a.readiness[["block", "item_name", "rating_label", "evidence_count", "gap"]]
        .rename(columns={"item_name": "item", "rating_label": "rating",
                         "evidence_count": "evidence"}))
"""),
    md("## SWOT matrix"),
    code("""
us.reports.show_figure(us.collective_impact.plot_swot_matrix(a),
                       alt=f"SWOT matrix of {unit_id}: strengths, weaknesses, opportunities, threats")
rec.record("swot_counts", a.swot.groupby("quadrant").size())
"""),
    md("## Next actions and stakeholders"),
    code("""
display(a.next_actions.drop(columns=["unit_id"], errors="ignore"))
display(a.stakeholders.groupby("sector").size().rename("organisations").to_frame())
"""),
    md("""
## Across the pilot cities

What recurs across the cities that filled in the template: conditions by SWOT quadrant,
readiness side by side (cities in file order, not sorted), and the lessons that recur,
with the cities they come from. There is no score table ordering the cities.
"""),
    code("""
units = list(cis)
us.reports.show_figure(us.collective_impact.plot_condition_heatmap(list(cis.values())),
                       alt="Number of SWOT items per condition and quadrant, all pilot cities")
us.reports.show_figure(us.collective_impact.plot_readiness(list(cis.values())),
                       alt="Readiness ratings of all pilot cities on the 1-4 scale")
syn = us.collective_impact.synthesis(list(cis.values()), seed=seed)
rec.record("lessons", syn.lessons[["kind", "quadrant", "n_cities", "cities", "lesson"]])
display(syn.lessons[["quadrant", "cities", "lesson"]])
"""),
]

ORPHEUS = [
    md("""
# Prevention pyramid and the impact of a local initiative

Action 5 of the Partnership gives local security managers a common method to measure the
impact of local social-cohesion actions on security and on **feelings of insecurity**:
first map the city's policies on the integrated urban security policy pyramid (quality of
life, general prevention, specific prevention, reaction), then evaluate at least one
initiative. The policy inventories of the demo cities are **illustrative** (drafted from the
pyramid manual's example measures) and their outcome data are **synthetic with planted
effects**, so the report shows what each design can and cannot recover.
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
classified = us.pipeline.read_orpheus(data_dir, recorder=rec, pyramid=pyramid)
cov = us.orpheus.coverage(classified, measure=measure)
rec.source("Policy inventory (illustrative demo)")
rec.record("unit_name", us.pipeline.unit_name(unit_id, data_dir))
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
us.reports.show_figure(us.orpheus.plot_pyramid(cov, unit_id, measure=measure),
                       alt=f"Prevention pyramid of {unit_id}: initiatives per layer, bottom to top")
mine = classified[classified["unit_id"] == unit_id]
display(mine[["initiative_id", "name", "layer_name", "secondary_layer", "confidence",
              "layer_source", "rationale"]].set_index("initiative_id"))
"""),
    md("## Gaps"),
    code("""
gaps = us.orpheus.gaps(classified)
gaps = gaps[gaps["unit_id"] == unit_id]
rec.record("gaps", gaps["sentence"].tolist())
display(us.orpheus.gap_summary(gaps).set_index("layer_name")[["missing"]])
"""),
    md("""
## The evaluated initiative

Outcomes: the share of residents feeling safe walking alone in their area after dark
(survey waves, intervention vs comparison areas) and monthly recorded incidents (treated
area, its control, a displacement buffer and the buffer's control).
"""),
    code("""
spec, survey, incidents = us.pipeline.read_evaluation(unit_id, data_dir, recorder=rec)
rec.source("Outcome survey and incident counts (SYNTHETIC, planted effects)")
init_id = initiative or spec.initiative_id
display(mine.set_index("initiative_id").loc[[init_id], ["name", "description", "layer_name"]])
ev = us.outcomes.evaluate(spec, survey, incidents)
rec.record("effects", ev.table())
display(ev.table().set_index("design"))
display(Markdown(us.outcomes.reading(ev)))
"""),
    code("""
for name, r in ev.results.items():
    us.reports.show_figure(r.plot(), alt=f"{name} result for initiative {init_id} in {unit_id}")
"""),
    md("""
## Across the pilot cities

The same method in every city, side by side and in a fixed order (never sorted): the
pyramids on one scale, and each city's evaluated initiative with its confidence interval.
"""),
    code("""
units = list(cov["unit_id"].unique())
us.reports.show_figure(us.orpheus.plot_pyramids(cov, units, measure=measure),
                       alt="Prevention pyramids of the pilot cities side by side, same scale")
effects = us.pipeline.all_effects(data_dir, units)
rec.record("effects_all_units", effects)
display(effects.set_index(["unit_id", "design"]))
"""),
]


if __name__ == "__main__":
    write("city_self_assessment.ipynb", CITY)
    write("collective_impact_swot.ipynb", CI)
    write("orpheus_impact.ipynb", ORPHEUS)
