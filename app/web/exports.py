"""Tables as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX (openpyxl) downloads."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if value is None or isinstance(value, (int, float, date)):
        return value
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def download(headers: list[str], rows: list[list], filename: str, fmt: str) -> Response:
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = filename[:31]
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_cell(v) for v in row])
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width * 1.6), 60)
        out = io.BytesIO()
        book.save(out)
        body, mimetype = out.getvalue(), XLSX_TYPE
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows([[_cell(v) if not isinstance(v, (date, datetime)) else v.isoformat() for v in row]
                          for row in rows])
        body, mimetype = ("\ufeff" + out.getvalue()).encode("utf-8"), CSV_TYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
