#!/usr/bin/env python3
"""Writes the published forms of tests/forms/ as files, by software other
than jixiao's: openpyxl (.xlsx), LibreOffice Calc (.xls, .ods, from that
workbook), python-docx (.docx), Python's csv module (.csv).

    make_forms.py            every form into tests/fixtures/forms/<part>/, and MANIFEST.tsv
    make_forms.py part ID    the part the split rule gives ID (dev or heldout)
    make_forms.py place      moves tests/forms/new/<id>.toml (+ .truth.toml) to their part

The split rule (README.md): held out when the first byte of
SHA-256("jixiao-split:" + id) is below 128, unless moved.toml moves it.
Needs python3 (3.11: tomllib) with openpyxl and python-docx, and soffice for
.xls/.ods.
"""
import csv
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT = REPO / "tests/fixtures/forms"
PARTS = ("dev", "heldout")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def part_of(form_id: str) -> str:
    digest = hashlib.sha256(("jixiao-split:" + form_id).encode()).digest()
    return "heldout" if digest[0] < 128 else "dev"


def moved() -> dict:
    path = HERE / "moved.toml"
    if not path.exists():
        return {}
    return {m["id"]: m for m in tomllib.loads(path.read_text("utf-8")).get("moved", [])}


def cell_value(text: str, numbers: bool):
    """A cell as the form holds it: a number where it reads as one."""
    if text.startswith("'"):
        return text[1:]
    if numbers and NUMBER.match(text.strip()):
        t = text.strip()
        return float(t) if "." in t else int(t)
    return text


def check(form_id: str, form: dict):
    for key in ("province", "issuer", "year", "source", "format", "sheets"):
        if key not in form:
            sys.exit(f"{form_id}: no `{key}`")
    if form["format"] not in ("xlsx", "xls", "ods", "docx", "csv"):
        sys.exit(f"{form_id}: format {form['format']!r}")
    for sheet in form["sheets"]:
        widths = {len(r) for r in sheet["rows"]}
        if len(widths) > 1:
            sys.exit(f"{form_id}: sheet {sheet.get('name')!r} has rows of widths {sorted(widths)}")


def write_xlsx(form: dict, path: Path):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    wrap = Alignment(wrap_text=True, vertical="center")
    wb = Workbook()
    wb.remove(wb.active)
    numbers = form.get("numbers", True)
    for k, sheet in enumerate(form["sheets"]):
        ws = wb.create_sheet(sheet.get("name") or f"Sheet{k + 1}")
        for r, row in enumerate(sheet["rows"], start=1):
            for c, text in enumerate(row, start=1):
                if text == "":
                    continue
                cell = ws.cell(r, c, cell_value(text, numbers))
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # a published "=100%" is text, not a formula
                if "\n" in str(text):
                    cell.alignment = wrap
        for rng in sheet.get("merges", []):
            ws.merge_cells(rng)
    wb.save(path)


def convert(xlsx: Path, target: str, out_dir: Path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice not found: apt-get install libreoffice-calc")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", target, "--outdir", str(out_dir), str(xlsx)],
            check=True, stdout=subprocess.DEVNULL)


def a1(ref: str):
    m = re.match(r"^([A-Z]+)(\d+)$", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def write_docx(form: dict, path: Path):
    from docx import Document

    doc = Document()
    for sheet in form["sheets"]:
        for p in sheet.get("paragraphs", []):
            doc.add_paragraph(p)
        if sheet.get("title"):
            doc.add_paragraph(sheet["title"])
        rows = sheet["rows"]
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        table.style = "Table Grid"
        covered = set()
        for rng in sheet.get("merges", []):
            (r0, c0), (r1, c1) = (a1(x) for x in rng.split(":"))
            table.cell(r0, c0).merge(table.cell(r1, c1))
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                if text and (r, c) not in covered:
                    table.cell(r, c).text = text.lstrip("'") if text.startswith("'") else text
    doc.save(path)


def write_csv(form: dict, path: Path):
    encoding = form.get("encoding", "gbk")
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        for row in form["sheets"][0]["rows"]:
            w.writerow([t[1:] if t.startswith("'") else t for t in row])


def write_form(form_id: str, form: dict, out_dir: Path) -> Path:
    fmt = form["format"]
    target = out_dir / f"{form_id}.{fmt}"
    if fmt == "docx":
        write_docx(form, target)
    elif fmt == "csv":
        write_csv(form, target)
    elif fmt == "xlsx":
        write_xlsx(form, target)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            xlsx = Path(tmp) / f"{form_id}.xlsx"
            write_xlsx(form, xlsx)
            convert(xlsx, fmt, out_dir)
    return target


def forms():
    """(part, id, path of the .toml) of every form, checking its place."""
    found, moves = [], moved()
    for part in PARTS:
        for path in sorted((HERE / part).glob("*.toml")):
            if path.name.endswith(".truth.toml"):
                continue
            form_id = path.stem
            want = "dev" if form_id in moves else part_of(form_id)
            if want != part:
                sys.exit(f"{path}: the split rule puts {form_id} in {want}/")
            if not path.with_name(form_id + ".truth.toml").exists():
                sys.exit(f"{path}: no {form_id}.truth.toml beside it")
            found.append((part, form_id, path))
    return found


def make_all():
    manifest = ["part\tid\tfile\tsha256"]
    for part in PARTS:
        shutil.rmtree(OUT / part, ignore_errors=True)
        (OUT / part).mkdir(parents=True)
    for part, form_id, path in forms():
        raw = path.read_bytes()
        form = tomllib.loads(raw.decode("utf-8"))
        check(form_id, form)
        target = write_form(form_id, form, OUT / part)
        manifest.append(f"{part}\t{form_id}\t{target.name}\t{hashlib.sha256(raw).hexdigest()}")
        print(f"wrote {target.relative_to(REPO)}")
    (OUT / "MANIFEST.tsv").write_text("\n".join(manifest) + "\n", encoding="utf-8")


def place():
    new = HERE / "new"
    for path in sorted(new.glob("*.toml")):
        if path.name.endswith(".truth.toml"):
            continue
        form_id = path.stem
        part = "dev" if form_id in moved() else part_of(form_id)
        (HERE / part).mkdir(exist_ok=True)
        for f in (path, path.with_name(form_id + ".truth.toml")):
            f.rename(HERE / part / f.name)
        print(f"{form_id}: placed")


if __name__ == "__main__":
    if sys.argv[1:2] == ["part"]:
        print(part_of(sys.argv[2]))
    elif sys.argv[1:2] == ["place"]:
        place()
    else:
        make_all()
