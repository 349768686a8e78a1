#!/usr/bin/env python3
"""Writes small seed corpora for the fuzz targets into fuzz/corpus/<target>/ (not committed).

Seeds come from the repository (the normalizer's table of typed addresses, the demo city's
address points) and, when present, the real 311 samples in ../shared/data (or
/work/shared/data): the first rows of every CSV and the first records of every JSON file,
each once as `auto` and once as its own format. Run from anywhere:

    python3 fuzz/seed_corpus.py
"""

import csv
import hashlib
import io
import json
import os
import re
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "corpus")

# csv_rows: the first input byte picks the format (see fuzz_targets/csv_rows.rs); bit 7
# names the file .json instead of .csv
AUTO, PHILLY, NYC, CHICAGO, CSV, OPEN311, GEOJSON = range(7)
JSON_NAME = 0x80
# open311_post: the first byte picks the Content-Type
FORM, JSON_BODY = 0, 1


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def rust_unescape(s):
    s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), s)
    return s.replace('\\"', '"').replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")


def shared_data():
    for d in (os.path.join(ROOT, "..", "shared", "data"), "/work/shared/data"):
        if os.path.isdir(d):
            return d
    return None


def address_seeds():
    with open(os.path.join(ROOT, "src", "geocode", "normalize_tests.rs"), encoding="utf-8") as f:
        text = f.read()
    for m in re.finditer(r'^\s*\("((?:[^"\\]|\\.)*)",', text, re.M):
        write("address_normalizer", rust_unescape(m.group(1)))
    with open(os.path.join(ROOT, "fixtures", "demo", "addresses.csv"), encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i % 500 == 0:
                unit = f" APT {row['UNIT']}" if row["UNIT"] else ""
                write("address_normalizer", f"{row['NUMBER']} {row['STREET']}{unit}, "
                      f"{row['CITY']}, {row['REGION']} {row['POSTCODE']}")


def row_seeds(data_dir):
    formats = {"phl": PHILLY, "nyc": NYC, "chi": CHICAGO}
    for city in sorted(os.listdir(data_dir)):
        d = os.path.join(data_dir, city, "311")
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            own = formats.get(name[:3], CSV)
            if name.endswith(".csv"):
                with open(path, "rb") as f:
                    head = b"".join(f.readline() for _ in range(12))
                for sel in (AUTO, own, CSV):
                    write("csv_rows", bytes([sel]) + head)
                # every data row of the header's width, address column included, as an address
                for row in csv.DictReader(io.StringIO(head.decode("utf-8", "replace"))):
                    for key in ("address", "Incident Address"):
                        if row.get(key):
                            write("address_normalizer", row[key])
            elif name.endswith("json"):
                with open(path, "rb") as f:
                    doc = json.load(f)
                if isinstance(doc, dict) and "features" in doc:
                    doc["features"] = doc["features"][:4]
                    sels = (AUTO | JSON_NAME, own | JSON_NAME, GEOJSON)
                elif isinstance(doc, list):
                    doc = doc[:4]
                    sels = (AUTO | JSON_NAME, own | JSON_NAME, OPEN311)
                else:
                    continue
                body = json.dumps(doc).encode()
                for sel in sels:
                    write("csv_rows", bytes([sel]) + body)


def builtin_row_seeds():
    generic = ("service_request_id,service_code,status,requested_datetime,address,lat,lon\n"
               "1,pothole,open,2024-03-10 02:30:00,1234 N Broad St,39.97,-75.15\n"
               "2,graffiti,closed,3/12/2022 6:23,\"500 S 52nd St, Apt 2\",,\n"
               "3,streetlight,open,1568478540000,,0,0\n")
    for sel in (AUTO, CSV, PHILLY, NYC, CHICAGO):
        write("csv_rows", bytes([sel]) + generic.encode())
    open311 = json.dumps([{"service_request_id": "7", "service_code": "pothole",
                           "status": "open", "requested_datetime": "2024-11-03T01:30:00",
                           "lat": 39.9, "long": -75.1, "address": "100 MARKET ST"}])
    write("csv_rows", bytes([OPEN311]) + open311.encode())
    geo = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-87.6, 41.8]},
         "properties": {"service_request_id": "9", "sr_type": "Graffiti Removal",
                        "created_date": "2017-01-02T03:04:05"}}]})
    write("csv_rows", bytes([GEOJSON]) + geo.encode())


def post_seeds():
    forms = [
        "api_key=k&service_code=pothole&lat=39.95&long=-75.16&description=deep+hole",
        "api_key=k&service_code=graffiti&address_string=1234%20N%20Broad%20St&email=a%40b.org",
        "service_code=streetlight&lat=40&long=-75&media_url=https%3A%2F%2Fx.org%2Fa.jpg"
        "&first_name=Ann&phone=215-555-0100&attribute%5Bx%5D=1",
        "service_code=a&lat=91&long=0",
        "service_code=a&lat=NaN&long=inf",
    ]
    for body in forms:
        write("open311_post", bytes([FORM]) + body.encode())
    bodies = [
        {"api_key": "k", "service_code": "pothole", "lat": 39.95, "long": -75.16},
        {"service_code": "graffiti", "address_string": "N 12th & Market", "email": None},
        {"service_code": 5, "lat": "1e3", "long": True, "description": "x" * 20},
    ]
    for body in bodies:
        write("open311_post", bytes([JSON_BODY]) + json.dumps(body).encode())


def main():
    address_seeds()
    builtin_row_seeds()
    data_dir = shared_data()
    if data_dir:
        row_seeds(data_dir)
    else:
        print("no shared data found: built-in CSV seeds only", file=sys.stderr)
    post_seeds()
    for target in sorted(os.listdir(CORPUS)):
        n = len(os.listdir(os.path.join(CORPUS, target)))
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
