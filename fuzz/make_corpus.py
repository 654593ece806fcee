#!/usr/bin/env python3
"""Writes the seed corpora of the fuzzers: a few small valid inputs of each kind.

Every seed starts with the options byte the fuzzer reads first (see fuzz_csv.cpp and
fuzz_idx.cpp). The files are committed; rerun this script after changing it. Crashing inputs
found later are committed next to the seeds under their own names (crash-*, regress-*), and
this script leaves them alone.
"""
import gzip
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent

# Options byte of fuzz_csv: delimiter in bits 0-1, header mode in bits 2-3, float64 in bit 4.
COMMA, SEMICOLON, TAB, SPACE = 0, 1, 2, 3
PRESENT, ABSENT = 4, 8
FLOAT64 = 16

CSV_SEEDS = {
    "header.csv": (COMMA, b"x, y ,label\n1,2.5,0\n-3,4e2,1\n"),
    "no_header.csv": (COMMA | FLOAT64, b"1,2,3\n4,5,6\n"),
    "semicolon_crlf.csv": (SEMICOLON, b"a;b\r\n\r\n\"3\";+4\r\n-0.5;1e-3\r\n"),
    "tab_absent.csv": (TAB | ABSENT, b"5\t6\n7\t8"),
    "space_present.csv": (SPACE | PRESENT, b"10 20\n1 2\n"),
    "quoted.csv": (COMMA, b"\"price, in $\",\"the \"\"best\"\" guess\",plain\n\"1.5\",2, 3\n"),
    "bad_cell.csv": (COMMA, b"a,b\n1,2\nx1,4\n"),
}

# IDX element types: code, struct format of one big-endian value.
IDX_TYPES = {
    "uint8": (0x08, ">B"),
    "int8": (0x09, ">b"),
    "int16": (0x0B, ">h"),
    "int32": (0x0C, ">i"),
    "float32": (0x0D, ">f"),
    "float64": (0x0E, ">d"),
}


def idx_bytes(type_name, dims, values):
    code, fmt = IDX_TYPES[type_name]
    header = bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
    return header + b"".join(struct.pack(fmt, v) for v in values)


# Options byte of fuzz_idx: dtype in bits 0-1 (unset, float32, float64, int64), scale in bit 2,
# and bit 3 to have the fuzzer gzip the rest itself.
UNSET, TO_FLOAT32, TO_FLOAT64, TO_INT64, SCALE, WRAP = 0, 1, 2, 3, 4, 8

IDX_SEEDS = {
    "uint8_2x3.idx": (UNSET, idx_bytes("uint8", [2, 3], range(6)), False),
    "uint8_scaled.idx": (SCALE, idx_bytes("uint8", [1, 2, 2], [0, 17, 128, 255]), False),
    "int8.idx": (UNSET, idx_bytes("int8", [4], [-128, -1, 0, 127]), False),
    "int16_f32.idx": (TO_FLOAT32, idx_bytes("int16", [3], [-32768, 5, 32767]), False),
    "int32_4d.idx": (UNSET, idx_bytes("int32", [1, 2, 1, 2], [-2**31, -1, 7, 2**31 - 1]), False),
    "float32.idx": (UNSET, idx_bytes("float32", [2], [0.5, -1e30]), False),
    "float64_f32.idx": (TO_FLOAT32, idx_bytes("float64", [2], [-0.25, 1e300]), False),
    "uint8_int64.idx": (TO_INT64, idx_bytes("uint8", [3], [1, 9, 0]), False),
    "uint8.idx.gz": (UNSET, idx_bytes("uint8", [2, 2], [1, 2, 3, 4]), True),
    "float64.idx.gz": (UNSET, idx_bytes("float64", [2], [3.0, -7.5]), True),
    "int16_wrapped.idx": (WRAP, idx_bytes("int16", [2, 2], [-300, 0, 1, 300]), False),
}


def main():
    csv_dir = HERE / "corpus" / "csv"
    idx_dir = HERE / "corpus" / "idx"
    csv_dir.mkdir(parents=True, exist_ok=True)
    idx_dir.mkdir(parents=True, exist_ok=True)
    for name, (options, text) in CSV_SEEDS.items():
        (csv_dir / name).write_bytes(bytes([options]) + text)
    for name, (options, data, compress) in IDX_SEEDS.items():
        if compress:
            # mtime=0 keeps the committed files byte-identical from run to run.
            data = gzip.compress(data, mtime=0)
        (idx_dir / name).write_bytes(bytes([options]) + data)
    # Two gzip members back to back, the header in one and the values in the other.
    raw = idx_bytes("uint8", [2], [4, 5])
    members = gzip.compress(raw[:8], mtime=0) + gzip.compress(raw[8:], mtime=0)
    (idx_dir / "two_members.idx.gz").write_bytes(bytes([UNSET]) + members)


if __name__ == "__main__":
    main()
