using System.ComponentModel.DataAnnotations;

namespace DigiUsher.ResourceDiscovery;

/// <summary>Section <c>Discovery</c>: how often and how widely discovery runs.</summary>
public sealed class DiscoveryOptions
{
    public const string Section = "Discovery";

    /// <summary>Time between scheduled runs of one data source.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(3);

    /// <summary>How often the scheduler looks for data sources that are due or asked for.</summary>
    public TimeSpan SchedulerTick { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A run still marked running after this long is taken as crashed and failed.</summary>
    public TimeSpan StaleRunAfter { get; set; } = TimeSpan.FromHours(2);

    [Range(1, 64)]
    public int MaxParallelDataSources { get; set; } = 2;

    [Range(1, 64)]
    public int MaxParallelRegions { get; set; } = 4;

    /// <summary>Concurrent per-resource calls (bucket details, IAM users, CPU) within a run.</summary>
    [Range(1, 64)]
    public int MaxParallelCalls { get; set; } = 8;

    /// <summary>Days of daily CPU read per running instance.</summary>
    [Range(1, 63)]
    public int CpuDays { get; set; } = 14;

    /// <summary>Resources per <c>ResourcesDiscovered</c> message (the contract allows at most 500).</summary>
    [Range(1, 500)]
    public int ChunkSize { get; set; } = 500;

    /// <summary>When set, only these regions are scanned (of those DescribeRegions returns).</summary>
    public string[] Regions { get; set; } = [];
}
