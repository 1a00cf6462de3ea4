"""Write a small workbook in the JRC COIN Tool (v1) input layout: coin_tool_small.xlsx.

Layout (as read by COINr 1.1.14's import_coin_tool): sheet "Database" - indicator
metadata in rows 7-16 from column E (7 weight, 8 direction, 9 lower goalpost, 10 upper
goalpost, 11 index code, 12 sub-index code, 13 pillar code, 14 sub-pillar code, 15 name,
16 code), units from row 17 (B name, C code, E.. values, "n/a" = missing); sheet
"Framework" - C4:H52 with a header row, column C the aggregate code ("si.01", "p.01",
"Index"; "--" = unused row), E its weight, H its name.
Run: python tests/data/coin_tool/make_workbook.py
"""

from pathlib import Path

import numpy as np
from openpyxl import Workbook

OUT = Path(__file__).with_name("coin_tool_small.xlsx")
rng = np.random.default_rng(42)
inds = [
    ("Ind.01", "Burglary rate", "p.01", "si.01", -1, 1.0),
    ("Ind.02", "Assault rate", "p.01", "si.01", -1, 2.0),
    ("Ind.03", "Feeling safe after dark", "p.02", "si.01", 1, 1.0),
    ("Ind.04", "Trust in police", "p.02", "si.01", 1, 1.0),
    ("Ind.05", "Street lighting coverage", "p.03", "si.02", 1, 1.0),
    ("Ind.06", "Youth centres per 10k", "p.03", "si.02", 1, 0.5),
    ("Ind.07", "Unemployment rate", "p.04", "si.02", -1, 1.0),
    ("Ind.08", "School dropout rate", "p.04", "si.02", -1, 1.0),
]
units = [(f"City {c}", f"C{c:02d}") for c in range(1, 13)]

wb = Workbook()
db = wb.active
db.title = "Database"
for j, (code, name, pil, si, direc, w) in enumerate(inds):
    col = 5 + j
    db.cell(7, col, w)
    db.cell(8, col, direc)
    db.cell(9, col, 0.0)
    db.cell(10, col, 100.0)
    db.cell(11, col, "Index")
    db.cell(12, col, si)
    db.cell(13, col, pil)
    db.cell(14, col, "sp.01")  # sub-pillar level not used: one code for all
    db.cell(15, col, name)
    db.cell(16, col, code)
db.cell(16, 2, "Unit name")
db.cell(16, 3, "Unit code")
X = rng.gamma(3.0, 10.0, size=(len(units), len(inds))).round(2)
for i, (uname, ucode) in enumerate(units):
    db.cell(17 + i, 2, uname)
    db.cell(17 + i, 3, ucode)
    for j in range(len(inds)):
        missing = (i, j) in {(2, 1), (5, 6), (9, 3)}
        db.cell(17 + i, 5 + j, "n/a" if missing else float(X[i, j]))
fr = wb.create_sheet("Framework")
for k, h in enumerate(["Dimension/indicator", "Level", "Weight", "Notes", "Type", "Name"]):
    fr.cell(4, 3 + k, h)
aggs = [
    ("Index", 1.0, "Urban security index"),
    ("si.01", 1.0, "Crime and perceptions"),
    ("si.02", 1.0, "Prevention and context"),
    ("p.01", 1.0, "Crime"),
    ("p.02", 1.0, "Perceptions"),
    ("p.03", 2.0, "Prevention"),
    ("p.04", 1.0, "Social context"),
]
r = 5
for code, w, name in aggs:
    fr.cell(r, 3, code)
    fr.cell(r, 4, "")
    fr.cell(r, 5, w)
    fr.cell(r, 8, name)
    r += 1
for rr in range(r, 53):
    fr.cell(rr, 3, "--")
wb.save(OUT)
print(OUT)
