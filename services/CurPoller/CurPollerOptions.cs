using System.ComponentModel.DataAnnotations;

namespace DigiUsher.CurPoller;

/// <summary>Section <c>CurPoller</c>.</summary>
public sealed class CurPollerOptions
{
    public const string Section = "CurPoller";

    /// <summary>How often each data source is polled. AWS rewrites a month's report up to three times a day.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Random spread of each next poll, as a fraction of <see cref="PollInterval"/> (0.1 = ±10 %), so polls do not bunch up.</summary>
    [Range(0.0, 0.5)]
    public double PollJitter { get; set; } = 0.1;

    /// <summary>How many months back (including the current one) are watched; the first poll back-fills them.</summary>
    [Range(1, 120)]
    public int BackfillMonths { get; set; } = 12;

    /// <summary>Data sources polled at once by one replica.</summary>
    [Range(1, 256)]
    public int MaxConcurrentDataSources { get; set; } = 16;

    /// <summary>A poll taking longer is abandoned (and reported) so one slow bucket never holds a slot for long.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the scheduler looks for due data sources (a PollRequested wakes it at once).</summary>
    public TimeSpan SchedulerTick { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Data files newer than their manifest mean an overwrite is in progress; after this long the set is
    /// accepted anyway (a writer that writes the manifest first would otherwise never be read).
    /// </summary>
    public TimeSpan OverwriteSettleTime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>First wait before re-publishing a delivery whose import failed transiently; doubles per attempt.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Longest wait between re-publications.</summary>
    public TimeSpan RetryBackoffMax { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// A delivery announced this long ago and answered neither by <c>ReportImported</c> nor by
    /// <c>ReportImportFailed</c> is announced again (one more attempt). That happens when CurParser's
    /// retries ran out during a database outage longer than they last (the message ends in its
    /// <c>_error</c> queue, unrecorded), or when a broker lost the message; a month-end backlog takes
    /// far less than this to drain.
    /// </summary>
    public TimeSpan UnansweredRepublishAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Publications of one delivery before the poller gives up on it (until a newer delivery appears).</summary>
    [Range(1, 100)]
    public int MaxImportAttempts { get; set; } = 8;

    /// <summary>The re-announcement settings as the delivery lifecycle takes them.</summary>
    public Lifecycle.RetryPolicy ToRetryPolicy() => new(RetryBackoff, RetryBackoffMax, MaxImportAttempts, UnansweredRepublishAfter);
}
