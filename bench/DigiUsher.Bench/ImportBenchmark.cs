using System.Diagnostics;
using System.Globalization;
using Dapper;
using DigiUsher.Contracts;
using DigiUsher.Cur.Reading;
using DigiUsher.CurParser.Importing;
using DigiUsher.ServiceDefaults;
using DigiUsher.ServiceDefaults.Data;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DigiUsher.Bench;

/// <summary>
/// One import of generated files through the real CurParser code (reader, normalizer, pipelined
/// binary COPY, reconciliation, swap with rollup) into a fresh database on the real Postgres; then,
/// in the same run, a bare binary COPY of already-parsed rows into the same table, and DuckDB
/// reading the same files.
/// </summary>
public static class ImportBenchmark
{
    private const int CopyReferenceRows = 1_000_000;

    public static async Task<string> RunAsync(string name, ReportFormat format, IReadOnlyList<string> files, string duckDbSql, int parallelFiles = 1)
    {
        var loadBefore = LoadAverage();
        var adminConnection = Environment.GetEnvironmentVariable("DIGIUSHER_PG_ADMIN") ?? "Host=127.0.0.1;Port=5432;Username=postgres;Password=postgres;Database=postgres";
        var database = "bench_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(adminConnection))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync($"create database {database}");
        }

        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = database }.ConnectionString;
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var service = new DigiUsherService("bench", "curparser");
            await new MigrationRunner(dataSource, service, NullLogger<MigrationRunner>.Instance)
                .MigrateAsync(typeof(MigrationRunner).Assembly, typeof(ImportStore).Assembly, CancellationToken.None);
            var store = new ImportStore(dataSource, new OutboxWriter(service.Schema), LeaseHolder.ForThisProcess(), Microsoft.Extensions.Options.Options.Create(new DigiUsher.CurParser.CurParserOptions()));

            var (rawCopyRowsPerSecond, copyRowsPerSecond) = await BareCopyAsync(dataSource, service.Schema, format, files, CurReaderOptions.Default);
            PeakMemory.Reset();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  resident before the import: {PeakMemory.ResidentMegabytes():0} MB"));
            var message = new ReportAvailable(Guid.NewGuid(), Guid.NewGuid(), "bench", "2024-03", "bench", format, "bench-1", "local", "local", null,
                [.. files.Select(f => new ReportFile(f, new FileInfo(f).Length, "etag"))], DateTimeOffset.UtcNow);
            var importId = Guid.NewGuid();
            var total = Stopwatch.StartNew();
            await store.StartAsync(message, importId, DateTimeOffset.UtcNow, CancellationToken.None);
            var loadClock = Stopwatch.StartNew();
            var (cpuBefore, pauseBefore, gen2Before) = (Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalPauseDuration(), GC.CollectionCount(2));
            var options = CurReaderOptions.Default;
            // DIGIUSHER_BENCH_ROLLUP_GROUPS: CurParser:RollupGroupsInMemory for this run (1: every group written as partial sums and merged).
            var rollupGroups = int.TryParse(Environment.GetEnvironmentVariable("DIGIUSHER_BENCH_ROLLUP_GROUPS"), out var groups) ? groups : LineItemLoader.DefaultRollupCapacity;
            var loader = new LineItemLoader(dataSource, service.Schema, options, 4096, parallelFiles, rollupGroups);
            var load = await loader.LoadAsync(importId, format, files, new ReportFileOpener(new LocalFiles(), options, null), CancellationToken.None);
            var loadSeconds = loadClock.Elapsed.TotalSeconds;
            // Where the load phase's time went on the client: its CPU (all threads), and the GC's stop-the-world pauses (the COPY stops too).
            var loadCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var (gcPauseSeconds, gen2Collections) = ((GC.GetTotalPauseDuration() - pauseBefore).TotalSeconds, GC.CollectionCount(2) - gen2Before);
            await store.WriteRollupAsync(importId, load.Rollup, CancellationToken.None);
            await store.VerifyTotalsAsync(importId, load.Totals, CancellationToken.None);
            await store.CompleteAsync(message, importId, load, total.Elapsed, CancellationToken.None);
            var importSeconds = total.Elapsed.TotalSeconds;
            var peakMb = PeakMemory.Megabytes();
            var rowsPerSecond = load.Rows / loadSeconds;
            var wholeRowsPerSecond = load.Rows / importSeconds;
            var rollup = load.Rollup is null ? "sql" : load.Rollup.Spilled ? "spilled" : "streamed";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name}: {load.Rows} rows from {files.Count} files ({parallelFiles} at once) loaded in {loadSeconds:0.0} s ({rowsPerSecond:0} rows/s); whole import (start, load, rollup {rollup}, reconciliation, swap) {importSeconds:0.0} s ({wholeRowsPerSecond:0} rows/s), peak {peakMb:0} MB"));

            var duckSeconds = DuckDbSeconds(duckDbSql);
            return string.Create(CultureInfo.InvariantCulture,
                $"bench {name} rows={load.Rows} files={files.Count} parallel={parallelFiles} rows_per_s={rowsPerSecond:0} copy_rows_per_s={copyRowsPerSecond:0} ratio_vs_copy={rowsPerSecond / copyRowsPerSecond:0.00} whole_s={importSeconds:0.0} whole_rows_per_s={wholeRowsPerSecond:0} whole_ratio_vs_copy={wholeRowsPerSecond / copyRowsPerSecond:0.00} raw_copy_rows_per_s={rawCopyRowsPerSecond:0} ratio_vs_raw_copy={rowsPerSecond / rawCopyRowsPerSecond:0.00} whole_ratio_vs_raw_copy={wholeRowsPerSecond / rawCopyRowsPerSecond:0.00} rollup={rollup} duckdb_s={duckSeconds:0.00} peak_mb={peakMb:0} load_cpu_s={loadCpuSeconds:0.0} gc_pause_s={gcPauseSeconds:0.00} gen2={gen2Collections} load_avg={loadBefore}/{LoadAverage()}");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(adminConnection);
            await admin.OpenAsync();
            await admin.ExecuteAsync($"drop database if exists {database} with (force)");
        }
    }

    /// <summary>
    /// The references, run first: rows parsed beforehand (up to a million, held in memory), then only the
    /// binary COPY into a fresh partition of the same table, timed; the partition is dropped after. Two of them:
    /// through Npgsql's <c>NpgsqlBinaryImporter</c> (<c>copy_rows_per_s</c>: the bare COPY every earlier result
    /// and the ingestion goals were measured against), and with the import's own encoding over the raw COPY
    /// stream (<c>raw_copy_rows_per_s</c>: stricter, as it leaves Postgres more of the machine's CPU).
    /// </summary>
    private static async Task<(double RawRowsPerSecond, double ImporterRowsPerSecond)> BareCopyAsync(NpgsqlDataSource dataSource, string schema, ReportFormat format, IReadOnlyList<string> files, CurReaderOptions options)
    {
        var rows = new List<CurLineItem>();
        var opener = new ReportFileOpener(new LocalFiles(), options, null);
        foreach (var file in files)
        {
            await using var content = await opener.OpenAsync(format, file, CancellationToken.None);
            await using var reader = await CurReader.OpenAsync(format, content, file, options, CancellationToken.None);
            var batch = new CurLineItem[1];
            while (rows.Count < CopyReferenceRows)
            {
                batch[0] = new CurLineItem();
                if (await reader.ReadAsync(batch, CancellationToken.None) == 0)
                {
                    break;
                }

                rows.Add(batch[0]);
            }
        }

        var all = rows.ToArray();
        rows.Clear();
        var byImporter = await TimedCopyAsync(dataSource, schema, async (connection, importId) =>
        {
            await using var writer = await connection.BeginBinaryImportAsync($"copy {LineItemLoader.PartitionOf(schema, "line_items", importId)} ({LineItemCopy.Columns}) from stdin (format binary)");
            foreach (var row in all)
            {
                NpgsqlImporterRow.Write(writer, importId, row);
            }

            await writer.CompleteAsync();
        });
        var seconds = await TimedCopyAsync(dataSource, schema, async (connection, importId) =>
        {
            await using var copy = await LineItemCopy.BeginAsync(connection, schema, importId, CancellationToken.None);
            await copy.WriteAsync(all, all.Length, CancellationToken.None);
            await copy.CompleteAsync(CancellationToken.None);
        });
        // The parsed rows die here, whatever still holds the array (the import's peak is measured from a collection after this).
        var count = all.Length;
        Array.Clear(all);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  bare COPY of {count} parsed rows: {seconds:0.0} s ({count / seconds:0} rows/s); through NpgsqlBinaryImporter {byImporter:0.0} s ({count / byImporter:0} rows/s)"));
        return (count / seconds, count / byImporter);
    }

    /// <summary>Seconds one COPY takes into a fresh partition, dropped after.</summary>
    private static async Task<double> TimedCopyAsync(NpgsqlDataSource dataSource, string schema, Func<NpgsqlConnection, Guid, Task> copy)
    {
        var importId = Guid.NewGuid();
        await using var connection = await dataSource.OpenConnectionAsync();
        await ImportStore.CreatePartitionsAsync(connection, null, schema, importId);
        var clock = Stopwatch.StartNew();
        await copy(connection, importId);
        var seconds = clock.Elapsed.TotalSeconds;
        await connection.ExecuteAsync($"drop table {LineItemLoader.PartitionOf(schema, "line_items", importId)}; drop table {LineItemLoader.PartitionOf(schema, "daily_costs", importId)}");
        return seconds;
    }

    /// <summary>Reads a Parquet file through the import's opener and reader only, printing memory every 100k rows.</summary>
    public static async Task<string> ReadOnlyAsync(string file, ReportFormat format = ReportFormat.Parquet)
    {
        var options = CurReaderOptions.Default;
        PeakMemory.Reset();
        var clock = Stopwatch.StartNew();
        await using var content = await new ReportFileOpener(new LocalFiles(), options, null).OpenAsync(format, file, CancellationToken.None);
        await using var reader = await CurReader.OpenAsync(format, content, file, options, CancellationToken.None);
        var batch = Enumerable.Range(0, 4096).Select(_ => new CurLineItem()).ToArray();
        long rows = 0, next = 20_000;
        int count;
        while ((count = await reader.ReadAsync(batch, CancellationToken.None)) > 0)
        {
            rows += count;
            if (rows >= next)
            {
                next += 20_000;
                var gc = GC.GetGCMemoryInfo();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {rows} rows: rss {PeakMemory.ResidentMegabytes():0} MB, peak {PeakMemory.Megabytes():0} MB, heap {gc.HeapSizeBytes / 1048576.0:0} MB, live {GC.GetTotalMemory(true) / 1048576.0:0} MB, committed {gc.TotalCommittedBytes / 1048576.0:0} MB, gen2 GCs {GC.CollectionCount(2)}"));
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"bench read-{ImportMetrics.FormatName(format)} rows={rows} s={clock.Elapsed.TotalSeconds:0.0} peak_mb={PeakMemory.Megabytes():0}");
    }

    /// <summary>The machine's 1-minute load average (the reference and the import share the machine with whatever runs).</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static double DuckDbSeconds(string sql)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        var clock = Stopwatch.StartNew();
        using var reader = command.ExecuteReader();
        reader.Read();
        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  DuckDB: {reader.GetValue(0)} rows, sum {reader.GetValue(1)} in {seconds:0.00} s"));
        return seconds;
    }

    private sealed class LocalFiles : IReportFileSource
    {
        public Task<Stream> OpenAsync(string key, CancellationToken cancellationToken) =>
            Task.FromResult<Stream>(new FileStream(key, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }
}

/// <summary>The process's peak resident set (VmHWM), resettable through <c>/proc/self/clear_refs</c>.</summary>
public static class PeakMemory
{
    public static void Reset()
    {
        // Aggressive: a blocking, compacting full GC that also decommits the freed regions, so the
        // reference's million parsed rows (released just before) are not counted in the import's peak.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static double Megabytes() => Status("VmHWM:") ?? Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

    /// <summary>The current resident set, MB.</summary>
    public static double ResidentMegabytes() => Status("VmRSS:") ?? Process.GetCurrentProcess().WorkingSet64 / 1024.0 / 1024.0;

    private static double? Status(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return double.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return null;
    }
}
