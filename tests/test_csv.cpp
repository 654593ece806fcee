#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <wengert/wengert.hpp>

using namespace wengert;

TEST_SUITE("csv") {
    TEST_CASE("parse_csv: a header is detected and values fill (rows, columns)") {
        CsvTable table = parse_csv("x, y ,label\n1,2.5,0\n-3,4e2,1\n");
        CHECK(table.columns == std::vector<std::string>{"x", "y", "label"});
        CHECK(table.values.dtype() == kFloat32);
        CHECK(Shape(table.values.shape().begin(), table.values.shape().end()) == Shape{2, 3});
        CHECK(table.values.to_vector() == std::vector<double>{1, 2.5, 0, -3, 400, 1});
        CHECK(table.select({"label", "x"}).to_vector() == std::vector<double>{0, 1, 1, -3});
        CHECK_THROWS_WITH_AS(table.column_index("z"),
                             doctest::Contains("no column \"z\"; the columns are x, y, label"),
                             std::out_of_range);
    }

    TEST_CASE("parse_csv: no header, other delimiters, CRLF, quotes and blank lines") {
        CsvTable table =
            parse_csv("1;2\r\n\r\n\"3\";+4\r\n",
                      {.delimiter = ';', .header = CsvHeader::detect, .dtype = kFloat64});
        CHECK(table.columns == std::vector<std::string>{"0", "1"});
        CHECK(table.values.dtype() == kFloat64);
        CHECK(table.values.to_vector() == std::vector<double>{1, 2, 3, 4});

        CsvTable absent = parse_csv(
            "5\t6\n7\t8", {.delimiter = '\t', .header = CsvHeader::absent, .dtype = kFloat32});
        CHECK(absent.values.to_vector() == std::vector<double>{5, 6, 7, 8});

        // A numeric first row can still be declared a header.
        CsvTable present = parse_csv(
            "10,20\n1,2\n", {.delimiter = ',', .header = CsvHeader::present, .dtype = kFloat32});
        CHECK(present.columns == std::vector<std::string>{"10", "20"});
        CHECK(present.values.numel() == 2);
    }

    TEST_CASE("parse_csv: quoted cells hold the delimiter and doubled quotes (RFC 4180)") {
        CsvTable table =
            parse_csv("\"price, in $\", \"the \"\"best\"\" guess\",plain\n\"1.5\",2, 3\n");
        CHECK(table.columns ==
              std::vector<std::string>{"price, in $", "the \"best\" guess", "plain"});
        CHECK(table.values.to_vector() == std::vector<double>{1.5, 2, 3});
        CHECK(table.column_index("price, in $") == 0);

        CHECK_THROWS_WITH_AS(parse_csv("\"a,b\n1\n", {}, "q.csv"),
                             doctest::Contains("q.csv: row 1, column 1: quoted cell is not closed"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,\"b\"x\n1,2\n"),
                             doctest::Contains("row 1, column 2: text after a closing quote"),
                             DataError);
        // A quoted empty cell is still an empty cell.
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,\"\"\n"), doctest::Contains("empty cell"),
                             DataError);
    }

    TEST_CASE("parse_csv: missing and non-numeric cells name the row and column") {
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n3,\n", {}, "t.csv"),
                             doctest::Contains("t.csv: row 3, column 2 (\"b\"): empty cell"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\nx1,4\n", {}, "t.csv"),
                             doctest::Contains("row 3, column 1 (\"a\"): \"x1\" is not a finite "
                                               "number"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,nan\n"),
                             doctest::Contains("\"nan\" is not a finite"), DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2.5.1\n"), doctest::Contains("column 2"), DataError);
        // With the header declared absent, a word in the first row is an error too.
        CHECK_THROWS_WITH_AS(
            parse_csv("a,1\n", {.delimiter = ',', .header = CsvHeader::absent, .dtype = kFloat32}),
            doctest::Contains("row 1, column 1"), DataError);
    }

    TEST_CASE("parse_csv: ragged rows and empty tables are rejected") {
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n3,4,5\n", {}, "r.csv"),
                             doctest::Contains("r.csv: row 3 has 3 cells, expected 2"), DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,2\n3\n"), doctest::Contains("row 3 has 1 cells"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n"), doctest::Contains("no data rows"), DataError);
        CHECK_THROWS_WITH_AS(parse_csv(""), doctest::Contains("no data rows"), DataError);
    }

    // Found by fuzz/fuzz_csv (corpus file regress-tab-leading-empty-cell): the spaces skipped
    // before a cell swallowed a tab delimiter, so an empty cell vanished and the cells after
    // it moved one column left.
    TEST_CASE("parse_csv: a tab or space delimiter separates empty cells too") {
        const CsvOptions tabs{.delimiter = '\t', .header = CsvHeader::absent, .dtype = kFloat32};
        CHECK_THROWS_WITH_AS(parse_csv("\t85\t8", tabs, "t.tsv"),
                             doctest::Contains("t.tsv: row 1, column 1 (\"0\"): empty cell"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("1\t2\t3\n1\t\t2\n", tabs),
                             doctest::Contains("row 2, column 2 (\"1\"): empty cell"), DataError);
        CHECK_THROWS_WITH_AS(parse_csv("1\t2\t3\n1\t\t2\t3\n", tabs),
                             doctest::Contains("row 2 has 4 cells, expected 3"), DataError);
        const CsvOptions spaces{.delimiter = ' ', .header = CsvHeader::absent, .dtype = kFloat32};
        CHECK_THROWS_WITH_AS(parse_csv("1  2\n", spaces), doctest::Contains("column 2"), DataError);
        // Spaces around cells are still dropped when they are not the delimiter.
        CHECK(parse_csv(" 1 \t 2 \t3\n", tabs).values.to_vector() == std::vector<double>{1, 2, 3});
    }

    // Found by fuzz/fuzz_csv (regress-float32-overflow): 1e53 is a finite double, stored as
    // infinity in a float32 table.
    TEST_CASE("parse_csv: a value beyond float32's range is an error for float32 only") {
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n1,1e53\n", {}, "big.csv"),
                             doctest::Contains("big.csv: row 2, column 2 (\"b\"): 1e53 is "
                                               "outside the range of float32"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a\n-3.5e38\n"),
                             doctest::Contains("read the table as float64"), DataError);
        // The largest float and values that round down to it are kept.
        CHECK(parse_csv("a\n3.4028235e38\n").values.to_vector()[0] ==
              static_cast<double>(std::numeric_limits<float>::max()));
        const CsvOptions wide{.delimiter = ',', .header = CsvHeader::detect, .dtype = kFloat64};
        CHECK(parse_csv("a,b\n1,1e53\n", wide).values.to_vector()[1] == 1e53);
    }

    // Found by fuzz/fuzz_csv (regress-plus-minus-sign): "+-3" was read as -3.
    TEST_CASE("parse_csv: a second sign after '+' is not a number") {
        CHECK_THROWS_WITH_AS(parse_csv("a,b\n+-3,2\n"),
                             doctest::Contains("row 2, column 1 (\"a\"): \"+-3\" is not a finite"),
                             DataError);
        CHECK_THROWS_WITH_AS(parse_csv("a\n++3\n"), doctest::Contains("\"++3\""), DataError);
        CHECK(parse_csv("a\n+3\n-3\n").values.to_vector() == std::vector<double>{3, -3});
    }

    TEST_CASE("read_csv reads a file and names a missing one") {
        const auto path = std::filesystem::temp_directory_path() /
                          ("wengert_test_csv_" + std::to_string(::getpid()) + ".csv");
        {
            std::ofstream out(path);
            out << "f1,f2,target\n0.5,1,2\n1.5,2,3\n";
        }
        CsvTable table = read_csv(path);
        std::filesystem::remove(path);
        CHECK(table.values.size(0) == 2);
        CHECK(table.select({"target"}).to_vector() == std::vector<double>{2, 3});
        CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("cannot open"), DataError);
    }
}
