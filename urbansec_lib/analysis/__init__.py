"""Layer 6, ``analysis``: Analyses of the Action Plan: pyramid mapping, outcomes, Collective
Impact, social cohesion, trainings, AI survey, good practices, funding, pilot.

May import from: ``core``, ``model``, ``inputs``, ``engine``, ``methods``, ``presentation``
(and its own modules).

Modules
-------
orpheus
    Prevention-pyramid mapping of local security policy; the public face of the modules
    ``pyramid``, ``inventory`` and ``pyramid_*`` below.
pyramid
    Prevention pyramids: the coded vocabulary, layers and crosswalks, loaded from YAML.
inventory
    The policy inventory of the pyramid mapping: columns, schema, reading, template.
pyramid_rules
    The rule table that assigns each initiative a pyramid layer (reviewer wins).
pyramid_coverage
    Coverage of the prevention pyramid per unit, its gaps and key findings.
pyramid_figures
    Figures of the prevention-pyramid mapping.
outcome_readers
    The outcome series of an evaluation and its specification, read and validated.
outcomes
    Outcome data for impact evaluations: survey waves and monthly incident counts.
collective_impact
    Collective Impact readiness and SWOT self-assessment (UA Partnership Action 5,
    method 2); the public face of the ``ci_*`` modules below.
ci_model
    The Collective Impact model (items, blocks, phases, scale) loaded from YAML.
ci_template
    Fill-in templates of the Collective Impact self-assessment (workbook, Markdown, HTML).
ci_markdown
    The Markdown subset of the workshop hand-outs as a stand-alone HTML page.
ci_schema
    Declared schemas of the sheets of a filled Collective Impact workbook.
ci_read
    Reading a filled Collective Impact workbook into an assessment.
ci_figures
    Figures and display-ready tables of Collective Impact self-assessments.
ci_synthesis
    Cross-city synthesis of Collective Impact self-assessments.
social_cohesion
    Social cohesion and (feelings of) security across European cities (Action 5's
    question); the public face of the ``cohesion_*`` modules below.
cohesion_data
    The Eurostat inputs of the social-cohesion analysis: questions, codings, readers.
cohesion_panel
    The city panel of the social-cohesion analysis: shares per city-wave, context.
cohesion_fit
    Association estimates of the social-cohesion analysis (within, between, cross-section).
cohesion_robustness
    Robustness of the social-cohesion association: specifications, subgroups, sensitivity.
cohesion_figures
    Figures of the social-cohesion analysis.
cohesion_unit
    One unit's section of the social-cohesion report.
training
    Evaluation of capacity-building trainings (UA Partnership Action 4): before/after
    self-assessment; the public face of the ``training_*`` modules below.
training_competences
    The competence framework of the training evaluation, from YAML.
training_eval
    Before/after evaluation of one training, and of all trainings of a data folder.
training_figures
    Figures, display tables and key findings of training evaluations.
ai_survey
    AI-inclusive technologies in public spaces (UA Partnership Action 3): survey of
    urban authorities.
good_practices
    Security-by-design good practices (UA Partnership Action 6): inventory and success
    factors; the public face of the ``gp_*`` modules below.
gp_attributes
    Attributes of the good practices: the binary matrix, overview, 2x2 tests.
gp_factors
    Candidate success factors of the good practices, and their figure.
gp_page
    The static, searchable HTML page of the good-practice inventory.
funding
    EU funding instruments for urban security (UA Partnership Action 2): catalogue and
    matching.
pilot
    Pilot evaluation (Action 1's third deliverable): how did the self-assessment pilot
    go?
"""

from .._lazy import lazy_modules

__all__ = [
    "orpheus",
    "pyramid",
    "inventory",
    "pyramid_rules",
    "pyramid_coverage",
    "pyramid_figures",
    "outcome_readers",
    "outcomes",
    "collective_impact",
    "ci_model",
    "ci_template",
    "ci_markdown",
    "ci_schema",
    "ci_read",
    "ci_figures",
    "ci_synthesis",
    "social_cohesion",
    "cohesion_data",
    "cohesion_panel",
    "cohesion_fit",
    "cohesion_robustness",
    "cohesion_figures",
    "cohesion_unit",
    "training",
    "training_competences",
    "training_eval",
    "training_figures",
    "ai_survey",
    "good_practices",
    "gp_attributes",
    "gp_factors",
    "gp_page",
    "funding",
    "pilot",
]

__getattr__, __dir__ = lazy_modules(__name__, __all__)
