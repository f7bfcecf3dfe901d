using System.ComponentModel.DataAnnotations;

namespace DigiUsher.Query;

/// <summary>Section <c>Services</c>: where the services Query calls answer.</summary>
public sealed class ServicesOptions
{
    public const string Section = "Services";

    /// <summary>Base URL of CurParser (its internal rollup endpoint), e.g. <c>http://curparser:8080</c>.</summary>
    [Required]
    [Url]
    public string CurParser { get; set; } = string.Empty;
}

/// <summary>Section <c>Findings</c>: the thresholds of the waste findings.</summary>
public sealed class FindingsOptions
{
    public const string Section = "Findings";

    /// <summary>An instance is idle when its daily average CPU stays below this percentage.</summary>
    [Range(0.1, 100)]
    public double IdleCpuPercent { get; set; } = 5;

    /// <summary>The window of CPU days looked at.</summary>
    [Range(1, 90)]
    public int IdleWindowDays { get; set; } = 14;

    /// <summary>At least this many days of CPU data in the window before an instance may be called idle.</summary>
    [Range(1, 90)]
    public int IdleMinDays { get; set; } = 7;

    /// <summary>Access keys not used for this many days are reported.</summary>
    [Range(1, 3650)]
    public int UnusedAccessKeyDays { get; set; } = 90;

    /// <summary>Console users who have not signed in for this many days are reported.</summary>
    [Range(1, 3650)]
    public int InactiveUserDays { get; set; } = 90;
}

/// <summary>Section <c>Api</c>: limits of the query API.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>The widest from..to range a cost query may ask for, in months.</summary>
    [Range(1, 120)]
    public int MaxRangeMonths { get; set; } = 13;

    [Range(1, 100000)]
    public int DefaultPageSize { get; set; } = 1000;

    [Range(1, 100000)]
    public int MaxPageSize { get; set; } = 10000;

    /// <summary>
    /// Every statement of an API request is cancelled by Postgres after this long (issue 18): one tenant's
    /// expensive query cannot hold a connection and a core for minutes. The request answers 503 naming the limit.
    /// </summary>
    [Range(100, 600_000)]
    public int StatementTimeoutMs { get; set; } = 15_000;

    /// <summary>The statement timeout of an export's transaction: its one statement also waits for the client to take the rows.</summary>
    [Range(100, 3_600_000)]
    public int ExportStatementTimeoutMs { get; set; } = 120_000;

    /// <summary>The most rows an export streams; a larger one is refused before the first byte (422), naming its size and the limit.</summary>
    [Range(1, 100_000_000)]
    public int MaxExportRows { get; set; } = 1_000_000;
}

/// <summary>Section <c>Costs</c>: the cost read model.</summary>
public sealed class CostsOptions
{
    public const string Section = "Costs";

    /// <summary>
    /// Days (today included, UTC) for which the read model keeps the hourly rollup, for granularity hour. AWS Cost
    /// Explorer keeps 14; older hours are pruned and not pulled.
    /// </summary>
    [Range(1, 400)]
    public int HourlyDays { get; set; } = 14;
}
