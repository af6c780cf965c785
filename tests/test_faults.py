"""Faults a hostile user found in file input and output, one table per class of fault.

Every file is made in the test; each case states what went wrong before the fix.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from classifier import InputError, Model
from classifier.atomic import atomic_path
from classifier.batch import classify_file
from classifier.cells import as_text, protect, unprotect
from classifier.cli import app
from classifier.data import LabelledData
from classifier.encoding import detect_encoding
from classifier.evaluate import evaluate, write_evaluation
from classifier.report import build_report
from classifier.tables import TableWriter, read_table

runner = CliRunner()
TEXTS = ["Нет горячей воды; совсем; третий день", "Мусор; баки полные", "Яма на дороге"]


@pytest.fixture(scope="module")
def model_file(fitted_model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "appeals.joblib"
    return Model(pipeline=fitted_model.pipeline, metadata={}).save(path)


def write_bytes(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# 1. Delimiters: decided from the header line, rows checked against it.

ONE_COLUMN = "text\n" + "".join(f"{TEXTS[i % 3]} {i}\n" for i in range(40))


@pytest.mark.parametrize(
    "content, expected",
    [
        # The sniffer picked ';' and cut every text to its last piece.
        (ONE_COLUMN, {"text": [f"{TEXTS[i % 3]} {i}" for i in range(40)]}),
        ("text\nа, б, в\nг; д\n", {"text": ["а, б, в", "г; д"]}),
        ("text\nа\x1fб\n", {"text": ["а\x1fб"]}),  # the one-column reader's own delimiter
        ("id;text\n00123;Нет воды, совсем\n", {"id": ["00123"], "text": ["Нет воды, совсем"]}),
        ("id\ttext\n7\tЯма; лужа, грязь\n", {"id": ["7"], "text": ["Яма; лужа, грязь"]}),
        # A header that ends in a delimiter names an empty column: the rows fit.
        ("id,text,\n00123,текст,\n", {"id": ["00123"], "text": ["текст"], "column_3": [""]}),
        # A short row gets empty cells, never a shift.
        ("id,text,x\n1,a\n", {"id": ["1"], "text": ["a"], "x": [""]}),
    ],
)
def test_csv_columns_come_from_the_header(tmp_path: Path, content: str, expected: dict) -> None:
    path = write_bytes(tmp_path / "in.csv", content.encode("utf-8"))
    assert read_table(path).to_dict("list") == expected


@pytest.mark.parametrize(
    "content, message",
    [
        # pandas took the first column as the index: the id was lost, the columns shifted.
        ("id,text\n00123,текст,\n2,b,\n", "row 2 has 3 fields but the header has 2"),
        ("id,text\n1,a\n2,b,c\n", "row 3 has 3 fields but the header has 2"),
        ('id,text\n1,"много\nстрок"\n2,b,c\n', "row 3 (line 4) has 3 fields"),
        # A quote left open swallowed the rest of the file into one text.
        (
            'id,text\n1,"Нет воды\n2,Мусор\n3,Яма\n',
            "row 2 (line 4): a quote is opened and never closed",
        ),
        ('id,text\n1,"Нет" воды\n', "row 2 (line 2): the text goes on after its closing quote"),
        ('text\n"Нет" воды\n', "row 2 (line 2): the text goes on after its closing quote"),
    ],
)
def test_csv_rows_with_more_fields_are_named(tmp_path: Path, content: str, message: str) -> None:
    path = write_bytes(tmp_path / "in.csv", content.encode("utf-8"))
    with pytest.raises(InputError, match=re.escape(message)):
        read_table(path)


# 2. Types: only the text column is coerced, and only for classification.

PARQUET = pa.table(
    {
        "id": pa.array([1, None, 3], pa.int64()),
        "tags": pa.array([["a", "b"], None, []]),
        "meta": pa.array([{"k": 1}, None, {"k": 2}]),
        "when": pa.array([dt.datetime(2026, 1, 2, 3, 4), None, dt.datetime(2026, 5, 6)]),
        "flag": pa.array([True, None, False]),
        "text": pa.array(["Нет воды", None, ""]),
    }
)
JSON_ROWS = [
    {"id": 1, "score": 2.5, "ok": True, "nested": {"a": [1, {"b": None}]}, "text": "Яма"},
    {"id": 2, "score": None, "ok": False, "nested": [], "text": None},
    {"id": 30000000000000001, "score": 1e-300, "ok": None, "nested": "x", "text": 12},
]


def test_parquet_types_survive(fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(PARQUET, src)
    classify_file(src, tmp_path / "out.parquet", model=fitted_model)
    out = pq.read_table(tmp_path / "out.parquet")
    for name in PARQUET.column_names:
        assert out.schema.field(name).type == PARQUET.schema.field(name).type, name
    assert out.select(PARQUET.column_names).to_pylist() == PARQUET.to_pylist()
    assert out.column("label").to_pylist()[1:] == ["", ""]  # a null text is an empty text


def test_parquet_to_jsonl_keeps_values(fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "in.parquet"
    pq.write_table(PARQUET, src)
    classify_file(src, tmp_path / "out.jsonl", model=fitted_model)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    records = [{k: r[k] for k in PARQUET.column_names} for r in records]
    assert records[1] == dict.fromkeys(PARQUET.column_names)  # nulls stay null
    assert records[0] == {
        "id": 1,
        "tags": ["a", "b"],
        "meta": {"k": 1},
        "when": "2026-01-02T03:04:00",
        "flag": True,
        "text": "Нет воды",
    }


def test_jsonl_values_survive(fitted_model: Model, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in JSON_ROWS), encoding="utf-8")
    classify_file(src, tmp_path / "out.jsonl", model=fitted_model, chunksize=2)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [{k: r[k] for k in JSON_ROWS[0]} for r in records] == JSON_ROWS
    assert records[1]["label"] == "" and records[1]["confidence"] is None
    assert records[2]["label"] != ""  # the number 12 is classified as the text "12"


def test_xlsx_numbers_and_dates_survive(fitted_model: Model, tmp_path: Path) -> None:
    when = dt.datetime(2026, 3, 4, 5, 6)
    src = write_xlsx(
        tmp_path / "in.xlsx", {"s": [["id", "n", "when", "text"], [7, 2.5, when, "Яма"]]}
    )
    classify_file(src, tmp_path / "out.xlsx", model=fitted_model)
    sheet = load_workbook(tmp_path / "out.xlsx").active
    assert [c.value for c in sheet[2]][:4] == [7, 2.5, when, "Яма"]


def test_csv_cells_stay_strings(fitted_model: Model, tmp_path: Path) -> None:
    src = write_bytes(tmp_path / "in.csv", "id,n,text\n00123,1.50,Яма\n".encode())
    classify_file(src, tmp_path / "out.csv", model=fitted_model)
    out = read_table(tmp_path / "out.csv")
    assert out[["id", "n", "text"]].to_dict("records") == [
        {"id": "00123", "n": "1.50", "text": "Яма"}
    ]


# 3. Two runs writing one output at once: each has its own temporary file.


def test_interleaved_writers_never_tear_the_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    first, second = TableWriter(out), TableWriter(out)
    for i in range(3):
        first.write(pd.DataFrame({"text": [f"first {i}"]}))
        second.write(pd.DataFrame({"text": [f"second {i}"]}))
    first.close()
    assert read_table(out)["text"].tolist() == [f"first {i}" for i in range(3)]
    second.close()  # the last rename wins, and the file is whole
    assert read_table(out)["text"].tolist() == [f"second {i}" for i in range(3)]
    assert list(tmp_path.iterdir()) == [out]


def test_concurrent_runs_leave_one_whole_output(fitted_model: Model, tmp_path: Path) -> None:
    sources = []
    for name in ("a", "b"):
        frame = pd.DataFrame(
            {"run": [name] * 50, "text": [f"{TEXTS[i % 3]} {i}" for i in range(50)]}
        )
        sources.append(TableWriter(tmp_path / f"{name}.csv"))
        sources[-1].write(frame)
        sources[-1].close()
    out = tmp_path / "out.csv"
    runs = [
        threading.Thread(
            target=classify_file,
            args=(tmp_path / f"{name}.csv", out),
            kwargs={"model": fitted_model, "chunksize": 3},
        )
        for name in ("a", "b")
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    result = read_table(out)
    assert len(result) == 50 and result["run"].nunique() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "out.csv"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    out.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(out) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError
    assert out.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [out]


# 4. Texts that look like formulas: XLSX text cells, Excel-safe CSV.

FORMULA_TEXTS = ["=1+2", "+7 912", "-минус", "@user", "\tтаб", "\rcr", "'цитата", "'=x", "''+y"]


@pytest.mark.parametrize("target", ["out.xlsx", "out.csv", "out.tsv"])
def test_formula_like_texts_round_trip(fitted_model: Model, tmp_path: Path, target: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in FORMULA_TEXTS),
        encoding="utf-8",
    )
    classify_file(src, tmp_path / target, model=fitted_model)
    expected = FORMULA_TEXTS
    if target.endswith(".xlsx"):
        # XML reads a carriage return as a line feed: the one change XLSX makes to a text.
        expected = [t.replace("\r", "\n") for t in FORMULA_TEXTS]
    assert read_table(tmp_path / target)["text"].tolist() == expected
    if target.endswith(".xlsx"):
        cells = [row[0] for row in load_workbook(tmp_path / target).active.iter_rows(min_row=2)]
        assert [c.data_type for c in cells] == ["s"] * len(FORMULA_TEXTS)


@pytest.mark.parametrize(
    "excel_safe, encoding, lines",
    [
        (True, "utf-8-sig", ["'=1+2", "'+7 912", "'-минус", "'@user", "'''=x", "'цитата"]),
        (False, "utf-8", ["=1+2", "+7 912", "-минус", "@user", "''=x", "'цитата"]),
    ],
)
def test_csv_output_is_safe_for_excel_by_default(
    tmp_path: Path, excel_safe: bool, encoding: str, lines: list[str]
) -> None:
    texts = ["=1+2", "+7 912", "-минус", "@user", "''=x", "'цитата"]
    out = tmp_path / "out.csv"
    with TableWriter(out, excel_safe=excel_safe) as writer:
        writer.write(pd.DataFrame({"text": texts}))
    content = out.read_bytes()
    assert content.startswith(codecs.BOM_UTF8) == excel_safe
    assert content.decode(encoding).splitlines() == ["text", *lines]
    # Plain CSV has no protection to undo: the reader takes a quote off "''=x".
    assert read_table(out)["text"].tolist() == (
        texts if excel_safe else list(map(unprotect, lines))
    )


def test_cli_evaluate_plain_csv(model_file: Path, tmp_path: Path) -> None:
    data = write_bytes(tmp_path / "in.csv", b"text,label\n=Yama,waste\n=Musor,roads\n")
    out = tmp_path / "eval"
    args = ["evaluate", str(data), "--model", str(model_file), "-o", str(out), "--plain-csv"]
    assert runner.invoke(app, args).exit_code == 0
    content = (out / "errors.csv").read_bytes()
    assert content.startswith(b"text,label,") and b"'=" not in content


def test_errors_csv_is_excel_safe(fitted_model: Model, tmp_path: Path) -> None:
    data = LabelledData(['=HYPERLINK("x")', "@мусор"], ["roads", "roads"], path=Path("x.csv"))
    write_evaluation(evaluate(fitted_model, data), tmp_path / "eval")
    content = (tmp_path / "eval" / "errors.csv").read_bytes()
    assert content.startswith(codecs.BOM_UTF8)
    assert b"\n=" not in content and b"\n@" not in content
    assert set(read_table(tmp_path / "eval" / "errors.csv")["text"]) <= set(data.texts)


@given(st.text())
def test_protect_is_undone_exactly(text: str) -> None:
    assert unprotect(protect(text)) == text
    assert not protect(text)[:1] or protect(text)[0] not in "=+-@\t\r"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    texts=st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
        min_size=1,
        max_size=5,
    ),
    excel_safe=st.booleans(),
    suffix=st.sampled_from([".csv", ".tsv", ".jsonl", ".parquet"]),
    with_id=st.booleans(),
)
def test_any_text_round_trips(
    tmp_path: Path, texts: list[str], excel_safe: bool, suffix: str, with_id: bool
) -> None:
    out = tmp_path / f"out{suffix}"
    frame = pd.DataFrame({"id": [f"{i:05d}" for i in range(len(texts))], "text": texts})
    if not with_id:
        frame = frame[["text"]]  # a one-column file: commas and semicolons stay in the texts
    with TableWriter(out, excel_safe=excel_safe) as writer:
        writer.write(frame)
    back = read_table(out)
    assert list(back.columns) == list(frame.columns)
    if with_id:
        assert back["id"].tolist() == frame["id"].tolist()
    if suffix in (".csv", ".tsv") and not excel_safe:
        # Plain CSV has no protection to undo: a text that looks protected loses a quote.
        texts = [unprotect(t) for t in texts]
    assert back["text"].tolist() == texts


# 5. XLSX sheets: the first sheet with values, or the one asked for; a note says which.


@pytest.mark.parametrize(
    "sheets, sheet, texts, note",
    [
        (
            {"Пустой": [], "Обращения": [["text"], *([t] for t in TEXTS)]},
            None,
            TEXTS,
            "read sheet 'Обращения' of 2 (sheets 'Пустой' are empty)",
        ),
        (
            {"a": [["text"], ["первый"]], "b": [["text"], ["второй"]]},
            "b",
            ["второй"],
            None,
        ),
        ({"only": [["text"], ["один"]]}, None, ["один"], None),
        ({"a": [["text"], ["x"]], "пустой": []}, "пустой", None, None),
    ],
)
def test_xlsx_sheet_choice(
    tmp_path: Path, sheets: dict, sheet: str | None, texts: list[str], note: str | None
) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", sheets)
    notes: list[str] = []
    frame = read_table(path, sheet=sheet, on_note=notes.append)
    assert frame["text"].tolist() == texts if texts is not None else frame.empty
    assert [n.split(": ", 1)[1] for n in notes] == ([note] if note else [])


def test_cli_classify_names_the_sheet(model_file: Path, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "in.xlsx", {"Лист1": [], "Данные": [["text"], *([t] for t in TEXTS)]}
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["classify", str(path), "-o", str(out), "--model", str(model_file)])
    assert result.exit_code == 0, result.output
    assert "read sheet 'Данные'" in result.output and "3 rows" in result.output
    result = runner.invoke(
        app, ["classify", str(path), "-o", str(out), "--model", str(model_file), "--sheet", "Нет"]
    )
    assert (
        result.exit_code == 2 and "no sheet named 'Нет'; sheets: 'Лист1', 'Данные'" in result.output
    )


# 6. Encodings: UTF-8 on the whole file, else the most Russian-looking 8-bit code.

SHORT = "Нет воды"
LATE = "id,text\n" + "".join(f"{i},ok\n" for i in range(20_000)) + "20000,Прорвало трубу\n"


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("cp1251", LATE),  # the first Cyrillic after 64 KB was refused
        ("koi8_r", f"text\n{SHORT}\n"),  # read as cp1251 and written garbled
        ("cp866", f"text\n{SHORT}\n"),
        ("koi8_r", "text\nЯма\n"),
        ("cp866", "text\nЖКХ опять\n"),
        ("cp1251", "text\nДым\n"),
        ("utf-8", LATE),
        ("utf-8-sig", f"text\n{SHORT}\n"),
        ("utf-16", f"text\n{SHORT}\n"),
        ("cp866", "text\nяма яма\n"),  # valid UTF-8 by chance: U+FB20 twice
        ("utf-8", "text\nok 😡 café\n"),  # non-ASCII, no Cyrillic: stays UTF-8
    ],
)
def test_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    path = write_bytes(tmp_path / "in.csv", text.encode(encoding))
    assert read_table(path)["text"].tolist()[-1] == text.splitlines()[-1].split(",")[-1]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(
        st.sampled_from(
            [
                "нет",
                "воды",
                "мусор",
                "яма",
                "дорога",
                "двор",
                "подъезд",
                "отопление",
                "свалка",
                "дым",
                "запах",
                "жалоба",
                "ремонт",
                "крыша",
                "опять",
                "третий",
                "день",
                "Прошу",
                "Помогите",
            ]
        ),
        min_size=2,
        max_size=6,
    ),
    encoding=st.sampled_from(["cp1251", "koi8_r", "cp866"]),
)
def test_short_russian_texts_are_decoded(tmp_path: Path, words: list[str], encoding: str) -> None:
    path = write_bytes(tmp_path / "in.csv", ("text\n" + " ".join(words) + "\n").encode(encoding))
    assert detect_encoding(path).replace("-", "_") == encoding


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"text": "a"}\n{"text": "b",}\n', r"line 2, column 14"),
        ('{"text": "a"}\n\n["x"]\n', "line 3: a JSON object"),
        ('{"text": "a", "text": "b"}\n', "line 1: the key 'text' appears twice"),
        ('{"text": "a"}\n{"text": "\xff"}\n'.encode("latin-1"), "line 2: not UTF-8"),
    ],
)
def test_jsonl_errors_name_the_line(tmp_path: Path, content: str | bytes, message: str) -> None:
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    path = write_bytes(tmp_path / "in.jsonl", data)
    with pytest.raises(InputError, match=message):
        read_table(path)


def test_jsonl_with_a_bom(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "in.jsonl", codecs.BOM_UTF8 + '{"text": "Яма"}\n'.encode())
    assert read_table(path)["text"].tolist() == ["Яма"]


# 7. and 8. One clear line, exit code 2, for each bad input or output.


def _dup_parquet(path: Path) -> Path:
    pq.write_table(pa.table([pa.array(["a"]), pa.array(["b"])], names=["text", "text"]), path)
    return path


DUPLICATES: list[tuple[str, Callable[[Path], Path]]] = [
    ("csv", lambda p: write_bytes(p.with_suffix(".csv"), b"id,text,id\n1,a,2\n")),
    ("xlsx", lambda p: write_xlsx(p.with_suffix(".xlsx"), {"s": [["text", "text"], ["a", "b"]]})),
    ("parquet", lambda p: _dup_parquet(p.with_suffix(".parquet"))),
]


@pytest.mark.parametrize("make", [m for _, m in DUPLICATES], ids=[n for n, _ in DUPLICATES])
def test_duplicate_columns_are_refused(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path / "in")
    with pytest.raises(InputError, match=r"the column name '(id|text)' appears twice") as error:
        read_table(path)
    assert str(error.value).startswith(str(path))


def _csv(tmp_path: Path, content: str) -> str:
    return str(write_bytes(tmp_path / "in.csv", content.encode("utf-8")))


@pytest.mark.parametrize(
    "command, make_args, message",
    [
        ("report", lambda t: [_csv(t, "text\n"), "-o", str(t / "r")], "no appeal has a text"),
        ("report", lambda t: [_csv(t, 'text\n""\n" "\n'), "-o", str(t / "r")], "all 2 are empty"),
        ("evaluate", lambda t: [_csv(t, "text,label\n")], "column 'text': no row has a text"),
        ("evaluate", lambda t: [_csv(t, "text,label\n,waste\n")], "(all 1 are empty)"),
        (
            "report",
            lambda t: [_csv(t, "text,date\nЯма,вчера\n"), "-o", str(t / "r"), "--method", "cc"],
            "in.csv: column 'date': 1 value(s) are not dates (rows 2)",
        ),
        (
            "report",
            lambda t: [_csv(t, "text\nЯма\n"), "-o", _csv(t, "text\nЯма\n")],
            "--out is a file, not a folder",
        ),
        (
            "evaluate",
            lambda t: [_csv(t, "text,label\nЯма,roads\n"), "-o", _csv(t, "x\n")],
            "--out is a file, not a folder",
        ),
        (
            "classify",
            lambda t: [_csv(t, "text\nЯма\n"), "-o", str(t / "missing" / "out.csv")],
            "the folder",
        ),
        ("classify", lambda t: [_csv(t, "text\nЯма\n"), "-o", str(t)], "output is a folder"),
        (
            "classify",
            lambda t: [_csv(t, "id,text\n00123,текст,\n"), "-o", str(t / "o.csv")],
            "in.csv: row 2 has 3 fields but the header has 2",
        ),
        (
            "classify",
            lambda t: [_csv(t, "text,text\na,b\n"), "-o", str(t / "o.csv")],
            "the column name 'text' appears twice",
        ),
        (
            "classify",
            lambda t: [_csv(t, "text\nok\nvertical\x0btab\n"), "-o", str(t / "o.xlsx")],
            "o.xlsx: row 3, column 'text': the text has control characters",
        ),
        (
            "classify",
            lambda t: [_csv(t, "text\nok\n"), "-o", str(t / "o.csv"), "--sheet", "A"],
            "only an XLSX file has sheets",
        ),
        (
            "classify",
            lambda t: [
                _csv(t, "text\nok\n"),
                "-o",
                str(t / "o.csv"),
                "--sheet",
                "A",
                "--dask",
                "local",
            ],
            "--sheet reads an XLSX file; --dask reads CSV or Parquet",
        ),
    ],
)
def test_cli_errors_are_one_line(
    model_file: Path, tmp_path: Path, command: str, make_args: Callable, message: str
) -> None:
    args = make_args(tmp_path)
    result = runner.invoke(app, [command, *args, "--model", str(model_file)])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert not [p for p in tmp_path.rglob("*") if ".partial" in p.name]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_folder(fitted_model: Model, tmp_path: Path) -> None:
    src = write_bytes(tmp_path / "in.csv", "text\nЯма\n".encode())
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(InputError, match="is not writable"):
            classify_file(src, folder / "out.csv", model=fitted_model)
    finally:
        folder.chmod(0o755)


def test_date_error_names_file_and_column(fitted_model: Model) -> None:
    with pytest.raises(InputError, match=r"^month\.xlsx: column 'created': 1 value\(s\)"):
        build_report(
            fitted_model,
            ["a", "b", "c"],
            dates=[dt.datetime(2026, 1, 1), None, "никогда"],
            method="cc",
            n_boot=0,
            source="month.xlsx",
            date_col="created",
        )


def test_text_coercion_is_the_callers_choice() -> None:
    column = pd.Series(["a", None, 5, float("nan"), pd.NA], dtype=object)
    assert as_text(column).tolist() == ["a", "", "5", "", ""]


# 9. The normalizer's idempotence is a property test in tests/test_normalize.py.

# Found while fixing the above.


@pytest.mark.parametrize(
    "make, columns",
    [
        (lambda p: write_xlsx(p.with_suffix(".xlsx"), {"s": [["id", "text"]]}), ["id", "text"]),
        (lambda p: write_bytes(p.with_suffix(".csv"), b"id;text\r\n"), ["id", "text"]),
        (lambda p: write_bytes(p.with_suffix(".csv"), b""), []),
        (lambda p: write_bytes(p.with_suffix(".jsonl"), b"\n"), []),
    ],
)
def test_tables_without_rows(tmp_path: Path, make: Callable[[Path], Path], columns: list) -> None:
    frame = read_table(make(tmp_path / "in"))
    assert len(frame) == 0 and list(frame.columns) == columns


def test_xlsx_values_beyond_the_header_are_kept(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "in.xlsx", {"s": [["text"], ["a"], ["b", None, "x"]]})
    frame = read_table(path)
    assert list(frame.columns) == ["text", "column_2", "column_3"]
    assert frame["column_3"].tolist() == [None, "x"]


def test_parquet_column_of_mixed_types_is_named(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": pd.Series([1, "a"], dtype=object), "text": ["x", "y"]})
    with (
        pytest.raises(InputError, match=r"column 'id' mixes value types \(int, str\)"),
        TableWriter(tmp_path / "out.parquet") as writer,
    ):
        writer.write(frame)
    assert list(tmp_path.iterdir()) == []


def test_labelled_data_says_which_sheet_was_read(tmp_path: Path) -> None:
    from classifier import read_labelled

    path = write_xlsx(
        tmp_path / "in.xlsx", {"Пусто": [], "Данные": [["text", "label"], ["Яма", "дороги"]]}
    )
    data = read_labelled(path)
    assert data.labels == ["roads"]
    assert "read sheet 'Данные' of 2" in data.notes()[0]
