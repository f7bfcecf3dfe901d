using System.Globalization;
using DigiUsher.Bench;
using DigiUsher.Contracts;

// dotnet DigiUsher.Bench.dll generate --rows N --out DIR      writes legacy CSV gzip (+ manifest) and legacy Parquet
// dotnet DigiUsher.Bench.dll generate-cur2 --rows N --out DIR writes CUR 2.0 (Data Exports layout, manifests) Parquet and CSV gzip exports of the same rows
// dotnet DigiUsher.Bench.dll generate-csv5 --rows N --out DIR    writes the legacy CSV gzip rows as a delivery of 5 files
// dotnet DigiUsher.Bench.dll import --format parquet|csv|cur2|cur2-csv|csv5 [--parallel N] --dir DIR   one import benchmark (one process each, so peak memory is the import's)
// dotnet DigiUsher.Bench.dll read [--format parquet|cur2] --dir DIR   the Parquet reader alone, no database (memory every 20k rows)
var command = args.FirstOrDefault() ?? "help";
string Option(string name, string fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
}

var directory = Option("--dir", Option("--out", Path.Combine(Path.GetTempPath(), "digiusher-bench")));
switch (command)
{
    case "generate":
        var rows = long.Parse(Option("--rows", "1000000"), CultureInfo.InvariantCulture);
        var generator = new CurGenerator(rows);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var csv = generator.WriteLegacyCsv(Path.Combine(directory, "csv"));
        Console.WriteLine($"  generated {rows} rows of legacy CSV gzip in {csv.Count} files ({clock.Elapsed.TotalSeconds:0} s)");
        clock.Restart();
        await generator.WriteLegacyParquetAsync(Path.Combine(directory, "bench-00001.snappy.parquet"));
        Console.WriteLine($"  generated {rows} rows of legacy Parquet ({clock.Elapsed.TotalSeconds:0} s)");
        return 0;
    case "generate-csv5":
        var csv5Rows = long.Parse(Option("--rows", "1000000"), CultureInfo.InvariantCulture);
        var csv5 = new CurGenerator(csv5Rows).WriteLegacyCsv(Path.Combine(directory, "csv5"), (csv5Rows + 4) / 5);
        Console.WriteLine($"  generated {csv5Rows} rows of legacy CSV gzip in {csv5.Count} files");
        return 0;
    case "generate-cur2":
        var cur2Rows = long.Parse(Option("--rows", "1000000"), CultureInfo.InvariantCulture);
        var cur2 = new CurGenerator(cur2Rows);
        var cur2Clock = System.Diagnostics.Stopwatch.StartNew();
        await cur2.WriteCur2ParquetAsync(Path.Combine(directory, "cur2", "bench-cur2"));
        Console.WriteLine($"  generated {cur2Rows} rows of CUR 2.0 Parquet ({cur2Clock.Elapsed.TotalSeconds:0} s)");
        cur2Clock.Restart();
        var cur2Csv = cur2.WriteCur2Csv(Path.Combine(directory, "cur2", "bench-cur2-csv"));
        Console.WriteLine($"  generated {cur2Rows} rows of CUR 2.0 CSV gzip in {cur2Csv.Count} files ({cur2Clock.Elapsed.TotalSeconds:0} s)");
        return 0;
    case "import":
        var format = Option("--format", "parquet");
        var parallel = int.Parse(Option("--parallel", "1"), CultureInfo.InvariantCulture);
        if (format == "parquet")
        {
            var file = Path.Combine(directory, "bench-00001.snappy.parquet");
            Console.WriteLine(await ImportBenchmark.RunAsync("import-parquet", ReportFormat.Parquet, [file],
                $"select count(*), sum(line_item_unblended_cost) from read_parquet('{file}')"));
        }
        else if (format == "cur2")
        {
            var file = Directory.GetFiles(Path.Combine(directory, "cur2", "bench-cur2", "data"), "*.parquet", SearchOption.AllDirectories).Single();
            Console.WriteLine(await ImportBenchmark.RunAsync("import-cur2", ReportFormat.Cur2Parquet, [file],
                $"select count(*), sum(line_item_unblended_cost) from read_parquet('{file}')"));
        }
        else if (format == "cur2-csv")
        {
            var files = Directory.GetFiles(Path.Combine(directory, "cur2", "bench-cur2-csv", "data"), "*.csv.gz", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
            var list = string.Join(", ", files.Select(f => $"'{f}'"));
            Console.WriteLine(await ImportBenchmark.RunAsync("import-cur2-csv", ReportFormat.Cur2CsvGzip, files,
                $"select count(*), sum(line_item_unblended_cost) from read_csv([{list}], header = true, all_varchar = false)"));
        }
        else
        {
            var folder = format == "csv5" ? "csv5" : "csv";
            var files = Directory.GetFiles(Path.Combine(directory, folder), "*.csv.gz").Order(StringComparer.Ordinal).ToList();
            var list = string.Join(", ", files.Select(f => $"'{f}'"));
            Console.WriteLine(await ImportBenchmark.RunAsync(format == "csv5" ? "import-csv-5files" : "import-csv", ReportFormat.CsvGzip, files,
                $"select count(*), sum(\"lineItem/UnblendedCost\") from read_csv([{list}], header = true, all_varchar = false)", parallel));
        }

        return 0;
    case "read":
        // The reader alone (no database): where the memory of a Parquet import goes, every 100k rows.
        Console.WriteLine(Option("--format", "parquet") == "cur2"
            ? await ImportBenchmark.ReadOnlyAsync(Directory.GetFiles(Path.Combine(directory, "cur2", "bench-cur2", "data"), "*.parquet", SearchOption.AllDirectories).Single(), ReportFormat.Cur2Parquet)
            : await ImportBenchmark.ReadOnlyAsync(Path.Combine(directory, "bench-00001.snappy.parquet")));
        return 0;
    default:
        Console.Error.WriteLine("usage: DigiUsher.Bench generate|generate-cur2|generate-csv5 --rows N --out DIR | import --format parquet|csv|cur2|cur2-csv|csv5 [--parallel N] --dir DIR | read --dir DIR");
        return 2;
}
