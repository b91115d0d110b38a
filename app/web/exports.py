"""Tables as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX (openpyxl) downloads: headers
and the sheet's name in the reader's language, times in Beijing time to the minute."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from app import clock

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm"


def _cell(value):
    if isinstance(value, datetime):
        return clock.local(value).replace(tzinfo=None)  # Excel has no zones: Beijing's wall time
    if value is None or isinstance(value, (int, float, date)):
        return value
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet: neutralise it.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _text(value):
    if isinstance(value, (date, datetime)):
        return clock.beijing(value, TIME_FORMAT)
    return _cell(value)


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet1"


def download(headers: list[str], rows: list[list], filename: str, fmt: str, sheet: str | None = None) -> Response:
    """``filename`` is the file's (ASCII) name, ``sheet`` the worksheet's name as the reader
    reads it (translated by the caller)."""
    if fmt == "xlsx":
        book = Workbook()
        ws = book.active
        ws.title = sheet_title(sheet or filename)
        ws.append([str(h) for h in headers])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_cell(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = XLSX_TIME_FORMAT
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in column)
            ws.column_dimensions[column[0].column_letter].width = min(max(10, width * 1.6), 60)
        out = io.BytesIO()
        book.save(out)
        body, mimetype = out.getvalue(), XLSX_TYPE
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(h) for h in headers])
        writer.writerows([[_text(v) for v in row] for row in rows])
        body, mimetype = ("\ufeff" + out.getvalue()).encode("utf-8"), CSV_TYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
