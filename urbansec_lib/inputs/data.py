"""Public data I/O: Eurostat bulk TSV files, NUTS 2021 codes, the unit registry.

Every reader validates its whole input and raises one
:class:`~urbansec_lib.core.errors.ValidationError` listing every located problem (file, row as a
spreadsheet shows it, column, value, what was expected). The indicator builders are pure
functions: frames in, a tidy frame ``unit_id, indicator_id, period, value, source`` out.

Layout of the raw public data (never modified by code; see ``data/raw/public/README.md``)::

    <data>/raw/units.csv                                           unit registry
    <data>/raw/public/eurostat_crim_gen_reg/estat_crim_gen_reg.tsv  police-recorded crime
    <data>/raw/public/eurostat_urb_percep/urb_percep.tsv            QoL perception survey
    <data>/raw/public/nuts2021_gisco/NUTS_RG_20M_2021_attributes.csv NUTS 2021 regions

``<data>`` is ``$URBANSEC_DATA`` when set, else the repository's ``data/`` folder.

Example
-------
>>> import urbansec_lib as us
>>> from urbansec_lib import data
>>> fw = us.load_framework()
>>> ind = data.build_public_indicators(data.default_raw_dir(), fw)
>>> list(ind.columns)
['unit_id', 'indicator_id', 'period', 'value', 'source']
>>> data.nuts_level("DE300"), data.nuts_parent("DE300")
(3, 'DE30')
"""

from __future__ import annotations

from .data_paths import PUBLIC_FILES, UNIT_COLUMNS, UNIT_LEVELS, _raw_dir_from, default_raw_dir
from .eurostat import read_eurostat_tsv
from .nuts import nuts_level, nuts_parent, read_nuts, validate_unit_codes
from .public_indicators import build_public_indicators, crime_indicators, perception_indicators
from .units_table import population_from_crime, read_units

__all__ = [
    "PUBLIC_FILES",
    "UNIT_COLUMNS",
    "UNIT_LEVELS",
    "default_raw_dir",
    "read_eurostat_tsv",
    "read_nuts",
    "nuts_level",
    "nuts_parent",
    "validate_unit_codes",
    "read_units",
    "population_from_crime",
    "crime_indicators",
    "perception_indicators",
    "build_public_indicators",
]

_PRIVATE = (_raw_dir_from,)  # reached through this face by other modules
