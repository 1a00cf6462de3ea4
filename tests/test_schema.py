"""Table schemas as code (core/schema.py): every rule gives a located problem, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from urbansec_lib.core.errors import ValidationError
from urbansec_lib.core.schema import Check, Column, TableSchema, Unique


def problems(schema: TableSchema, df: pd.DataFrame, file: str = "t.csv"):
    with pytest.raises(ValidationError) as exc:
        schema.validate(df, file)
    return [(p.row, p.column, p.value, p.expected) for p in exc.value.problems]


def test_choices_with_aliases_and_a_key():
    s = TableSchema("t", [Column("aim", "choice", choices=("yes", "no"), aliases={"y": "yes"})])
    t = s.validate(pd.DataFrame({"aim": ["Yes", " y ", "NO"]}), "t.csv")
    assert t["aim"].tolist() == ["yes", "yes", "no"]
    assert problems(s, pd.DataFrame({"aim": ["yes", "maybe"]})) == [
        (3, "aim", "maybe", "one of yes, no")
    ]


def test_custom_parser_value_checks_and_blank_message():
    def amount(s: pd.Series) -> pd.Series:
        return pd.to_numeric(s.str.replace("EUR", "").str.strip(), errors="coerce")

    s = TableSchema(
        "t",
        [
            Column("name", blank_expected="a name (required)"),
            Column(
                "budget",
                "custom",
                parse=amount,
                nullable=True,
                expected="an amount",
                checks=((lambda x: x < 0, "a non-negative amount"),),
            ),
        ],  # fmt: skip
    )
    df = pd.DataFrame({"name": ["a", "", "c", "d"], "budget": ["10 EUR", "5", "-1", "lots"]})
    assert problems(s, df) == [
        (3, "name", None, "a name (required)"),
        (4, "budget", "-1", "a non-negative amount"),
        (5, "budget", "lots", "an amount"),
    ]
    ok = s.validate(df.iloc[[0]], "t.csv")
    assert ok["budget"].tolist() == [10.0]


def test_unique_names_the_first_row_and_skips_wrong_cells():
    s = TableSchema(
        "t",
        [Column("unit"), Column("id"), Column("n", "int", low=0)],
        unique=[Unique("id", within=("unit",))],
    )
    df = pd.DataFrame(
        {"unit": ["A", "A", "B", "A"], "id": ["x", "y", "x", "x"], "n": ["1", "2", "3", "4"]}
    )
    assert problems(s, df) == [(5, "id", "x", "a unique id (already used in row 2)")]
    # rows are numbered as a spreadsheet shows them when the frame carries them
    df.attrs["source_row"] = [10, 11, 12, 13]
    assert problems(s, df)[0][:2] == (13, "id")


def test_table_check_with_a_message_per_row():
    s = TableSchema(
        "t",
        [Column("start", "int"), Column("end", "int")],
        checks=[Check("end", lambda t: t["end"] < t["start"], lambda t: "a year >= " + t["start"].astype(str))],
    )  # fmt: skip
    df = pd.DataFrame({"start": ["2020", "2021", "x"], "end": ["2021", "2019", "2000"]})
    got = problems(s, df)
    assert got == [(3, "end", "2019", "a year >= 2021"), (4, "start", "x", "a whole number")]


def test_missing_unknown_columns_prefix_and_private_values():
    s = TableSchema(
        "Cover",
        [Column("field"), Column("email", pattern=r".+@.+", role="identifier")],
        prefix="Cover!",
        extra_expected="field or email",
    )
    got = problems(s, pd.DataFrame({"feild": ["a"]}))
    assert got[0][:3] == (1, "Cover!field", None) and "misspelling" in got[0][3]
    assert got[2] == (1, "Cover!feild", "feild", "field or email (did you mean 'field'?)")
    got = problems(s, pd.DataFrame({"field": ["a"], "email": ["jane.doe"]}))
    assert got == [(2, "Cover!email", "(withheld)", "a value matching .+@.+")]


def test_numbers_refuse_nan_and_infinity():
    s = TableSchema("t", [Column("w", "float", low=0)])
    got = problems(s, pd.DataFrame({"w": ["nan", "inf", "1e400", "-1", "0,5"]}))
    assert [g[0] for g in got] == [2, 3, 4, 5]
    t = s.validate(pd.DataFrame({"w": ["0,5", "2"]}), "t.csv")
    np.testing.assert_array_equal(t["w"].to_numpy(), [0.5, 2.0])


def test_raise_false_keeps_problems_and_returns_typed_frame():
    s = TableSchema("t", [Column("n", "int")])
    t = s.validate(pd.DataFrame({"n": ["1", "x"]}), "t.csv", raise_=False)
    assert len(s.problems) == 1 and t["n"].isna().tolist() == [False, True]
