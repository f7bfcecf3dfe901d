using System.ComponentModel.DataAnnotations;

namespace DigiUsher.CurParser;

/// <summary>Section <c>CurParser</c>: how many imports a replica runs and the limits of one import.</summary>
public sealed class CurParserOptions
{
    public const string Section = "CurParser";

    /// <summary>Imports run at once by one replica (each one streams, parses and COPYs in parallel).</summary>
    [Range(1, 64)]
    public int ConcurrentImports { get; set; } = 1;

    /// <summary><c>ReportAvailable</c> messages fetched ahead; 1 lets idle replicas take the rest of a month-end flood.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 1;

    /// <summary>How long a delivery stays leased to a replica without a renewal (renewed every third of it).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a replica renews its liveness mark (the lease holders table), apart from its imports.</summary>
    public TimeSpan HolderRenewInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A holder whose mark is older than this is dead (killed, lost its node): its deliveries are taken
    /// over at once instead of when their leases run out. Three renewals, so a loaded but live replica keeps them.
    /// </summary>
    public TimeSpan HolderTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a loading import publishes its progress (files, rows, rows per second, expected end).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Rows per batch handed from the parser to the COPY.</summary>
    [Range(64, 1_000_000)]
    public int BatchSize { get; set; } = 4096;

    /// <summary>
    /// Files of one delivery loaded at once, each on its own connection (and, for Parquet, its own
    /// decoded row group in memory); 0 is one per two processors, at most 4 (each file keeps a parser
    /// and a Postgres backend busy).
    /// </summary>
    [Range(0, 16)]
    public int ParallelFiles { get; set; }

    /// <summary>
    /// Groups of the daily rollup summed in memory while the rows stream (a few hundred bytes each);
    /// a month with more rolls up in SQL from its line items instead (slower, same result).
    /// </summary>
    [Range(0, 10_000_000)]
    public int RollupGroupsInMemory { get; set; } = Importing.LineItemLoader.DefaultRollupCapacity;

    /// <summary>See <see cref="Cur.Reading.CurReaderOptions.MaxFieldLength"/>.</summary>
    [Range(1024, int.MaxValue)]
    public int MaxFieldLength { get; set; } = 256 * 1024;

    /// <summary>See <see cref="Cur.Reading.CurReaderOptions.MaxCompressionRatio"/>.</summary>
    [Range(2, 100_000)]
    public double MaxCompressionRatio { get; set; } = 200;

    /// <summary>Folder for the temporary copies formats with random access need (Parquet, zip); empty is the system temp folder.</summary>
    public string? TempDirectory { get; set; }

    public int FilesInParallel() => ParallelFiles > 0 ? ParallelFiles : Math.Clamp(Environment.ProcessorCount / 2, 1, 4);

    public Cur.Reading.CurReaderOptions ReaderOptions() => new()
    {
        MaxFieldLength = MaxFieldLength,
        MaxCompressionRatio = MaxCompressionRatio,
    };
}
