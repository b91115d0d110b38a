"""Reference data: the real division tree of Yunnan, each division's IT office, the
provincial departments (from reference/*.csv, copied from the programme's shared data)."""
from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import Division, Organisation, OrgKind
from app.models.vocabulary import DivisionLevel

PROVINCE_CODE = "530000"
LEAD_OFFICE_CODE = "XXB"


def it_office_code(division_code: str) -> str:
    return f"IT{division_code}"


def load_reference_data(data_dir: str) -> dict[str, int]:
    """Insert what is missing; running it again changes nothing."""
    folder = Path(data_dir)
    session = db.session
    known_div = set(session.scalars(sa.select(Division.code)))
    known_org = set(session.scalars(sa.select(Organisation.code)))
    added = {"divisions": 0, "organisations": 0}
    with (folder / "yunnan-divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # parents come before children in the file
        if row["code"] not in known_div:
            session.add(Division(code=row["code"], name=row["name"], level=DivisionLevel(row["level"]),
                                 parent_code=row["parent_code"] or None,
                                 longitude=float(row["longitude"]) if row["longitude"] else None,
                                 latitude=float(row["latitude"]) if row["latitude"] else None))
            added["divisions"] += 1
    session.flush()
    for row in rows:
        if row["level"] == "province" or it_office_code(row["code"]) in known_org:
            continue
        session.add(Organisation(code=it_office_code(row["code"]), name=f"{row['name']}信息化主管部门",
                                 short_name=f"{row['name']}信息办", kind=OrgKind.IT_OFFICE,
                                 division_code=row["code"]))
        added["organisations"] += 1
    with (folder / "provincial-departments.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] in known_org:
                continue
            kind = OrgKind.IT_OFFICE if row["code"] == LEAD_OFFICE_CODE else OrgKind.DEPARTMENT
            session.add(Organisation(code=row["code"], name=row["name"], short_name=row["short_name"],
                                     kind=kind, division_code=PROVINCE_CODE))
            added["organisations"] += 1
    session.flush()
    return added
