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
}
